/**
 * Transcription vocabularies and generated subtitles through the local platform, driven with Mux's SDK: the
 * vocabularies' CRUD works here as on AWS (items of the media table, per environment); generated subtitles run
 * pocketsphinx in the transcoder's task. An asset whose audio is speech (flite, Debian's text-to-speech, reading a
 * known text: synthesised here, nothing committed) gets a generated track that turns ready, is listed in the master
 * playlist's SUBTITLES group, and whose WebVTT holds the words spoken at about the times they were spoken, with the
 * track's webhooks; so does an asset created with `generated_subtitles` on its input. What pocketsphinx cannot do
 * (languages but English, vocabularies) is a 400 naming the field. The Amazon Transcribe path is tested with client
 * mocks: test/unit/transcribe-transcriber.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Mux from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient } from '../support/client.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { needsLocalDeployment } from '../support/target.js';

const exec = promisify(execFile);
const config = needsLocalDeployment(
  'generated subtitles run pocketsphinx in the transcoder task, the local default (AWS deployments use Amazon Transcribe)',
);
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });

describe('transcription vocabularies', () => {
  it('are created, retrieved, listed, replaced and deleted with the SDK', async () => {
    const created = await mux.video.transcriptionVocabularies.create({
      name: 'Gamma words',
      phrases: ['Gamma', 'Playback ID'],
      passthrough: 'p1',
    });
    expect(created).toMatchObject({ name: 'Gamma words', phrases: ['Gamma', 'Playback ID'], passthrough: 'p1' });
    expect(created.created_at).toMatch(/^\d{10}$/);
    expect(await mux.video.transcriptionVocabularies.retrieve(created.id)).toEqual(created);

    const listed: string[] = [];
    for await (const v of mux.video.transcriptionVocabularies.list({ limit: 100 })) listed.push(v.id);
    expect(listed).toContain(created.id);

    const updated = await mux.video.transcriptionVocabularies.update(created.id, { phrases: ['HLS'], name: 'renamed' });
    expect(updated).toMatchObject({ id: created.id, phrases: ['HLS'], name: 'renamed' });
    expect(updated.passthrough).toBeUndefined();

    await mux.video.transcriptionVocabularies.delete(created.id);
    await expect(mux.video.transcriptionVocabularies.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuse a body without phrases in Mux’s error shape, naming the field', async () => {
    const { status, json } = await client.request('POST', '/video/v1/transcription-vocabularies', { name: 'x' });
    expect(status).toBe(400);
    expect(json.error).toEqual({
      type: 'invalid_parameters',
      messages: ['phrases: is required: a list of words or phrases'],
    });
  });
});

/** What the voice says, and the words of it pocketsphinx must find (it heard every one in trials; 9 of 12 pass). */
const SPOKEN =
  'Hello and welcome to the video platform. Today we will talk about subtitles. ' +
  'The weather is nice and the sun is shining. Thank you for watching this video.';
const EXPECTED = [
  'hello',
  'welcome',
  'video',
  'platform',
  'today',
  'talk',
  'subtitles',
  'weather',
  'nice',
  'sun',
  'shining',
  'watching',
];
/** flite's voice says SPOKEN in about 9.3 s; the clip pads to 11 s. */
const CLIP_SECONDS = 11;

const work = mkdtempSync(join(tmpdir(), 'gamma-asr-'));

/** A 320×240 clip whose audio is flite (Debian's text-to-speech, installed by bootstrap for tests) reading SPOKEN. */
async function speakingClip(): Promise<string> {
  const speech = join(work, 'speech.wav');
  const clip = join(work, 'speech.mp4');
  await exec('flite', ['-voice', 'slt', '-t', SPOKEN, '-o', speech]);
  await exec('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-i', speech],
    ...['-af', 'apad', '-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', clip],
  ]);
  return clip;
}

interface Cue {
  start: number;
  end: number;
  text: string;
}

function cuesOf(vtt: string): Cue[] {
  const seconds = (t: string) => t.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  return vtt
    .split(/\n\n+/)
    .map((block) => /^(\S+) --> (\S+)[^\n]*\n([\s\S]*)$/m.exec(block.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ start: seconds(m[1] ?? ''), end: seconds(m[2] ?? ''), text: (m[3] ?? '').toLowerCase() }));
}

let server: Server;
let clipUrl: string;
let receiver: Receiver;
let endpointId: string;

beforeAll(async () => {
  const clip = readFileSync(await speakingClip());
  server = createServer((req, res) => {
    if (req.url !== '/speech.mp4') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length }).end(clip);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  clipUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/speech.mp4`;
  receiver = await startReceiver(config);
  const registered = await client.request('POST', '/system/v1/webhooks', { address: receiver.url });
  expect(registered.status).toBe(201);
  endpointId = registered.json.data.id;
}, 120_000);

afterAll(async () => {
  if (endpointId) await client.request('DELETE', `/system/v1/webhooks/${endpointId}`);
  await receiver?.close();
  server?.close();
});

const trackOf = async (assetId: string, trackId: string) =>
  (await mux.video.assets.retrieve(assetId)).tracks?.find((t) => t.id === trackId);
const settledTrack = (assetId: string, trackId: string) =>
  client.until(
    'the generated track to settle',
    () => trackOf(assetId, trackId),
    (t) => t !== undefined && t.status !== 'preparing',
    240_000,
  );
const trackEventsOf = async (trackId: string) =>
  (await receiver.received())
    .map((r) => JSON.parse(r.body))
    .filter((e) => e.type?.startsWith('video.asset.track.') && e.data?.id === trackId)
    .map((e) => e.type as string);

/** The track's WebVTT as viewers get it, the master playlist's SUBTITLES line for it, and its webhooks. */
async function checkPlayable(assetId: string, trackId: string, name: string) {
  const asset = await mux.video.assets.retrieve(assetId);
  const playbackId = asset.playback_ids?.[0]?.id ?? '';
  const master = await (await fetch(`${config.streamUrl}/${playbackId}.m3u8`)).text();
  const line = master.split('\n').find((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES') && l.includes(trackId));
  expect(line, master).toContain(`NAME="${name}"`);
  expect(line).toContain('LANGUAGE="en"');

  const vtt = await (await fetch(`${config.streamUrl}/${playbackId}/text/${trackId}.vtt`)).text();
  expect(vtt.startsWith('WEBVTT'), vtt).toBe(true);
  const cues = cuesOf(vtt);
  const heard = new Set(cues.flatMap((c) => c.text.split(/[^a-z']+/)));
  const found = EXPECTED.filter((w) => heard.has(w));
  expect(found.length, `heard: ${[...heard].join(' ')}`).toBeGreaterThanOrEqual(9);
  // At plausible times: within the speech, in order, "welcome" in its first seconds and "watching" in its last.
  for (const cue of cues) {
    expect(cue.start).toBeGreaterThanOrEqual(0);
    expect(cue.end).toBeGreaterThan(cue.start);
    expect(cue.end).toBeLessThanOrEqual(CLIP_SECONDS);
  }
  const at = (word: string) => cues.find((c) => c.text.split(/[^a-z']+/).includes(word));
  if (at('welcome')) expect(at('welcome')?.start).toBeLessThan(3);
  if (at('watching')) expect(at('watching')?.end).toBeGreaterThan(6);

  const events = await client.until(
    'the track webhooks',
    () => trackEventsOf(trackId),
    (e) => e.includes('video.asset.track.ready'),
    60_000,
  );
  expect(events).toContain('video.asset.track.created');
}

describe('generated subtitles (pocketsphinx in the transcoder task)', () => {
  let assetId: string;
  let audioTrackId: string;

  beforeAll(async () => {
    const upload = await client.createUpload({ new_asset_settings: { playback_policies: ['public'] } });
    expect(await client.put(upload.url, join(work, 'speech.mp4'))).toBe(200);
    const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    assetId = asset.id;
    audioTrackId = asset.tracks.find((t: { type: string }) => t.type === 'audio')?.id;
    expect(audioTrackId).toBeTruthy();
  }, 300_000);

  it('turn a ready asset’s speech into a ready track in the master playlist, with the words at their times', async () => {
    const [track] = await mux.video.assets.generateSubtitles(assetId, audioTrackId, {
      generated_subtitles: [{ language_code: 'en' }],
    });
    expect(track).toMatchObject({
      type: 'text',
      text_source: 'generated_vod',
      status: 'preparing',
      language_code: 'en',
      name: 'English (generated)',
    });
    const settled = await settledTrack(assetId, track?.id ?? '');
    expect(settled?.status, JSON.stringify(settled)).toBe('ready');
    await checkPlayable(assetId, track?.id ?? '', 'English (generated)');
  }, 300_000);

  it('refuse a language pocketsphinx has no model for, naming the field and what is supported', async () => {
    const request = mux.video.assets.generateSubtitles(assetId, audioTrackId, {
      generated_subtitles: [{ language_code: 'fr' }],
    });
    await expect(request).rejects.toMatchObject({
      status: 400,
      error: {
        error: {
          type: 'invalid_parameters',
          messages: [
            expect.stringMatching(
              /^generated_subtitles\.0\.language_code: fr is not supported .*pocketsphinx.* en or auto/,
            ),
          ],
        },
      },
    });
  });

  it('refuse transcription vocabularies in words rather than ignoring them', async () => {
    const vocabulary = await mux.video.transcriptionVocabularies.create({ phrases: ['Gamma'] });
    // Mux documents the field for generated subtitles (the SDK types it on live streams only), so plain HTTP.
    const { status, json } = await client.request(
      'POST',
      `/video/v1/assets/${assetId}/tracks/${audioTrackId}/generate-subtitles`,
      { generated_subtitles: [{ language_code: 'en', transcription_vocabulary_ids: [vocabulary.id] }] },
    );
    expect(status).toBe(400);
    expect(json.error.messages).toEqual([
      expect.stringMatching(/^generated_subtitles\.0\.transcription_vocabulary_ids: .*not supported.*pocketsphinx/),
    ]);
    await mux.video.transcriptionVocabularies.delete(vocabulary.id);
  });

  it('on an input make the track with the asset, transcribed once it is ready', async () => {
    const asset = await mux.video.assets.create({
      inputs: [
        { url: clipUrl, generated_subtitles: [{ language_code: 'en', name: 'Spoken words', passthrough: 'p' }] },
      ],
      playback_policies: ['public'],
    });
    const created = asset.tracks?.find((t) => t.type === 'text');
    expect(created).toMatchObject({
      text_source: 'generated_vod',
      status: 'preparing',
      name: 'Spoken words',
      passthrough: 'p',
    });
    const ready = await client.settledAsset(asset.id);
    expect(ready.status, JSON.stringify(ready.errors)).toBe('ready');
    const settled = await settledTrack(asset.id, created?.id ?? '');
    expect(settled?.status, JSON.stringify(settled)).toBe('ready');
    await checkPlayable(asset.id, created?.id ?? '', 'Spoken words');
  }, 400_000);
});
