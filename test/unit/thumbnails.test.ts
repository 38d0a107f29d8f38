import Mux from '@mux/mux-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANIMATED_MAX_PIXEL_FRAMES,
  animationFps,
  fittedSize,
  parseAnimatedParams,
  parseThumbnailParams,
} from '../../lambdas/core/domain/image-params.js';
import {
  PREVIEW_MANIFEST,
  type PreviewManifest,
  planPreviewFrames,
  previewFramesFor,
  previewSheetFile,
} from '../../lambdas/core/domain/preview-frames.js';
import {
  planImages,
  STORYBOARD_IMAGE,
  stillFile,
  stillIndexAt,
  storyboardVtt,
} from '../../lambdas/core/domain/thumbnails.js';
import { type ImageResult, imageRequestFromPath, resolveImage } from '../../lambdas/core/usecases/images.js';
import { createSigningKey } from '../../lambdas/core/usecases/signing-keys.js';
import { InMemorySigningKeys } from './api-fakes.js';
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

describe('image parameters', () => {
  it('reads Mux thumbnail parameters, with preserve and no turn by default', () => {
    expect(parseThumbnailParams({})).toEqual({
      ok: true,
      value: { fitMode: 'preserve', rotate: 0, flipV: false, flipH: false },
    });
    expect(
      parseThumbnailParams({
        time: '12.5',
        width: '640',
        height: '360',
        fit_mode: 'smartcrop',
        rotate: '90',
        flip_v: 'true',
      }),
    ).toEqual({
      ok: true,
      value: { time: 12.5, width: 640, height: 360, fitMode: 'smartcrop', rotate: 90, flipV: true, flipH: false },
    });
  });

  it.each([
    [{ time: 'soon' }, 'time'],
    [{ time: '-1' }, 'time'],
    [{ width: '0' }, 'width'],
    [{ width: '12.5' }, 'width'],
    [{ height: '5000' }, 'height'],
    [{ fit_mode: 'cover' }, 'fit_mode'],
    [{ rotate: '45' }, 'rotate'],
    [{ flip_h: 'maybe' }, 'flip_h'],
  ])('refuses thumbnail parameters %j, naming %s', (query, name) => {
    const parsed = parseThumbnailParams(query);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.message).toMatch(new RegExp(`^${name} `));
  });

  it('reads animated parameters with Mux defaults (0 to 5 s, 320 wide, 15 fps), end clamped to the video', () => {
    expect(parseAnimatedParams({}, 60)).toEqual({ ok: true, value: { start: 0, end: 5, fps: 15, width: 320 } });
    expect(parseAnimatedParams({ start: '8', fps: '30', height: '640' }, 10)).toEqual({
      ok: true,
      value: { start: 8, end: 10, fps: 30, height: 640 },
    });
  });

  it.each([
    [{ start: '2', end: '12.5' }, 'end'],
    [{ start: '3', end: '2' }, 'end'],
    [{ start: '60' }, 'start'],
    [{ fps: '31' }, 'fps'],
    [{ fps: '0' }, 'fps'],
    [{ width: '641' }, 'width'],
    [{ height: '0' }, 'height'],
  ])('refuses animated parameters %j, naming %s', (query, name) => {
    const parsed = parseAnimatedParams(query, 60);
    expect(parsed.ok === false && parsed.message).toMatch(new RegExp(`^${name} `));
  });

  it('sizes an image per fit mode as Mux does', () => {
    const video = { width: 1920, height: 1080 };
    expect(fittedSize(video, {}, 'preserve')).toEqual(video);
    expect(fittedSize(video, { width: 100, height: 100 }, 'preserve')).toEqual({ width: 100, height: 56 });
    for (const mode of ['stretch', 'crop', 'smartcrop', 'pad'] as const) {
      expect(fittedSize(video, { width: 100, height: 100 }, mode)).toEqual({ width: 100, height: 100 });
      expect(fittedSize(video, { width: 100 }, mode)).toEqual({ width: 100, height: 56 });
    }
    expect(fittedSize(video, { height: 90 }, 'crop')).toEqual({ width: 160, height: 90 });
  });
});

describe('animationFps', () => {
  it("keeps Mux's default GIF (5 s of 320x180 at 15 fps) at its rate, and lowers the rate past the budget", () => {
    const small = { width: 320, height: 180 };
    expect(animationFps({ start: 0, end: 5, fps: 15 }, small, 'gif')).toBe(15);
    expect(animationFps({ start: 0, end: 5, fps: 30 }, small, 'gif')).toBe(15);
    expect(animationFps({ start: 0, end: 10, fps: 30 }, small, 'webp')).toBeCloseTo(12.15, 2);
    expect(animationFps({ start: 2, end: 7, fps: 5 }, { width: 640, height: 360 }, 'gif')).toBe(3.75);
  });

  it('holds the 31-second request (10 s of 640x360 at 30 fps) to the budget before any frame is cut', () => {
    const size = { width: 640, height: 360 };
    for (const format of ['gif', 'webp'] as const) {
      const fps = animationFps({ start: 0, end: 10, fps: 30 }, size, format);
      const stored = planPreviewFrames(60, { width: 1920, height: 1080, fps: 30 });
      const frames = previewFramesFor(stored, { start: 0, end: 10, fps }).length;
      // Within half a frame of the budget (the frame count is rounded).
      expect(frames * size.width * size.height).toBeLessThanOrEqual(
        ANIMATED_MAX_PIXEL_FRAMES[format] + (size.width * size.height) / 2,
      );
    }
    // 4.32 M pixel-frames of noise: about 6 s of GIF encoding, instead of the 34.6 M drawn before.
    expect(animationFps({ start: 0, end: 10, fps: 30 }, size, 'gif')).toBe(1.875);
  });
});

describe('preview frames', () => {
  it('keeps the source rate up to 30 fps at 320 wide, and bounds long videos to 18,000 frames (≥ 1 fps)', () => {
    expect(planPreviewFrames(60, { width: 1920, height: 1080, fps: 29.97 })).toEqual({
      fps: 30,
      frames: 1800,
      width: 320,
      height: 180,
      columns: 6,
      rows: 5,
    });
    expect(planPreviewFrames(10, { width: 640, height: 480, fps: 24 })).toMatchObject({ fps: 24, height: 240 });
    expect(planPreviewFrames(3600, { width: 1920, height: 1080, fps: 30 })).toMatchObject({ fps: 5, frames: 18_000 });
    expect(planPreviewFrames(43_200, { width: 1920, height: 1080, fps: 30 })).toMatchObject({ fps: 1 });
    expect(planPreviewFrames(10, { width: 1080, height: 1920, fps: 0 })).toMatchObject({ fps: 30, height: 568 });
  });

  it('picks the stored frame nearest each output frame, sheet by sheet', () => {
    const manifest = planPreviewFrames(60, { width: 1920, height: 1080, fps: 30 });
    const frames = previewFramesFor(manifest, { start: 0.5, end: 1.5, fps: 10 });
    expect(frames).toHaveLength(10);
    // Output frame 0 is stored frame 15 (0.5 s at 30 fps): sheet 0, slot 15 = row 2, column 3.
    expect(frames[0]).toEqual({ sheet: 0, left: 960, top: 360 });
    // Output frame 5 is stored frame 30: the first of sheet 1.
    expect(frames[5]).toEqual({ sheet: 1, left: 0, top: 0 });
    // Past the end, the last stored frame repeats.
    const last = previewFramesFor({ ...manifest, frames: 31 }, { start: 0.9, end: 1.9, fps: 30 });
    expect(last.at(-1)).toEqual({ sheet: 1, left: 0, top: 0 });
  });

  it('finds a chunked transcode’s frames in the run of sheets of the chunk that cut them', () => {
    const manifest = planPreviewFrames(60, { width: 1920, height: 1080, fps: 15 });
    // Chunk 0: 6 s = 90 frames on sheets 0–2; chunk 1 from frame 90 on sheet 3 (it cut one frame fewer).
    const parts = [
      { frame: 0, frames: 90, sheet: 0 },
      { frame: 90, frames: 809, sheet: 3 },
    ];
    const frames = previewFramesFor({ ...manifest, frames: 899, parts }, { start: 5.8, end: 9, fps: 15 });
    expect(frames[0]).toEqual({ sheet: 2, left: 320 * 3, top: 180 * 4 }); // frame 87: sheet 2, slot 27
    expect(frames[3]).toEqual({ sheet: 3, left: 0, top: 0 }); // frame 90: the first of chunk 1's sheets
    expect(frames[33]).toEqual({ sheet: 4, left: 0, top: 0 }); // frame 120: slot 30 of chunk 1's run
  });
});

describe('resolveImage', () => {
  const STILL = { width: 1280, height: 720 };
  const objects = new Map<string, Uint8Array | string>();
  const manifest: PreviewManifest = { ...planPreviewFrames(60, { width: 1920, height: 1080, fps: 30 }), frames: 1800 };

  /** A still whose left half is red and right half blue, so turns and flips can be told apart. */
  async function halves(size: { width: number; height: number }): Promise<Uint8Array> {
    const half = { width: size.width / 2, height: size.height, channels: 3 as const };
    const blue = await sharp({ create: { ...half, background: '#0000ff' } })
      .png()
      .toBuffer();
    const image = sharp({ create: { ...size, channels: 3, background: '#ff0000' } }).composite([
      { input: blue, left: size.width / 2, top: 0 },
    ]);
    return new Uint8Array(await image.jpeg().toBuffer());
  }

  beforeAll(async () => {
    const still = await halves(STILL);
    for (const i of [0, 12, 30, 59]) objects.set(`assets/asset1/${stillFile(i)}`, still);
    objects.set(`assets/asset1/${STORYBOARD_IMAGE}`, await halves({ width: 2560, height: 864 }));
    objects.set(
      'assets/asset1/storyboard.vtt',
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,256,144\n',
    );
    objects.set(`assets/asset1/${PREVIEW_MANIFEST}`, JSON.stringify(manifest));
    // Every stored frame differs (the GIF encoder merges identical neighbours into one longer frame).
    const tiles = Array.from({ length: 30 }, async (_, k) => ({
      input: await sharp({ create: { width: 320, height: 180, channels: 3, background: { r: 8 * k, g: 0, b: 0 } } })
        .png()
        .toBuffer(),
      left: (k % 6) * 320,
      top: Math.floor(k / 6) * 180,
    }));
    const sheet = sharp({ create: { width: 320 * 6, height: 180 * 5, channels: 3, background: '#000000' } });
    const sheetBytes = new Uint8Array(
      await sheet
        .composite(await Promise.all(tiles))
        .jpeg({ quality: 95 })
        .toBuffer(),
    );
    for (let i = 0; i < 60; i++) objects.set(`assets/asset1/${previewSheetFile(i)}`, sheetBytes);
  });

  const deps = {
    objects: { getText: async (_b: string, key: string) => objects.get(key) as string | undefined },
    bytes: { getBytes: async (_b: string, key: string) => objects.get(key) as Uint8Array | undefined },
    outputBucket: 'out',
  };

  async function media(
    options: { status?: 'ready' | 'preparing'; video?: boolean; policy?: 'public' | 'signed' } = {},
  ): Promise<InMemoryMediaRepository> {
    const repo = new InMemoryMediaRepository();
    await repo.createAsset({
      id: 'asset1',
      env: 'env1',
      status: options.status ?? 'ready',
      created_at: 1,
      source: { bucket: 'in', key: 'uploads/u1' },
      playback_ids: [{ id: 'playback1', policy: options.policy ?? 'public' }],
      duration: 60,
      tracks:
        options.video === false
          ? [{ id: 'a', type: 'audio', max_channels: 2, duration: 60, primary: true }]
          : [{ id: 'v', type: 'video', max_width: 1920, max_height: 1080, max_frame_rate: 30, duration: 60 }],
    });
    return repo;
  }

  const resolve = async (
    path: string,
    query: Record<string, string> = {},
    extra: Partial<Parameters<typeof resolveImage>[2]> = {},
  ): Promise<ImageResult> => {
    const request = imageRequestFromPath(path);
    if (!request) throw new Error(`not an image path: ${path}`);
    return resolveImage(request, query, { media: await media(), ...deps, ...extra });
  };

  async function picture(result: ImageResult) {
    if (result.status !== 200 || typeof result.body === 'string')
      throw new Error(`no image: ${JSON.stringify(result)}`);
    const image = sharp(result.body, { animated: true });
    const metadata = await image.metadata();
    const pixel = async (x: number, y: number) => {
      const { data, info } = await sharp(result.body as Uint8Array)
        .raw()
        .toBuffer({ resolveWithObject: true });
      const at = (y * info.width + x) * info.channels;
      return [data[at], data[at + 1], data[at + 2]].map((c) => ((c ?? 0) > 127 ? 1 : 0)).join('');
    };
    return { metadata, pixel, contentType: result.contentType, cacheControl: result.cacheControl };
  }
  const RED = '100';
  const BLUE = '001';
  const BLACK = '000';

  it('draws a thumbnail in each format, at the stored still size (720p) by default, cached as immutable', async () => {
    for (const [format, type] of [
      ['jpg', 'jpeg'],
      ['png', 'png'],
      ['webp', 'webp'],
    ] as const) {
      const image = await picture(await resolve(`/playback1/thumbnail.${format}`, { time: '12' }));
      expect(image.metadata).toMatchObject({ format: type, width: 1280, height: 720 });
      expect(image.contentType).toBe(`image/${type}`);
      expect(image.cacheControl).toBe('public, max-age=31536000, immutable');
    }
  });

  it.each([
    ['preserve', 96, 54],
    ['stretch', 96, 96],
    ['crop', 96, 96],
    ['smartcrop', 96, 96],
    ['pad', 96, 96],
  ])('fits %s into 96x96 as %ix%i', async (fit_mode, width, height) => {
    const image = await picture(await resolve('/playback1/thumbnail.png', { width: '96', height: '96', fit_mode }));
    expect(image.metadata).toMatchObject({ width, height });
    if (fit_mode === 'pad') expect(await image.pixel(48, 2)).toBe(BLACK); // bars above and below
    if (fit_mode === 'crop') expect([await image.pixel(2, 48), await image.pixel(93, 48)]).toEqual([RED, BLUE]);
    if (fit_mode === 'stretch') expect([await image.pixel(2, 2), await image.pixel(93, 93)]).toEqual([RED, BLUE]);
  });

  it('never draws larger than the stored still, whatever size is asked', async () => {
    const image = await picture(
      await resolve('/playback1/thumbnail.webp', { width: '4096', height: '4096', fit_mode: 'smartcrop', time: '0' }),
    );
    expect(image.metadata).toMatchObject({ width: 1280, height: 1280 });
    const wide = await picture(await resolve('/playback1/thumbnail.png', { width: '4000', fit_mode: 'preserve' }));
    expect(wide.metadata).toMatchObject({ width: 1280, height: 720 });
  });

  it("redirects a public thumbnail's time to its still's own, so equivalent requests share one cache entry", async () => {
    const drawn = vi.spyOn(deps.bytes, 'getBytes');
    expect(
      await resolve('/playback1/thumbnail.webp', { time: '12.4137', width: '300', fit_mode: 'smartcrop' }),
    ).toEqual({
      status: 302,
      location: '/playback1/thumbnail.webp?time=12&width=288&fit_mode=smartcrop',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(drawn).not.toHaveBeenCalled();
    expect((await resolve('/playback1/thumbnail.webp', { time: '12', width: '288' })).status).toBe(200);
    expect((await resolve('/playback1/thumbnail.webp', { time: '0.000001' })).status).toBe(302);
    drawn.mockRestore();
  });

  it('redirects a public thumbnail of any width or height to the 32-pixel grid, drawing nothing', async () => {
    const drawn = vi.spyOn(deps.bytes, 'getBytes');
    const location = async (query: Record<string, string>) => {
      const result = await resolve('/playback1/thumbnail.jpg', query);
      return result.status === 302 ? result.location : result.status;
    };
    expect(await location({ width: '301' })).toBe('/playback1/thumbnail.jpg?width=288');
    expect(await location({ width: '305', height: '1' })).toBe('/playback1/thumbnail.jpg?width=320&height=32');
    expect(drawn).not.toHaveBeenCalled();
    drawn.mockRestore();
  });

  it('redirects a public animation to whole seconds, a frame rate of 5/10/15/24/30 and sizes on the grid', async () => {
    const drawn = vi.spyOn(deps.bytes, 'getBytes');
    const text = vi.spyOn(deps.objects, 'getText');
    // The request that took 31 s of CPU before answering 413.
    const flood = { start: '0.001', end: '10.001', fps: '30', width: '640' };
    expect(await resolve('/playback1/animated.gif', flood)).toEqual({
      status: 302,
      location: '/playback1/animated.gif?start=0&end=10&fps=30&width=640',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(
      await resolve('/playback1/animated.webp', { start: '3.7', end: '5.2', fps: '12.5', width: '333', height: '77' }),
    ).toMatchObject({ location: '/playback1/animated.webp?start=4&end=5&fps=10&width=320&height=64' });
    expect(drawn).not.toHaveBeenCalled();
    expect(text).not.toHaveBeenCalled();
    drawn.mockRestore();
    text.mockRestore();
  });

  it('turns clockwise before fitting, and flips after everything else', async () => {
    const turned = await picture(await resolve('/playback1/thumbnail.png', { rotate: '90', width: '96' }));
    expect(turned.metadata).toMatchObject({ width: 96, height: 171 });
    // The red left half is on top after a quarter turn clockwise.
    expect([await turned.pixel(48, 10), await turned.pixel(48, 160)]).toEqual([RED, BLUE]);
    const flipped = await picture(
      await resolve('/playback1/thumbnail.png', { rotate: '90', width: '96', flip_v: 'true' }),
    );
    expect([await flipped.pixel(48, 10), await flipped.pixel(48, 160)]).toEqual([BLUE, RED]);
    const mirrored = await picture(await resolve('/playback1/thumbnail.png', { width: '160', flip_h: '1' }));
    expect([await mirrored.pixel(10, 45), await mirrored.pixel(150, 45)]).toEqual([BLUE, RED]);
  });

  it('assembles animated GIF and WebP with one frame per 1/fps, 320 wide by default', async () => {
    const gif = await picture(await resolve('/playback1/animated.gif', { start: '1', end: '3', fps: '10' }));
    expect(gif.metadata).toMatchObject({ format: 'gif', width: 320, pages: 20, pageHeight: 180, loop: 0 });
    expect(gif.metadata.delay).toEqual(Array.from({ length: 20 }, () => 100));
    const webp = await picture(await resolve('/playback1/animated.webp', { height: '96' }));
    expect(webp.metadata).toMatchObject({ format: 'webp', width: 171, pageHeight: 96, pages: 75 });
    expect(await resolve('/playback1/animated.gif', { start: '0', end: '11' })).toMatchObject({ status: 400 });
    // 10 s at 640 px and 30 fps is past the WebP budget (7 M pixel-frames): drawn at 3.04 fps.
    const big = await picture(await resolve('/playback1/animated.webp', { end: '10', fps: '30', width: '640' }));
    expect(big.metadata).toMatchObject({ width: 640, pageHeight: 360, pages: 30 });
  });

  it('serves the storyboard sprite as bytes and its WebVTT pointing at /{playbackId}/storyboard.jpg', async () => {
    const sprite = await picture(await resolve('/playback1/storyboard.jpg'));
    expect(sprite.metadata).toMatchObject({ format: 'jpeg', width: 2560 });
    expect((await picture(await resolve('/playback1/storyboard.webp'))).metadata.format).toBe('webp');
    expect(await resolve('/playback1/storyboard.vtt')).toMatchObject({
      status: 200,
      contentType: 'text/vtt; charset=utf-8',
      body: 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n/playback1/storyboard.jpg#xywh=0,0,256,144\n',
    });
  });

  it('refuses unknown ids, assets not ready, audio-only assets and bad parameters', async () => {
    expect(await resolve('/nosuchplayback/thumbnail.jpg')).toMatchObject({ status: 404 });
    expect(
      await resolve('/playback1/thumbnail.jpg', {}, { media: await media({ status: 'preparing' }) }),
    ).toMatchObject({ status: 412 });
    expect(await resolve('/playback1/thumbnail.jpg', {}, { media: await media({ video: false }) })).toMatchObject({
      status: 404,
    });
    expect(await resolve('/playback1/thumbnail.jpg', { fit_mode: 'zoom' })).toMatchObject({ status: 400 });
  });

  it('recognises only image paths of a playback id', () => {
    expect(imageRequestFromPath('/playback1.m3u8')).toBeUndefined();
    expect(imageRequestFromPath('/playback1/animated.jpg')).toBeUndefined();
    expect(imageRequestFromPath('/playback1/thumbnail.gif')).toBeUndefined();
    expect(imageRequestFromPath('/playback1/animated.gif')).toEqual({
      playbackId: 'playback1',
      kind: 'animated',
      format: 'gif',
    });
  });

  describe('signed playback ids', () => {
    const mux = new Mux({ tokenId: 'x', tokenSecret: 'y' });
    const signingKeys = new InMemorySigningKeys();
    let key: Awaited<ReturnType<typeof createSigningKey>>;
    beforeAll(async () => {
      key = await createSigningKey({ env: 'env1', signingKeys });
    });
    const sign = (type: 'video' | 'thumbnail' | 'gif' | 'storyboard', params?: Record<string, string>) =>
      mux.jwt.signPlaybackId('playback1', {
        keyId: key.id,
        keySecret: key.private_key,
        type,
        expiration: '600s',
        ...(params && { params }),
      });
    const signed = async (path: string, query: Record<string, string> = {}) =>
      resolve(path, query, { media: await media({ policy: 'signed' }), signingKeys });

    it('needs a token with the image’s audience: t thumbnail, g animated, s storyboard', async () => {
      expect(await signed('/playback1/thumbnail.jpg')).toMatchObject({ status: 403 });
      expect(await signed('/playback1/thumbnail.jpg', { token: await sign('video') })).toMatchObject({ status: 403 });
      expect(await signed('/playback1/animated.gif', { token: await sign('thumbnail') })).toMatchObject({
        status: 403,
      });
      const thumb = await picture(await signed('/playback1/thumbnail.jpg', { token: await sign('thumbnail') }));
      expect(thumb.cacheControl).toMatch(/^public, max-age=(59\d|600)$/);
      const gif = await signed('/playback1/animated.gif', { token: await sign('gif'), end: '1', fps: '5' });
      expect((await picture(gif)).metadata).toMatchObject({ pages: 5, delay: [200, 200, 200, 200, 200] });
      const token = await sign('storyboard');
      const vtt = await signed('/playback1/storyboard.vtt', { token });
      expect(vtt.status === 200 && vtt.body).toContain(`/playback1/storyboard.jpg?token=${token}#xywh=`);
      expect((await signed('/playback1/storyboard.jpg', { token })).status).toBe(200);
    });

    it('takes the parameters from the token’s claims, over the query', async () => {
      const token = await sign('thumbnail', { width: '200', fit_mode: 'stretch', height: '50' });
      const image = await picture(await signed('/playback1/thumbnail.png', { token, width: '400' }));
      expect(image.metadata).toMatchObject({ width: 200, height: 50 });
    });
  });
});
