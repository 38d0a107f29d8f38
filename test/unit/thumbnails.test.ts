import { describe, expect, it } from 'vitest';
import {
  planImages,
  STORYBOARD_IMAGE,
  stillFile,
  stillIndexAt,
  storyboardVtt,
} from '../../lambdas/core/domain/thumbnails.js';
import { imageRequestFromPath, resolveImage } from '../../lambdas/core/usecases/images.js';
import { InMemoryMediaRepository } from './fakes.js';

describe('planImages', () => {
  it('takes a still per second for short videos, and a longer interval past 100 tiles', () => {
    expect(planImages(60, { width: 1920, height: 1080 })).toEqual({
      intervalSeconds: 1,
      count: 60,
      still: { width: 1280, height: 720 },
      tile: { width: 256, height: 144 },
      columns: 10,
      rows: 6,
    });
    const long = planImages(3600, { width: 1920, height: 1080 });
    expect(long).toMatchObject({ intervalSeconds: 36, count: 100, rows: 10 });
  });

  it('keeps portrait and small sources in shape, never upscaling stills', () => {
    expect(planImages(10, { width: 1080, height: 1920 })).toMatchObject({
      still: { width: 720, height: 1280 },
      tile: { width: 144, height: 256 },
    });
    expect(planImages(10, { width: 320, height: 240 }).still).toEqual({ width: 320, height: 240 });
  });

  it('picks the nearest still, clamped to the last', () => {
    const plan = planImages(100.5, { width: 640, height: 360 });
    expect(plan).toMatchObject({ intervalSeconds: 2, count: 51 });
    expect([0, 0.9, 1.1, 50, 99.9, 500].map((t) => stillIndexAt(plan, t))).toEqual([0, 0, 1, 25, 50, 50]);
    expect(stillFile(7)).toBe('thumbnails/0007.jpg');
  });
});

describe('storyboardVtt', () => {
  it('has one cue per tile, pointing at its place in the sprite, the last ending with the video', () => {
    const plan = planImages(12.5, { width: 1280, height: 720 });
    const vtt = storyboardVtt({ ...plan, columns: 10 }, 13, 12.5, STORYBOARD_IMAGE);
    const lines = vtt.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'WEBVTT',
      '',
      '00:00:00.000 --> 00:00:01.000',
      'storyboard.jpg#xywh=0,0,256,144',
    ]);
    expect(vtt).toContain('00:00:10.000 --> 00:00:11.000\nstoryboard.jpg#xywh=0,144,256,144');
    expect(vtt.trimEnd().split('\n').slice(-2)).toEqual([
      '00:00:12.000 --> 00:00:12.500',
      'storyboard.jpg#xywh=512,144,256,144',
    ]);
  });
});

describe('resolveImage', () => {
  async function media(status: 'ready' | 'preparing' = 'ready', withVideo = true) {
    const repo = new InMemoryMediaRepository();
    await repo.createAsset({
      id: 'asset1',
      env: 'dev',
      status,
      created_at: 1,
      source: { bucket: 'in', key: 'uploads/u1' },
      playback_ids: [{ id: 'playback1', policy: 'public' }],
      duration: 60,
      tracks: withVideo
        ? [{ id: 'v', type: 'video', max_width: 1920, max_height: 1080, max_frame_rate: 30, duration: 60 }]
        : [{ id: 'a', type: 'audio', max_channels: 2, duration: 60, primary: true }],
    });
    return repo;
  }
  const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,256,144\n';
  const objects = { getText: async (_b: string, key: string) => (key.endsWith('storyboard.vtt') ? vtt : undefined) };
  const resolve = async (path: string, query: { time?: string } = {}, repo?: InMemoryMediaRepository) => {
    const request = imageRequestFromPath(path);
    if (!request) throw new Error(`not an image path: ${path}`);
    return resolveImage(request, query, { media: repo ?? (await media()), objects, outputBucket: 'out' });
  };

  it('redirects a thumbnail to the still nearest the time, the middle by default', async () => {
    expect(await resolve('/playback1/thumbnail.jpg', { time: '12.4' })).toEqual({
      status: 302,
      location: '/assets/asset1/thumbnails/0012.jpg',
    });
    expect(await resolve('/playback1/thumbnail.jpg')).toMatchObject({ location: '/assets/asset1/thumbnails/0030.jpg' });
    expect(await resolve('/playback1/thumbnail.jpg', { time: 'soon' })).toMatchObject({ status: 400 });
  });

  it('serves the storyboard sprite and its WebVTT with tile URIs under the asset folder', async () => {
    expect(await resolve('/playback1/storyboard.jpg')).toEqual({
      status: 302,
      location: '/assets/asset1/storyboard.jpg',
    });
    expect(await resolve('/playback1/storyboard.vtt')).toEqual({
      status: 200,
      contentType: 'text/vtt; charset=utf-8',
      body: 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n/assets/asset1/storyboard.jpg#xywh=0,0,256,144\n',
    });
  });

  it('refuses unknown ids, assets not ready and audio-only assets', async () => {
    expect(await resolve('/nosuchplayback/thumbnail.jpg')).toMatchObject({ status: 404 });
    expect(await resolve('/playback1/thumbnail.jpg', {}, await media('preparing'))).toMatchObject({ status: 412 });
    expect(await resolve('/playback1/thumbnail.jpg', {}, await media('ready', false))).toMatchObject({ status: 404 });
  });

  it('recognises only image paths of a playback id', () => {
    expect(imageRequestFromPath('/playback1.m3u8')).toBeUndefined();
    expect(imageRequestFromPath('/playback1/animated.gif')).toBeUndefined();
    expect(imageRequestFromPath('/playback1/storyboard.vtt')).toEqual({
      playbackId: 'playback1',
      file: 'storyboard.vtt',
    });
  });
});
