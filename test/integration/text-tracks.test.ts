/**
 * Text tracks and playback modifiers through the local platform, driven with Mux's SDK: a subtitle track added to a
 * ready asset (`mux.video.assets.createTrack`) turns ready, appears in the master playlist's SUBTITLES group, and its
 * WebVTT segments play through the stream URL; a bad subtitle file errors the track with the reason; the playback
 * modifiers change the master as Mux documents; `deleteTrack` takes the track out again.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mux from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { expectSubtitleSegments } from '../support/media-checks.js';
import { target } from '../support/target.js';

const config = target();
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const work = mkdtempSync(join(tmpdir(), 'gamma-tracks-'));

const FILES: Record<string, string> = {
  '/en.srt':
    '1\n00:00:00,500 --> 00:00:02,000\nHello from the subtitles\n\n2\n00:00:07,000 --> 00:00:09,000\nSecond cue\n',
  '/bad.vtt': 'WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nBackwards\n',
};

let server: Server;
let base: string;
let assetId: string;
let playbackId: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = FILES[req.url ?? ''];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clip = await makeClip(join(work, 'clip.mp4'), { width: 854, height: 480, seconds: 12 });
  const upload = await client.createUpload({ new_asset_settings: { playback_policies: ['public'] } });
  expect(await client.put(upload.url, clip)).toBe(200);
  const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
  expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
  assetId = asset.id;
  playbackId = (asset.playback_ids as { id: string }[])[0]?.id ?? '';
});

afterAll(() => server.close());

const trackOf = async (trackId: string) =>
  (await mux.video.assets.retrieve(assetId)).tracks?.find((t) => t.id === trackId);
const settled = (trackId: string) =>
  client.until(
    'the track to settle',
    () => trackOf(trackId),
    (t) => t !== undefined && t.status !== 'preparing',
    30_000,
  );
const master = async (query = '') => {
  const res = await fetch(`${config.streamUrl}/${playbackId}.m3u8${query}`);
  return { status: res.status, text: await res.text() };
};

describe('text tracks', () => {
  let trackId: string;

  it('a subtitle track added to a ready asset turns ready and is listed in the master playlist', async () => {
    const track = await mux.video.assets.createTrack(assetId, {
      url: `${base}/en.srt`,
      type: 'text',
      text_type: 'subtitles',
      language_code: 'en',
      closed_captions: true,
    });
    expect(track).toMatchObject({ type: 'text', status: 'preparing', name: 'English', language_code: 'en' });
    trackId = track.id ?? '';
    expect(await settled(trackId)).toMatchObject({ status: 'ready', text_source: 'uploaded', closed_captions: true });
    const { text } = await master('?default_subtitles_lang=en');
    expect(text).toMatch(/#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES/);
    expect(text).toContain('SUBTITLES="subs",CLOSED-CAPTIONS=NONE');
  });

  it('its WebVTT segments play through the stream URL, and the whole file and transcript download', async () => {
    await expectSubtitleSegments(config.streamUrl, playbackId, 'Hello from the subtitles');
    const vtt = await fetch(`${config.streamUrl}/${playbackId}/text/${trackId}.vtt`);
    expect(await vtt.text()).toContain('00:00:07.000 --> 00:00:09.000\nSecond cue');
    const txt = await fetch(`${config.streamUrl}/${playbackId}/text/${trackId}.txt`);
    expect(await txt.text()).toBe('Hello from the subtitles\nSecond cue\n');
  });

  it('a bad subtitle file errors its track with a clear reason, and the asset plays on', async () => {
    const bad = await mux.video.assets.createTrack(assetId, {
      url: `${base}/bad.vtt`,
      type: 'text',
      text_type: 'subtitles',
      language_code: 'fr',
    });
    const track = await settled(bad.id ?? '');
    expect(track?.status).toBe('errored');
    expect(JSON.stringify(track)).toContain('the cue ends (00:00:01.000) before it starts (00:00:05.000)');
    expect((await mux.video.assets.retrieve(assetId)).status).toBe('ready');
    expect((await master()).text).not.toContain('LANGUAGE="fr"');
  });

  it('playback modifiers change the master as documented, and bad values are a 400 naming them', async () => {
    const variants = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF'));
    const all = variants((await master()).text);
    const capped = variants((await master('?max_resolution=360p')).text);
    expect(capped.length).toBeLessThan(all.length);
    for (const line of capped) expect(line).toMatch(/RESOLUTION=640x360/);
    expect(variants((await master('?redundant_streams=true')).text)).toHaveLength(all.length * 2);
    // 7 s, past the first segment's end (ffmpeg's segments last a few milliseconds over 6 s).
    const clipped = (await master('?asset_start_time=7')).text;
    // A video rendition's URI line (the SUBTITLES group's EXT-X-MEDIA tags carry the clip too, inside URI="…").
    const rendition =
      clipped.split('\n').find((l) => !l.startsWith('#') && l.includes('index.m3u8?asset_start_time=7')) ?? '';
    const trimmed = await (await fetch(new URL(rendition, `${config.streamUrl}/${playbackId}.m3u8`))).text();
    expect(trimmed).toContain('#EXT-X-MEDIA-SEQUENCE:1');
    const refused = await master('?max_resolution=4k&rendition_order=up');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('max_resolution:');
    expect(refused.text).toContain('rendition_order:');
  });

  it('deleteTrack takes the track out of the asset and the master playlist', async () => {
    await mux.video.assets.deleteTrack(assetId, trackId);
    expect(await trackOf(trackId)).toBeUndefined();
    expect((await master()).text).not.toContain('TYPE=SUBTITLES');
  });
});
