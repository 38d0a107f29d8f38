/**
 * Clips, watermarks and test mode through the local platform, driven with Mux's SDK: a clip of seconds 2–6 of a
 * ready asset becomes a ready 4 s asset (ffprobe) whose first frame is the parent's frame at 2 s (PSNR) and reports
 * `source_asset_id`; a watermark served on 127.0.0.1 is burned into every rung at its place (pixel check); a test
 * asset is at most 10 s and reports `test: true`; bad clip times and a missing parent are 400s naming the field; a
 * direct upload whose `new_asset_settings.inputs` name subtitles and a watermark gets the track ready and the
 * watermark in every rung.
 */
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Mux, { BadRequestError } from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeDuration, GammaClient, makeClip } from '../support/client.js';
import {
  CORNER_WATERMARK,
  expectSubtitleSegments,
  expectWatermarkInEveryRung,
  pixel,
  renditionUrls,
} from '../support/media-checks.js';
import { needsLocalDeployment } from '../support/target.js';

const exec = promisify(execFile);
const config = needsLocalDeployment('the platform fetches the inputs and the watermark from a server on 127.0.0.1');
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const work = mkdtempSync(join(tmpdir(), 'gamma-clips-'));
const FPS = 30;
/** ffmpeg reads renditions from the stream URL: only these protocols. */
const HTTP = ['-protocol_whitelist', 'file,http,https,tcp,tls'];

const files: Record<string, string> = {};
let server: Server;
let base: string;
let parentId: string;

beforeAll(async () => {
  files['/parent.mp4'] = await makeClip(join(work, 'parent.mp4'), { width: 854, height: 480, seconds: 10, fps: FPS });
  files['/long.mp4'] = await makeClip(join(work, 'long.mp4'), { width: 640, height: 360, seconds: 14, fps: FPS });
  files['/gray.mp4'] = join(work, 'gray.mp4');
  await exec('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x808080:size=854x480:rate=${FPS}:duration=4`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', files['/gray.mp4']],
  ]);
  files['/logo.png'] = join(work, 'logo.png');
  await exec('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'color=c=red:size=200x100',
    '-frames:v',
    '1',
    files['/logo.png'],
  ]);
  files['/en.vtt'] = join(work, 'en.vtt');
  await writeFile(files['/en.vtt'], 'WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nUnder the watermark\n');
  server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const parent = await mux.video.assets.create({
    inputs: [{ url: `${base}/parent.mp4` }],
    playback_policies: ['public'],
  });
  const ready = await client.settledAsset(parent.id);
  expect(ready.status, JSON.stringify(ready.errors)).toBe('ready');
  parentId = parent.id;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The asset once settled, ready. */
async function readyAsset(id: string) {
  const asset = await client.settledAsset(id);
  expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
  return asset;
}

/** Each rendition's URL, from the master playlist of the asset's public playback id (lowest first). */
const renditions = (asset: { playback_ids: { id: string }[] }) =>
  renditionUrls(config.streamUrl, asset.playback_ids[0]?.id ?? '');

const refusal = (call: Promise<unknown>) =>
  call.then(
    () => 'accepted',
    (err: unknown) => (err instanceof BadRequestError ? JSON.stringify(err.error) : `unexpected: ${String(err)}`),
  );

describe('clips', () => {
  it('a clip of seconds 2–6 is a 4 s asset that starts on the parent frame at 2 s', async () => {
    const clip = await mux.video.assets.create({
      inputs: [{ url: `mux://assets/${parentId}`, start_time: 2, end_time: 6 }],
      playback_policies: ['public'],
    });
    expect(clip).toMatchObject({ source_asset_id: parentId, ingest_type: 'on_demand_clip', status: 'preparing' });
    const asset = await readyAsset(clip.id);
    expect(asset.duration).toBeCloseTo(4, 1);
    const urls = await renditions(asset);
    const top = urls.at(-1) ?? '';
    expect(Math.abs((await ffprobeDuration(top)) - 4)).toBeLessThan(0.1);
    const psnrAgainst = async (frame: number) => {
      const { stderr } = await exec('ffmpeg', [
        ...['-hide_banner', '-nostats', ...HTTP, '-i', top, '-i', files['/parent.mp4'] ?? '', '-filter_complex'],
        `[0:v]trim=end_frame=1,setpts=PTS-STARTPTS[a];[1:v]select='eq(n,${frame})',setpts=PTS-STARTPTS[b];[a][b]psnr`,
        ...['-frames:v', '1', '-f', 'null', '-'],
      ]);
      return Number(/average:(\S+)/.exec(stderr)?.[1]);
    };
    const [atTwo, before, after] = await Promise.all([2 * FPS, 2 * FPS - 1, 2 * FPS + 1].map(psnrAgainst));
    console.log(`clip's first frame: PSNR ${atTwo} dB against the parent at 2 s; ${before} / ${after} dB beside it`);
    expect(atTwo).toBeGreaterThan(30);
    expect(atTwo).toBeGreaterThan(Math.max(before ?? 0, after ?? 0) + 3);
  });

  it('bad times and a missing or unknown parent are 400s naming the field', async () => {
    const create = (input: Record<string, unknown>) => refusal(mux.video.assets.create({ inputs: [input] }));
    expect(await create({ url: `mux://assets/${parentId}`, start_time: 3, end_time: 20 })).toMatch(
      /inputs\.0\.end_time: 20 is past the end of the asset/,
    );
    expect(await create({ url: `mux://assets/${parentId}`, start_time: 6, end_time: 2 })).toMatch(
      /inputs\.0\.end_time: 2 must be after start_time \(6\)/,
    );
    expect(await create({ url: `mux://assets/${parentId}`, start_time: -1 })).toMatch(
      /inputs\.0\.start_time: must be at least 0/,
    );
    expect(await create({ url: 'mux://assets/NoSuchAsset1' })).toMatch(
      /"type":"invalid_parameters".*inputs\.0\.url: there is no asset NoSuchAsset1 in this environment/,
    );
  });
});

describe('watermarks', () => {
  it('an overlay_settings image is burned into every rung at its place', async () => {
    const created = await mux.video.assets.create({
      inputs: [{ url: `${base}/gray.mp4` }, { url: `${base}/logo.png`, overlay_settings: CORNER_WATERMARK }],
      playback_policies: ['public'],
    });
    const asset = await readyAsset(created.id);
    await expectWatermarkInEveryRung(config.streamUrl, asset.playback_ids[0]?.id ?? '');
  });

  it('a direct upload whose new_asset_settings.inputs name subtitles and a watermark gets both', async () => {
    const upload = await mux.video.uploads.create({
      cors_origin: '*',
      new_asset_settings: {
        playback_policies: ['public'],
        inputs: [
          {}, // the uploaded file: no url
          { url: `${base}/en.vtt`, type: 'text', text_type: 'subtitles', language_code: 'en', closed_captions: true },
          { url: `${base}/logo.png`, overlay_settings: CORNER_WATERMARK },
        ],
      },
    });
    expect(upload.new_asset_settings?.inputs).toHaveLength(3);
    expect(await client.put(upload.url ?? '', files['/gray.mp4'] ?? '')).toBe(200);
    const asset = await readyAsset(await client.assetOfUpload(upload.id));
    const playbackId = asset.playback_ids[0]?.id ?? '';
    await expectWatermarkInEveryRung(config.streamUrl, playbackId);
    const tracks = await client.until(
      'the subtitle track to settle',
      async () => (await mux.video.assets.retrieve(asset.id)).tracks ?? [],
      (t) => t.every((track) => track.status !== 'preparing'),
      60_000,
    );
    expect(tracks.find((t) => t.type === 'text')).toMatchObject({
      status: 'ready',
      language_code: 'en',
      closed_captions: true,
    });
    await expectSubtitleSegments(config.streamUrl, playbackId, 'Under the watermark', 1);
  });

  it('an upload’s inputs are checked as an asset’s: a further input without url is a 400 naming it', async () => {
    const refused = await refusal(
      mux.video.uploads.create({
        cors_origin: '*',
        new_asset_settings: { inputs: [{}, { type: 'text', text_type: 'subtitles', language_code: 'en' }] },
      }),
    );
    expect(refused).toContain('new_asset_settings.inputs.1.url: is required');
  });
});

describe('test mode', () => {
  it('a test asset is at most 10 s, reports test: true, and is watermarked', async () => {
    const created = await mux.video.assets.create({
      inputs: [{ url: `${base}/long.mp4` }],
      playback_policies: ['public'],
      test: true,
    });
    expect(created.test).toBe(true);
    const asset = await readyAsset(created.id);
    expect(asset.test).toBe(true);
    expect(asset.duration).toBeLessThanOrEqual(10.05);
    const top = (await renditions(asset)).at(-1) ?? '';
    expect(await ffprobeDuration(top)).toBeLessThanOrEqual(10.05);
    // The badge's plate (black at 47% after opacity) darkens the picture in the top right corner, beside the letters.
    const [x, y] = [Math.round(640 * 0.97) - 8, Math.round(360 * 0.04) + 4];
    const marked = await pixel(top, x, y);
    const original = await pixel(files['/long.mp4'] ?? '', x, y);
    const brightness = (rgb: number[]) => rgb.slice(0, 3).reduce((a, b) => a + b, 0);
    expect(brightness(marked)).toBeLessThan(brightness(original) * 0.7 + 10);
  });
});
