/**
 * Text tracks through the API handler: `POST /video/v1/assets/{ASSET_ID}/tracks` fetches, checks and writes the
 * segmented rendition (or errors the track with the reason), `PATCH` and `DELETE` change and remove it, and the table
 * changes they make become Mux's `video.asset.track.*` events.
 */

import { beforeEach, describe, expect, it } from 'vitest';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { type MediaChange, messagesFor } from '../../lambdas/core/usecases/notify.js';
import { MAX_TEXT_TRACK_FETCHES } from '../../lambdas/core/usecases/text-tracks.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import { type ApiEvent, createApiHandler } from '../../lambdas/handlers/api.js';
import {
  fakeResolve,
  InMemoryInputSlots,
  InMemoryPlaybackRestrictions,
  InMemorySigningKeys,
  InMemoryWebhooks,
  RecordingInputQueue,
} from './api-fakes.js';
import { InMemoryAssetFiles } from './asset-files-fakes.js';
import { assetWorkDeps } from './asset-work-fakes.js';
import {
  FakeUploadUrls,
  InMemoryConnections,
  InMemoryEnvironments,
  InMemoryMediaRepository,
  InMemoryObjects,
  InMemoryTokens,
  preparingAsset,
  RecordingPusher,
} from './fakes.js';
import { FakeMultipartUploads } from './multipart-fakes.js';
import { InMemorySearch } from './search-fakes.js';
import { FakeFiles, InMemoryTextStore, InMemoryTextTracks, storeRenditions } from './track-fakes.js';
import { InMemoryVocabularies } from './transcription-fakes.js';

const SUBS = 'https://subs.example.com/en.srt';
const SRT = '1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:07,000 --> 00:00:08,000\n<i>Again</i>\n';

let media: InMemoryMediaRepository;
let files: FakeFiles;
let store: InMemoryTextStore;
let objects: InMemoryObjects;
let auth: string;
let api: ReturnType<typeof createApiHandler>;
let slots: InMemoryInputSlots;

const ready = (): AssetRecord => ({ ...preparingAsset({ id: 'asset1', env: 'env1' }), status: 'ready', duration: 14 });

beforeEach(async () => {
  media = new InMemoryMediaRepository();
  files = new FakeFiles();
  store = new InMemoryTextStore();
  objects = new InMemoryObjects();
  const tokens = new InMemoryTokens();
  slots = new InMemoryInputSlots();
  await media.createAsset(ready());
  storeRenditions(store, 'asset1');
  files.files.set(SUBS, SRT);
  api = createApiHandler(() => ({
    media,
    assetFiles: new InMemoryAssetFiles(media),
    tokens,
    ...assetWorkDeps(media),
    objects,
    webhooks: new InMemoryWebhooks(),
    environments: new InMemoryEnvironments(),
    connections: new InMemoryConnections(),
    pusher: new RecordingPusher(),
    search: new InMemorySearch(media),
    inputSlots: slots,
    streamUrl: 'https://stream.example',
    signingKeys: new InMemorySigningKeys(),
    playbackRestrictions: new InMemoryPlaybackRestrictions(),
    inputs: new RecordingInputQueue(),
    ingestBucket: 'ingest',
    resolve: fakeResolve({ 'subs.example.com': ['93.184.216.34'], 'internal.example.com': ['10.0.0.1'] }),
    allowLoopbackUrls: false,
    outputBucket: 'output',
    urls: new FakeUploadUrls(),
    multipart: new FakeMultipartUploads(),
    maxUploadBytes: 1024,
    defaultUploadTimeout: 3600,
    tracks: new InMemoryTextTracks(media),
    files,
    textObjects: store,
    writer: store,
    vocabularies: new InMemoryVocabularies(),
  }));
  const { id, secret } = await createToken('env1', undefined, { tokens });
  auth = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
});

async function call(method: string, path: string, body?: unknown) {
  const event = {
    version: '2.0',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: auth },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    isBase64Encoded: false,
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
  } as unknown as ApiEvent;
  const res = await api(event);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

const addTrack = (body: Record<string, unknown> = {}) =>
  call('POST', '/video/v1/assets/asset1/tracks', {
    url: SUBS,
    type: 'text',
    text_type: 'subtitles',
    language_code: 'en',
    ...body,
  });

const stored = async () => (await media.getAsset('asset1')) as AssetRecord;

describe('text track fetches in flight', () => {
  it(`are at most ${MAX_TEXT_TRACK_FETCHES} per environment: each holds an API function up to its deadline`, async () => {
    // A file server that never finishes answering: every POST holds an API function until the fetch deadline.
    let fetches = 0;
    const stalls: (() => void)[] = [];
    files.fetchBytes = () => {
      fetches++;
      return new Promise((_resolve, reject) => stalls.push(() => reject(new Error('deadline'))));
    };
    const held = Array.from({ length: MAX_TEXT_TRACK_FETCHES }, (_, i) => addTrack({ name: `held ${i}` }));
    while (fetches < MAX_TEXT_TRACK_FETCHES) await new Promise((r) => setTimeout(r, 5));
    const over = await addTrack({ name: 'one more' });
    expect(over.status).toBe(429);
    expect(over.body.error.type).toBe('too_many_requests');
    expect(fetches).toBe(MAX_TEXT_TRACK_FETCHES);
    for (const stall of stalls) stall();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(held.map(() => 201));
    // Each fetch gave its place back: the next one runs.
    files.fetchBytes = FakeFiles.prototype.fetchBytes.bind(files);
    expect((await addTrack({ name: 'after' })).status).toBe(201);
  });
});

describe('POST /video/v1/assets/{ASSET_ID}/tracks', () => {
  it('answers the track preparing, then writes its segmented rendition and marks it ready', async () => {
    const res = await addTrack({ closed_captions: true, passthrough: 'p' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      type: 'text',
      text_type: 'subtitles',
      text_source: 'uploaded',
      language_code: 'en',
      name: 'English',
      closed_captions: true,
      passthrough: 'p',
      status: 'preparing',
    });
    const id = res.body.data.id as string;
    const asset = (await call('GET', '/video/v1/assets/asset1')).body.data;
    expect(asset.tracks).toEqual([expect.objectContaining({ id, type: 'text', status: 'ready' })]);
    const folder = `output/assets/asset1/text/${id}`;
    expect(store.objects.get(`${folder}/index.m3u8`)).toContain('#EXTINF:2.000,\nseg_00002.vtt\n#EXT-X-ENDLIST');
    expect(store.objects.get(`${folder}/seg_00000.vtt`)).toContain('00:00:01.000 --> 00:00:02.500\nHello');
    expect(store.objects.get(`${folder}/seg_00001.vtt`)).toContain('<i>Again</i>');
    expect(store.objects.get(`${folder}/full.vtt`)?.startsWith('WEBVTT\n\n00:00:01.000')).toBe(true);
  });

  it('errors a track whose file is not usable, with the reason, and keeps the asset and its other tracks', async () => {
    await addTrack();
    files.files.set(
      'https://subs.example.com/bad.vtt',
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<script>x</script>\n',
    );
    const res = await addTrack({ url: 'https://subs.example.com/bad.vtt', language_code: 'fr' });
    expect(res.status).toBe(201);
    const asset = await stored();
    expect(asset.status).toBe('ready');
    const bad = asset.text_tracks?.[res.body.data.id];
    expect(bad).toMatchObject({
      status: 'errored',
      error: {
        type: 'invalid_input',
        messages: ['Line 4: <script> is not WebVTT cue markup (HTML and script are refused)'],
      },
    });
    expect(Object.values(asset.text_tracks ?? {}).map((t) => t.status)).toEqual(['ready', 'errored']);
  });

  it('refuses what it cannot take in Mux’s error shape, naming the field', async () => {
    const refusals = [
      [{ type: 'audio' }, 'text_type: is for text tracks only'],
      [{ text_type: undefined }, 'text_type: is required for text tracks'],
      [{ language_code: 'not a language' }, 'language_code: must be a BCP 47 language code, e.g. en or en-US'],
      // Mux requires it for text and audio tracks alike: left out, it is missing, not of the wrong type.
      [{ language_code: undefined }, 'language_code: is required for text and audio tracks'],
      [
        { type: 'audio', text_type: undefined, language_code: undefined },
        'language_code: is required for text and audio tracks',
      ],
      [{ language_code: 5 }, 'language_code: must be a string'],
      [{ name: 5 }, 'name: must be a string'],
      [
        { url: 'https://internal.example.com/x.vtt' },
        'url: is refused: 10.0.0.1 is a private, loopback or link-local address',
      ],
      [{ colour: 'red' }, 'colour'],
    ] as const;
    for (const [body, message] of refusals) {
      const res = await addTrack(body);
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe('invalid_parameters');
      expect(res.body.error.messages.join(' ')).toContain(message);
    }
    await addTrack();
    expect((await addTrack({ language_code: 'en-GB', name: 'English' })).body.error.messages).toEqual([
      'name: the asset already has a text track named "English"',
    ]);
    await media.createAsset({ ...preparingAsset({ id: 'asset2', env: 'env1' }) });
    const early = await call('POST', '/video/v1/assets/asset2/tracks', {
      url: SUBS,
      type: 'text',
      text_type: 'subtitles',
      language_code: 'en',
    });
    expect(early.body.error.messages).toEqual(['The asset is preparing: tracks can be added once it is ready']);
  });
});

describe('PATCH and DELETE /video/v1/assets/{ASSET_ID}/tracks/{TRACK_ID}', () => {
  it('updates the fields Mux lets change, deletes the track and its files, and refuses the video track', async () => {
    const id = (await addTrack()).body.data.id as string;
    const patched = await call('PATCH', `/video/v1/assets/asset1/tracks/${id}`, {
      name: 'English (SDH)',
      closed_captions: true,
    });
    expect(patched.body.data).toMatchObject({ id, name: 'English (SDH)', closed_captions: true, status: 'ready' });
    expect((await call('PATCH', `/video/v1/assets/asset1/tracks/${id}`, { url: 'x' })).status).toBe(400);
    objects.add('output', `assets/asset1/text/${id}/index.m3u8`);
    expect((await call('DELETE', `/video/v1/assets/asset1/tracks/${id}`)).status).toBe(204);
    expect((await stored()).text_tracks).toEqual({});
    expect(objects.deleted).toEqual([`output/assets/asset1/text/${id}/index.m3u8`]);
    expect((await call('DELETE', `/video/v1/assets/asset1/tracks/${id}`)).status).toBe(404);
    const withVideo = media.assets.get('asset1');
    if (withVideo)
      withVideo.asset.tracks = [
        { id: 'v1', type: 'video', max_width: 1, max_height: 1, max_frame_rate: 30, duration: 1 },
      ];
    expect((await call('DELETE', '/video/v1/assets/asset1/tracks/v1')).body.error.messages).toEqual([
      'The video track and the primary audio track cannot be deleted',
    ]);
    expect((await call('PATCH', '/video/v1/assets/asset1/tracks/v1', { name: 'x' })).body.error.messages).toEqual([
      'The video track and the primary audio track cannot be updated',
    ]);
  });

  it('updates an alternate audio track’s name, language and passthrough; closed_captions and a taken name are refused', async () => {
    const audio = { url: SUBS, type: 'audio', language_code: 'fr' };
    const id = (await call('POST', '/video/v1/assets/asset1/tracks', audio)).body.data.id as string;
    await call('POST', '/video/v1/assets/asset1/tracks', { ...audio, language_code: 'de' });
    const patched = await call('PATCH', `/video/v1/assets/asset1/tracks/${id}`, {
      name: 'Commentary',
      language_code: 'fr-ca',
      passthrough: 'director',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      id,
      type: 'audio',
      primary: false,
      name: 'Commentary',
      language_code: 'fr-CA',
      passthrough: 'director',
      status: 'preparing',
    });
    expect((await stored()).audio_tracks?.[id]).toMatchObject({ name: 'Commentary', language_code: 'fr-CA' });
    const refused = async (body: unknown) =>
      (await call('PATCH', `/video/v1/assets/asset1/tracks/${id}`, body)).body.error.messages;
    expect(await refused({ closed_captions: true })).toEqual([
      'closed_captions: is for text tracks only; this is an audio track',
    ]);
    expect(await refused({ name: 'German' })).toEqual(['name: the asset already has an audio track named "German"']);
    expect(await refused({ name: 'Default' })).toEqual(['name: the asset already has an audio track named "Default"']);
  });
});

describe('track events from the table stream', () => {
  it('tells created, ready and deleted as Mux does, without also calling it video.asset.updated', async () => {
    const before = await stored();
    const id = (await addTrack()).body.data.id as string;
    const after = await stored();
    const change = (b: AssetRecord, a?: AssetRecord): MediaChange => ({
      eventId: 'ev',
      at: new Date(0),
      kind: 'asset',
      before: b,
      ...(a && { after: a }),
    });
    const preparing = structuredClone(after);
    if (preparing.text_tracks?.[id]) preparing.text_tracks[id].status = 'preparing';
    const created = messagesFor(change(before, preparing));
    expect(created.map((e) => e.message.type)).toEqual(['video.asset.track.created']);
    expect(created[0]?.message).toMatchObject({
      id: `ev:${id}:track.created`,
      object: { type: 'track', id },
      data: { id, asset_id: 'asset1', status: 'preparing', language_code: 'en' },
    });
    expect(messagesFor(change(preparing, after)).map((e) => e.message.type)).toEqual(['video.asset.track.ready']);
    const removed = structuredClone(after);
    removed.text_tracks = {};
    const deleted = messagesFor(change(after, removed));
    expect(deleted.map((e) => [e.message.type, (e.message.data as { status: string }).status])).toEqual([
      ['video.asset.track.deleted', 'deleted'],
    ]);
    // An alternate audio track's changes are track events too, with the track as the asset's `tracks` show it.
    const audio = { url: SUBS, type: 'audio', language_code: 'fr' };
    const audioId = (await call('POST', '/video/v1/assets/asset1/tracks', audio)).body.data.id as string;
    const withAudio = await stored();
    const audioCreated = messagesFor(change(after, withAudio));
    expect(audioCreated.map((e) => e.message.type)).toEqual(['video.asset.track.created']);
    expect(audioCreated[0]?.message).toMatchObject({
      object: { type: 'track', id: audioId },
      data: { id: audioId, asset_id: 'asset1', type: 'audio', primary: false, name: 'French', status: 'preparing' },
    });
    const audioReady = structuredClone(withAudio);
    Object.assign(audioReady.audio_tracks?.[audioId] ?? {}, { status: 'ready', duration: 14, max_channels: 2 });
    expect(messagesFor(change(withAudio, audioReady)).map((e) => [e.message.type, e.message.data])).toEqual([
      ['video.asset.track.ready', expect.objectContaining({ id: audioId, status: 'ready', max_channels: 2 })],
    ]);
    const audioErrored = structuredClone(withAudio);
    Object.assign(audioErrored.audio_tracks?.[audioId] ?? {}, {
      status: 'errored',
      error: { type: 'invalid_input', messages: ['no audio'] },
    });
    expect(messagesFor(change(withAudio, audioErrored)).map((e) => e.message.type)).toEqual([
      'video.asset.track.errored',
    ]);
    const audioGone = { ...audioReady, audio_tracks: {} };
    expect(messagesFor(change(audioReady, audioGone)).map((e) => [e.message.type, e.message.data])).toEqual([
      ['video.asset.track.deleted', expect.objectContaining({ id: audioId, type: 'audio', status: 'deleted' })],
    ]);
    // A change of the asset itself is still its own event.
    const renamed = { ...after, passthrough: 'new' };
    expect(messagesFor(change(after, renamed)).map((e) => e.message.type)).toEqual(['video.asset.updated']);
  });

  it('tells each track of a deleted asset deleted with it, and nothing of them after', async () => {
    const textId = (await addTrack()).body.data.id as string;
    const audio = { url: SUBS, type: 'audio', language_code: 'fr' };
    const audioId = (await call('POST', '/video/v1/assets/asset1/tracks', audio)).body.data.id as string;
    const before = await stored();
    expect((await call('DELETE', '/video/v1/assets/asset1')).status).toBe(204);
    const tombstone = (await media.getAsset('asset1')) as AssetRecord;
    // The tombstone keeps its tracks in the item: the stream's change shows them on both sides.
    expect(Object.keys(tombstone.text_tracks ?? {})).toEqual([textId]);
    const change = (b: AssetRecord, a: AssetRecord): MediaChange => ({
      ...{ eventId: 'ev', at: new Date(0), kind: 'asset' },
      ...{ before: b, after: a },
    });
    const events = messagesFor(change(before, tombstone)).map((e) => e.message);
    expect(events.map((m) => [m.type, m.object])).toEqual([
      ['video.asset.deleted', { type: 'asset', id: 'asset1' }],
      ['video.asset.track.deleted', { type: 'track', id: textId }],
      ['video.asset.track.deleted', { type: 'track', id: audioId }],
    ]);
    expect(events[1]?.data).toMatchObject({ id: textId, type: 'text', asset_id: 'asset1', status: 'deleted' });
    expect(events[2]?.data).toMatchObject({
      ...{ id: audioId, type: 'audio', primary: false, language_code: 'fr', name: 'French' },
      ...{ asset_id: 'asset1', status: 'deleted' },
    });
    // A later write to the tombstone (a transcoder settling a track) tells nothing more of its tracks.
    const settled = structuredClone(tombstone);
    Object.assign(settled.audio_tracks?.[audioId] ?? {}, { status: 'ready', duration: 14, max_channels: 1 });
    expect(messagesFor(change(tombstone, settled))).toEqual([]);
  });
});
