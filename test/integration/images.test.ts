/**
 * Mux's image URLs through the local platform: a clip goes through the real transcoder (stills, storyboard and
 * preview frames), then thumbnails, animated previews and storyboards are fetched from the stream URL, drawn by the
 * deployed playback function with sharp, and checked by their bytes: format (magic numbers), size per fit mode,
 * animation frames, and refusals for signed playback ids without the right token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mux from '@mux/mux-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { target } from '../support/target.js';

const config = target();
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const dir = mkdtempSync(join(tmpdir(), 'gamma-images-'));

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  jpeg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  png: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  webp: (b) => b.subarray(0, 4).toString() === 'RIFF' && b.subarray(8, 12).toString() === 'WEBP',
  gif: (b) => b.subarray(0, 6).toString() === 'GIF89a',
};

async function image(path: string, format: keyof typeof MAGIC) {
  const res = await fetch(`${config.streamUrl}${path}`);
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.status, `${path}: ${body.subarray(0, 200).toString()}`).toBe(200);
  expect(MAGIC[format]?.(body), `${path} is ${format}`).toBe(true);
  expect(res.headers.get('content-type')).toBe(`image/${format}`);
  return { metadata: await sharp(body, { animated: true }).metadata(), headers: res.headers };
}

describe('images of a playback id', () => {
  let publicId: string;
  let signedId: string;
  let assetId: string;

  beforeAll(async () => {
    const clip = await makeClip(join(dir, 'clip.mp4'), { width: 1280, height: 720, seconds: 6 });
    const upload = await client.createUpload();
    expect(await client.put(upload.url, clip)).toBe(200);
    assetId = await client.assetOfUpload(upload.id);
    const asset = await client.settledAsset(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    publicId = asset.playback_ids[0].id;
    signedId = (await mux.video.assets.createPlaybackId(assetId, { policy: 'signed' })).id as string;
  });

  it('draws thumbnails as jpg, png and webp, at the video size by default, immutable', async () => {
    for (const format of ['jpg', 'png', 'webp'] as const) {
      const type = format === 'jpg' ? 'jpeg' : format;
      const { metadata, headers } = await image(`/${publicId}/thumbnail.${format}?time=2`, type);
      expect(metadata).toMatchObject({ width: 1280, height: 720 });
      expect(headers.get('cache-control')).toContain('immutable');
    }
  });

  it.each([
    ['preserve', 192, 108],
    ['stretch', 192, 192],
    ['crop', 192, 192],
    ['smartcrop', 192, 192],
    ['pad', 192, 192],
  ])('fits %s into 192x192 as %ix%i', async (mode, width, height) => {
    // Public sizes are multiples of 32 (others are redirected there).
    const { metadata } = await image(`/${publicId}/thumbnail.png?width=192&height=192&fit_mode=${mode}`, 'png');
    expect(metadata).toMatchObject({ width, height });
  });

  it('turns and flips', async () => {
    const { metadata } = await image(`/${publicId}/thumbnail.webp?rotate=90&width=96&flip_h=true`, 'webp');
    expect(metadata).toMatchObject({ width: 96, height: 171 });
  });

  it('assembles animated GIF and WebP from the preview frames: one frame per 1/fps', async () => {
    const gif = await image(`/${publicId}/animated.gif?start=1&end=3&fps=10`, 'gif');
    // testsrc2 changes every frame, so no two neighbours merge: 2 s at 10 fps is 20 frames of 100 ms.
    expect(gif.metadata).toMatchObject({ width: 320, pageHeight: 180, pages: 20 });
    expect(gif.metadata.delay).toEqual(Array.from({ length: 20 }, () => 100));
    const webp = await image(`/${publicId}/animated.webp?width=640&fps=30&start=0&end=1`, 'webp');
    expect(webp.metadata).toMatchObject({ width: 640, pageHeight: 360, pages: 30 });
    const defaults = await image(`/${publicId}/animated.gif`, 'gif');
    expect(defaults.metadata).toMatchObject({ width: 320, pages: 75 }); // 0–5 s at 15 fps
    expect((await fetch(`${config.streamUrl}/${publicId}/animated.gif?start=0&end=11`)).status).toBe(400);
  });

  it('serves the storyboard and a WebVTT whose tiles point at /{playbackId}/storyboard.jpg', async () => {
    const { metadata } = await image(`/${publicId}/storyboard.jpg`, 'jpeg');
    expect(metadata.width).toBe(256 * 6);
    const vtt = await (await fetch(`${config.streamUrl}/${publicId}/storyboard.vtt`)).text();
    const tiles = vtt.split('\n').filter((line) => line.includes('#xywh='));
    expect(tiles).toHaveLength(6);
    expect(tiles.every((line) => line.startsWith(`/${publicId}/storyboard.jpg#xywh=`))).toBe(true);
  });

  it('serves a signed playback id’s images only with a token of the right audience', async () => {
    const key = await mux.system.signingKeys.create();
    const token = (type: 'video' | 'thumbnail' | 'gif' | 'storyboard', params?: Record<string, string>) =>
      mux.jwt.signPlaybackId(signedId, {
        keyId: key.id,
        keySecret: key.private_key,
        type,
        ...(params && { params }),
      });
    const status = async (path: string) => (await fetch(`${config.streamUrl}${path}`)).status;
    expect(await status(`/${signedId}/thumbnail.jpg`)).toBe(403);
    expect(await status(`/${signedId}/thumbnail.jpg?token=${await token('video')}`)).toBe(403);
    expect(await status(`/${signedId}/animated.gif?token=${await token('thumbnail')}`)).toBe(403);
    expect(await status(`/${signedId}/storyboard.vtt?token=${await token('gif')}`)).toBe(403);

    const thumbnail = await image(
      `/${signedId}/thumbnail.jpg?token=${await token('thumbnail', { width: '64' })}`,
      'jpeg',
    );
    expect(thumbnail.metadata).toMatchObject({ width: 64, height: 36 });
    await image(`/${signedId}/animated.webp?token=${await token('gif')}`, 'webp');
    const storyboardToken = await token('storyboard');
    const vtt = await (await fetch(`${config.streamUrl}/${signedId}/storyboard.vtt?token=${storyboardToken}`)).text();
    const tile = vtt.split('\n').find((line) => line.includes('#xywh='));
    expect(tile).toContain(`/${signedId}/storyboard.jpg?token=`);
    await image((tile ?? '').split('#')[0] ?? '', 'jpeg');
    await mux.system.signingKeys.delete(key.id);
  });
});
