/**
 * Mux's playback modifiers and the text tracks in the master playlist: resolution limits, order, subtitles with the
 * default language, redundant streams, instant clipping of the rendition playlists, and the text track downloads.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { parsePlaybackModifiers, TRACKS_VERSION_PARAMETER } from '../../lambdas/core/domain/playback-modifiers.js';
import { masterPlaylist, parseMasterPlaylist, trimMediaPlaylist } from '../../lambdas/core/domain/playlist.js';
import type { TextTrackRecord } from '../../lambdas/core/domain/text-tracks-asset.js';
import { planImages, storyboardMetadata, storyboardVtt } from '../../lambdas/core/domain/thumbnails.js';
import {
  resolvePlayback,
  resolveRenditionPlaylist,
  resolveTextTrack,
  type TextObjects,
  textTrackFromPath,
} from '../../lambdas/core/usecases/playback.js';
import { type DashboardConfig, playbackUrl } from '../../web/src/config.js';
import { testSigner } from './cdn-keys.js';
import { InMemoryMediaRepository } from './fakes.js';

const signer = testSigner();
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const variant = (height: number, bandwidth: number) => ({
  uri: `${height}p/index.m3u8`,
  bandwidth,
  averageBandwidth: bandwidth,
  codecs: 'avc1.64001f,mp4a.40.2',
  video: { width: Math.round((height * 16) / 9), height, frameRate: 30 },
});
const MASTER = masterPlaylist([variant(360, 1_000_000), variant(720, 3_000_000), variant(1080, 6_000_000)], 7);

const track = (id: string, language: string, extra: Partial<TextTrackRecord> = {}): TextTrackRecord => ({
  id,
  type: 'text',
  text_type: 'subtitles',
  text_source: 'uploaded',
  language_code: language,
  name: language === 'en' ? 'English' : 'French',
  closed_captions: false,
  status: 'ready',
  created_at: id === 't1' ? 1 : 2,
  source_url: 'https://example.com/subs.vtt',
  ...extra,
});

function asset(policy: 'public' | 'signed', tracks: TextTrackRecord[] = []): AssetRecord {
  return {
    id: 'asset1',
    env: 'dev',
    status: 'ready',
    created_at: 1,
    duration: 20,
    source: { bucket: 'in', key: 'uploads/u1' },
    playback_ids: [{ id: 'playback1', policy }],
    text_tracks: Object.fromEntries(tracks.map((t) => [t.id, t])),
  };
}

const FILES: Record<string, string> = {
  'assets/asset1/master.m3u8': MASTER,
  'assets/asset1/text/t1/full.vtt': 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i>Hello</i> &amp; welcome\n',
};
const objects: TextObjects = { getText: async (_bucket, key) => FILES[key] };

async function deps(record: AssetRecord) {
  const media = new InMemoryMediaRepository();
  await media.createAsset(record);
  const signingKeys = {
    get: async (id: string) =>
      id === 'key1'
        ? { id, env: 'dev', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), created_at: 1 }
        : undefined,
  };
  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ kid: 'key1', ...claims })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('playback1')
      .setAudience('v')
      .setExpirationTime('1h')
      .sign(privateKey);
  return { media, objects, outputBucket: 'out', signer, signingKeys, token };
}

async function master(record: AssetRecord, query: Record<string, string> = {}) {
  const d = await deps(record);
  const result = await resolvePlayback('playback1', d, { query });
  if (result.status !== 200) throw new Error(`${result.status} ${result.message}`);
  return result.playlist;
}

const heights = (playlist: string) => parseMasterPlaylist(playlist).variants.map((v) => v.resolution?.height);

describe('playback modifiers in the master playlist', () => {
  it('leaves the stored master as written without modifiers or text tracks', async () => {
    expect(heights(await master(asset('public')))).toEqual([360, 720, 1080]);
  });

  it('limits variants by max_resolution and min_resolution, and orders them with rendition_order=desc', async () => {
    expect(heights(await master(asset('public'), { max_resolution: '720p' }))).toEqual([360, 720]);
    expect(heights(await master(asset('public'), { min_resolution: '720p' }))).toEqual([720, 1080]);
    expect(heights(await master(asset('public'), { rendition_order: 'desc' }))).toEqual([1080, 720, 360]);
    // Nothing fits: the nearest variant still plays.
    expect(heights(await master(asset('public'), { max_resolution: '270p' }))).toEqual([360]);
  });

  it('lists ready text tracks as a SUBTITLES group, default only for default_subtitles_lang', async () => {
    const record = asset('public', [
      track('t1', 'en', { closed_captions: true }),
      track('t2', 'fr'),
      track('t3', 'de', { status: 'preparing' }),
    ]);
    const plain = await master(record);
    const media = plain.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'));
    expect(media).toHaveLength(2);
    expect(media[0]).toMatch(
      /^#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound",URI="assets\/asset1\/text\/t1\/index.m3u8\?Policy=/,
    );
    expect(media[1]).toContain('NAME="French",LANGUAGE="fr",DEFAULT=NO');
    expect(media[1]).not.toContain('CHARACTERISTICS');
    for (const line of plain.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'))) {
      expect(line.endsWith(',SUBTITLES="subs",CLOSED-CAPTIONS=NONE')).toBe(true);
    }
    const french = await master(record, { default_subtitles_lang: 'fr' });
    expect(french).toContain('LANGUAGE="fr",DEFAULT=YES');
    expect(french).toContain('LANGUAGE="en",DEFAULT=NO');
  });

  it("serves the dashboard's tracks version the same master, under a URL that changes with the ready tracks", async () => {
    const record = asset('public', [track('t1', 'en')]);
    expect(await master(record, { [TRACKS_VERSION_PARAMETER]: 'abc' })).toBe(await master(record));
    const config: DashboardConfig = { apiUrl: 'a', websocketUrl: 'w', streamUrl: 'https://stream' };
    expect(playbackUrl(config, 'p1')).toBe('https://stream/p1.m3u8');
    const one = playbackUrl(config, 'p1', ['t1']);
    expect(one).toMatch(new RegExp(`^https://stream/p1\\.m3u8\\?${TRACKS_VERSION_PARAMETER}=[0-9a-z]+$`));
    expect(playbackUrl(config, 'p1', ['t1'])).toBe(one);
    expect(playbackUrl(config, 'p1', ['t1', 't2'])).not.toBe(one);
  });

  it('lists every variant twice with redundant_streams=true, the copy under its own URL', async () => {
    const playlist = await master(asset('public'), { redundant_streams: 'true' });
    const { variants } = parseMasterPlaylist(playlist);
    expect(variants.map((v) => v.resolution?.height)).toEqual([360, 720, 1080, 360, 720, 1080]);
    expect(variants[3]?.attributes).toBe(variants[0]?.attributes);
    expect(variants[3]?.uri.startsWith('assets/asset1/360p/index.m3u8?redundant=1&Policy=')).toBe(true);
    // The copy is signed like the original: the distribution serves it.
    const [path, query = ''] = (variants[3]?.uri ?? '').split('?');
    expect(await signer.verify(`/${path}`, query)).toMatchObject({ ok: true });
  });

  it('puts an instant clip on every rendition URI, before the signature', async () => {
    const playlist = await master(asset('public', [track('t1', 'en')]), {
      asset_start_time: '7',
      asset_end_time: '13',
    });
    expect(parseMasterPlaylist(playlist).variants[0]?.uri).toMatch(
      /^assets\/asset1\/360p\/index\.m3u8\?asset_start_time=7&asset_end_time=13&Policy=/,
    );
    expect(playlist).toContain('URI="assets/asset1/text/t1/index.m3u8?asset_start_time=7&asset_end_time=13&Policy=');
  });

  it('refuses bad values with a 400 naming them', async () => {
    const d = await deps(asset('public'));
    const result = await resolvePlayback('playback1', d, {
      query: { max_resolution: '4k', rendition_order: 'asc', asset_start_time: '-1', default_subtitles_lang: '??' },
    });
    expect(result.status).toBe(400);
    const message = result.status === 400 ? result.message : '';
    for (const name of ['max_resolution', 'rendition_order', 'asset_start_time', 'default_subtitles_lang']) {
      expect(message).toContain(`${name}:`);
    }
    expect(await resolvePlayback('playback1', d, { query: { asset_start_time: '25' } })).toEqual({
      status: 400,
      message: "asset_start_time: must be before the asset's end (20 s)",
    });
    expect(parsePlaybackModifiers({ min_resolution: '1080p', max_resolution: '720p' })).toEqual({
      ok: false,
      messages: ['min_resolution: must not be above max_resolution'],
    });
    expect(parsePlaybackModifiers({ roku_trick_play: 'true' }).ok).toBe(false);
  });

  it('reads a signed playback id’s modifiers from its token claims, and refuses them in its URL', async () => {
    const d = await deps(asset('signed'));
    const token = await d.token({ max_resolution: '720p', rendition_order: 'desc' });
    const result = await resolvePlayback('playback1', d, { token, query: { token } });
    if (result.status !== 200) throw new Error(result.message);
    expect(heights(result.playlist)).toEqual([720, 360]);
    const refused = await resolvePlayback('playback1', d, { token, query: { token, max_resolution: '1080p' } });
    expect(refused).toEqual({
      status: 400,
      message: "max_resolution: goes in the token's claims for a signed playback ID, not the URL",
    });
  });
});

describe('instant clipping of rendition playlists', () => {
  const RENDITION = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:6',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MAP:URI="init.mp4"',
    ...[0, 1, 2, 3].flatMap((i) => [`#EXTINF:${i === 3 ? '2.000' : '6.000'},`, `seg_${i}.m4s`]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');

  it('keeps the whole segments that overlap the window, moving the media sequence', () => {
    const trimmed = trimMediaPlaylist(RENDITION, { start: 7, end: 13 }) ?? '';
    expect(trimmed).toContain('#EXT-X-MEDIA-SEQUENCE:1');
    expect(trimmed).toContain('#EXT-X-MAP:URI="init.mp4"');
    expect(trimmed.match(/seg_\d\.m4s/g)).toEqual(['seg_1.m4s', 'seg_2.m4s']);
    expect(trimmed.endsWith('#EXT-X-ENDLIST\n')).toBe(true);
    expect(trimMediaPlaylist(RENDITION, { start: 30 })).toBeUndefined();
  });

  it('serves a rendition playlist trimmed to the clip its URL carries, signed segments and all', async () => {
    const query = await signer.sign('asset1', '720p/*', Math.floor(Date.now() / 1000) + 3600);
    const path = '/assets/asset1/720p/index.m3u8';
    const rendition: TextObjects = { getText: async () => RENDITION };
    const serve = (rawQuery: string) =>
      resolveRenditionPlaylist({ path, rawQuery }, { objects: rendition, outputBucket: 'out', signer });
    const result = await serve(`asset_start_time=12&${query}`);
    if (result.status !== 200) throw new Error(result.message);
    expect(result.playlist.match(/seg_\d\.m4s\?Policy=/g)).toHaveLength(2);
    expect((await serve(`asset_start_time=1&asset_start_time=12&${query}`)).status).toBe(400);
    expect((await serve(`asset_start_time=99&${query}`)).status).toBe(400);
  });
});

describe('text track downloads', () => {
  it('serves a ready track as WebVTT and as a transcript, and nothing for a track not ready', async () => {
    expect(textTrackFromPath('/playback1/text/t1.vtt')).toEqual({
      playbackId: 'playback1',
      trackId: 't1',
      format: 'vtt',
    });
    expect(textTrackFromPath('/playback1/text/../t1.vtt')).toBeUndefined();
    const d = await deps(asset('public', [track('t1', 'en'), track('t2', 'fr', { status: 'errored' })]));
    const vtt = await resolveTextTrack({ playbackId: 'playback1', trackId: 't1', format: 'vtt' }, d);
    expect(vtt).toMatchObject({
      status: 200,
      contentType: 'text/vtt; charset=utf-8',
      body: FILES['assets/asset1/text/t1/full.vtt'],
    });
    const txt = await resolveTextTrack({ playbackId: 'playback1', trackId: 't1', format: 'txt' }, d);
    expect(txt).toMatchObject({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'Hello & welcome\n' });
    expect((await resolveTextTrack({ playbackId: 'playback1', trackId: 't2', format: 'vtt' }, d)).status).toBe(412);
    expect((await resolveTextTrack({ playbackId: 'playback1', trackId: 'zz', format: 'vtt' }, d)).status).toBe(404);
  });
});

describe('storyboard.json', () => {
  it('is the stored storyboard WebVTT as Mux’s metadata: url, tile size, duration, each tile’s start and place', () => {
    const plan = planImages(25, { width: 1280, height: 720 });
    const vtt = storyboardVtt(plan, 13, 25, 'storyboard.jpg');
    const metadata = storyboardMetadata(vtt, '/playback1/storyboard.webp', 25);
    expect(metadata).toMatchObject({
      url: '/playback1/storyboard.webp',
      tile_width: 256,
      tile_height: 144,
      duration: 25,
    });
    expect(metadata.tiles).toHaveLength(13);
    expect(metadata.tiles.slice(9, 11)).toEqual([
      { start: 9, x: 2304, y: 0 },
      { start: 10, x: 0, y: 144 },
    ]);
  });
});
