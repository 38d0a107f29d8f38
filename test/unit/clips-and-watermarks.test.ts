/**
 * Clips, watermarks and test mode without ffmpeg: the overlay geometry by Mux's rules (domain/overlays.ts), the clip
 * window checks (domain/clips.ts), the task variables, the filter chain, and the API's use cases with fakes (a clip
 * of a ready asset of the same environment, what is refused, the fetch of watermarks, deletion, test-asset expiry).
 */
import { describe, expect, it } from 'vitest';
import { burnOverlays } from '../../containers/transcoder/src/options/overlay-filter.js';
import { parseOverlaysVariable } from '../../containers/transcoder/src/options/watermark.js';
import { MediaConvertRunner } from '../../lambdas/core/adapters/mediaconvert-runner.js';
import {
  clipWindowProblems,
  clipWindowVariable,
  encodeWindow,
  parseClipWindowVariable,
  TEST_ASSET_LIFETIME_SECONDS,
} from '../../lambdas/core/domain/clips.js';
import { ValidationError } from '../../lambdas/core/domain/errors.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { parseLength, parseOpacity, placeOverlay } from '../../lambdas/core/domain/overlays.js';
import { deleteAsset } from '../../lambdas/core/usecases/assets.js';
import { dispatchTranscode, transcodeJobFor } from '../../lambdas/core/usecases/ingest.js';
import { deleteExpiredTestAssets } from '../../lambdas/core/usecases/test-assets.js';
import { CreateAssetInput, createAssetFromUrl, fetchInput } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { InMemoryMediaRepository, preparingAsset, RecordingRunner } from './fakes.js';

const HD = { width: 1920, height: 1080 };

describe('overlay geometry (Mux: percents of the frame, pixels of the video scaled to fit 1920x1080)', () => {
  it('reads lengths and opacity as Mux writes them', () => {
    expect(parseLength('10%')).toEqual({ value: 10, unit: '%' });
    expect(parseLength('-100px')).toEqual({ value: -100, unit: 'px' });
    expect(parseLength('100')).toBeUndefined();
    expect(parseOpacity('85%')).toBe(0.85);
    expect(parseOpacity('101%')).toBeUndefined();
  });

  it('defaults: the image at its own pixels, top left, opaque', () => {
    expect(placeOverlay({}, { width: 200, height: 100 }, HD)).toEqual({
      width: 200,
      height: 100,
      x: 0,
      y: 0,
      opacity: 1,
    });
  });

  it('pixels scale with the frame: 100px on 1280x720 is 66.7 frame pixels', () => {
    const spot = placeOverlay(
      { width: '300px', horizontal_margin: '100px', vertical_margin: '60px' },
      { width: 300, height: 150 },
      { width: 1280, height: 720 },
    );
    expect(spot).toEqual({ width: 200, height: 100, x: 67, y: 40, opacity: 1 });
  });

  it('portrait video is scaled to fit 1080 tall: pixels are 1920/1080 frame pixels', () => {
    const spot = placeOverlay({ height: '108px' }, { width: 100, height: 100 }, { width: 1080, height: 1920 });
    expect(spot.height).toBe(192);
    expect(spot.width).toBe(192);
  });

  it('percents: width of the frame width, height of the frame height; one given keeps the aspect', () => {
    const both = placeOverlay({ width: '10%', height: '10%' }, { width: 100, height: 100 }, HD);
    expect([both.width, both.height]).toEqual([192, 108]);
    const one = placeOverlay({ height: '20%' }, { width: 400, height: 100 }, HD);
    expect([one.width, one.height]).toEqual([864, 216]);
  });

  it.each([
    [
      { horizontal_align: 'right', horizontal_margin: '5%' },
      { x: 1920 - 200 - 96, y: 0 },
    ],
    [
      { horizontal_align: 'center', horizontal_margin: '-10px' },
      { x: 850, y: 0 },
    ],
    [
      { vertical_align: 'bottom', vertical_margin: '2%' },
      { x: 0, y: 1080 - 100 - 22 },
    ],
    [
      { vertical_align: 'middle', vertical_margin: '10px' },
      { x: 0, y: 500 },
    ],
    [
      { vertical_align: 'top', vertical_margin: '-50px' },
      { x: 0, y: -50 },
    ],
  ] as const)('align %j → %j', (settings, corner) => {
    expect(placeOverlay(settings, { width: 200, height: 100 }, HD)).toMatchObject(corner);
  });

  it('is chained as one overlay per image before the split, back to 4:2:0', () => {
    const chain = burnOverlays('[0:v:0]format=yuv420p', [
      { image: 'a.png', width: 200, height: 100, x: 10, y: 20, opacity: 0.5 },
      { image: 'b.png', width: 40, height: 40, x: -5, y: 0, opacity: 1 },
    ]);
    expect(chain).toBe(
      '[0:v:0]format=yuv420p[base0];' +
        '[1:v]scale=200:100,format=rgba,colorchannelmixer=aa=0.5[wm0];[base0][wm0]overlay=x=10:y=20:format=auto:eof_action=repeat[base1];' +
        '[2:v]scale=40:40,format=rgba,colorchannelmixer=aa=1[wm1];[base1][wm1]overlay=x=-5:y=0:format=auto:eof_action=repeat,format=yuv420p',
    );
    expect(burnOverlays('[0:v:0]format=yuv420p', [])).toBe('[0:v:0]format=yuv420p');
  });
});

describe('clip windows', () => {
  it('accepts a window within the parent, with Mux defaults (0 … duration)', () => {
    expect(clipWindowProblems({ start_time: 2, end_time: 6 }, 10)).toEqual([]);
    expect(clipWindowProblems({}, 10)).toEqual([]);
  });

  it.each([
    [{ start_time: 12 }, 10, /^start_time: 12 is not before the end of the asset \(10 s\)/],
    [{ end_time: 11 }, 10, /^end_time: 11 is past the end of the asset \(10 s\)/],
    [{ start_time: 6, end_time: 2 }, 10, /^end_time: 2 must be after start_time \(6\)/],
    [{ start_time: 2, end_time: 2.05 }, 10, /^end_time: the clip must be at least 0.1 s long/],
  ])('%j of %d s → %s', (window, duration, message) => {
    expect(clipWindowProblems(window, duration)).toContainEqual(expect.stringMatching(message));
  });

  it('test mode keeps at most 10 s, of the clip when there is one', () => {
    expect(encodeWindow(undefined, false)).toBeUndefined();
    expect(encodeWindow(undefined, true)).toEqual({ startSeconds: 0, endSeconds: 10 });
    expect(encodeWindow({ startSeconds: 5, endSeconds: 8 }, true)).toEqual({ startSeconds: 5, endSeconds: 8 });
    expect(encodeWindow({ startSeconds: 5 }, true)).toEqual({ startSeconds: 5, endSeconds: 15 });
  });

  it('travels to the task as CLIP_WINDOW and back; malformed values are refused', () => {
    for (const w of [{ startSeconds: 2, endSeconds: 6.5 }, { startSeconds: 0.25 }]) {
      expect(parseClipWindowVariable(clipWindowVariable(w))).toEqual(w);
    }
    for (const bad of ['6,2', '-1,3', 'a,b', '3']) expect(parseClipWindowVariable(bad)).toBeUndefined();
    expect(() => parseOverlaysVariable('[{"bucket":"b"}]')).toThrow(/OVERLAYS must be a JSON list/);
    expect(parseOverlaysVariable('[{"bucket":"b","key":"k","settings":{}}]')).toHaveLength(1);
  });
});

const PUBLIC_ADDRESS = '93.184.216.34';
const VIDEO = 'https://v.example.com/a.mp4';
const LOGO = 'https://v.example.com/logo.png';

function platform() {
  const media = new InMemoryMediaRepository();
  const submitted: { assetId: string; url: string }[] = [];
  const create = async (body: unknown, env = 'env1') => {
    const asset = await createAssetFromUrl(parseOrThrow(CreateAssetInput, body), {
      ...{ env, media, ingestBucket: 'ingest' },
      inputs: { submit: async (job) => void submitted.push(job) },
      slots: new InMemoryInputSlots(),
      resolve: async () => [PUBLIC_ADDRESS],
      transcoder: 'fargate',
    });
    const stored = await media.getAsset(asset.id);
    if (!stored) throw new Error('not stored');
    return { asset, stored };
  };
  return { media, submitted, create };
}

/** A ready parent of 10 s with one watermark, in env1. */
async function withParent(media: InMemoryMediaRepository, overrides: Partial<AssetRecord> = {}) {
  const overlay = { url: LOGO, bucket: 'ingest', key: 'uploads/overlay-parent-0', settings: { width: '10%' } };
  await media.createAsset(
    preparingAsset({
      id: 'parent',
      upload_id: undefined,
      source: { bucket: 'ingest', key: 'uploads/input-parent', versionId: 'v1' },
      overlays: [overlay],
      ...overrides,
    }),
  );
  await media.markReady('parent', { duration: 10, max_stored_resolution: 'HD', tracks: [], renditions: ['720p'] });
}

const rejection = async (promise: Promise<unknown>) => {
  const err = await promise.catch((e: unknown) => e);
  if (!(err instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(err)}`);
  return err.messages;
};

describe('clips through the API', () => {
  it('a clip of a ready asset reads its source, reports source_asset_id and on_demand_clip, copies its overlays', async () => {
    const { media, submitted, create } = platform();
    await withParent(media);
    const { asset, stored } = await create({
      inputs: [{ url: 'mux://assets/parent', start_time: 2, end_time: 6 }],
      playback_policies: ['public'],
    });
    expect(asset).toMatchObject({ source_asset_id: 'parent', ingest_type: 'on_demand_clip', status: 'preparing' });
    expect(stored.source).toEqual({ bucket: 'ingest', key: 'uploads/input-parent', versionId: 'v1' });
    expect(transcodeJobFor(stored, 'out')).toMatchObject({
      source: { key: 'uploads/input-parent' },
      clip: { startSeconds: 2, endSeconds: 6 },
      overlays: [{ bucket: 'ingest', key: 'uploads/overlay-parent-0', settings: { width: '10%' } }],
    });
    expect(submitted).toEqual([{ assetId: asset.id, url: 'mux://assets/parent' }]);
  });

  it('copy_overlays: false leaves the parent watermarks behind; a new watermark input is added', async () => {
    const { media, create } = platform();
    await withParent(media);
    const { stored } = await create({
      inputs: [{ url: 'mux://assets/parent' }, { url: LOGO, overlay_settings: { opacity: '50%' } }],
      copy_overlays: false,
    });
    expect(stored.overlays).toEqual([
      { url: LOGO, bucket: 'ingest', key: `uploads/overlay-${stored.id}-0`, settings: { opacity: '50%' } },
    ]);
    expect(stored.clip).toEqual({ startSeconds: 0 });
  });

  it.each([
    [
      'a missing asset',
      'mux://assets/nothere',
      'env1',
      /^inputs\.0\.url: there is no asset nothere in this environment/,
    ],
    ["another environment's asset", 'mux://assets/parent', 'env2', /^inputs\.0\.url: there is no asset parent in this/],
  ])('a clip of %s is a 400 naming inputs.0.url', async (_what, url, env, message) => {
    const { media, create } = platform();
    await withParent(media);
    expect(await rejection(create({ inputs: [{ url }] }, env))).toContainEqual(expect.stringMatching(message));
  });

  it('a clip of an asset still preparing is a 400; out-of-range times name their field', async () => {
    const { media, create } = platform();
    await media.createAsset(preparingAsset({ id: 'busy', upload_id: undefined }));
    expect(await rejection(create({ inputs: [{ url: 'mux://assets/busy' }] }))).toEqual([
      'inputs.0.url: asset busy is preparing; only a ready asset can be clipped',
    ]);
    await withParent(media);
    expect(await rejection(create({ inputs: [{ url: 'mux://assets/parent', start_time: 3, end_time: 12 }] }))).toEqual([
      'inputs.0.end_time: 12 is past the end of the asset (10 s)',
    ]);
    const listed = (await media.listAssets('env1', 10)).items.map((a) => a.id);
    expect(listed.sort(), 'no clip asset was made').toEqual(['busy', 'parent']);
  });

  it('a clip of a test asset is a test asset', async () => {
    const { media, create } = platform();
    await withParent(media, { test: true });
    const { asset } = await create({ inputs: [{ url: 'mux://assets/parent', end_time: 4 }] });
    expect(asset.test).toBe(true);
  });
});

describe('fetching and deleting', () => {
  it("a clip's fetch takes only its own watermarks, then dispatches", async () => {
    const { media, create } = platform();
    await withParent(media);
    const { stored } = await create({
      inputs: [{ url: 'mux://assets/parent' }, { url: LOGO, overlay_settings: {} }],
    });
    const copied: string[] = [];
    const runner = new RecordingRunner();
    const outcome = await fetchInput(
      { assetId: stored.id, url: 'mux://assets/parent' },
      {
        media,
        runner,
        outputBucket: 'out',
        slots: new InMemoryInputSlots(),
        fetcher: {
          stored: async () => false,
          fetchTo: async (url, bucket, key, maxBytes) => {
            copied.push(`${url} → ${bucket}/${key} (${maxBytes})`);
            return { bytes: 1 };
          },
        },
      },
    );
    expect(outcome).toBe('dispatched');
    expect(copied).toEqual([`${LOGO} → ingest/uploads/overlay-${stored.id}-0 (16777216)`]);
    expect(runner.jobs).toHaveLength(1);
  });

  it("deleting a clip leaves its parent's source and watermarks; an asset of its own loses its files", async () => {
    const { media, create } = platform();
    await withParent(media);
    const { stored: clip } = await create({ inputs: [{ url: 'mux://assets/parent' }] });
    const { stored: own } = await create({ inputs: [{ url: VIDEO }, { url: LOGO, overlay_settings: {} }] });
    const deleted: string[] = [];
    const objects = {
      deletePrefix: async (_bucket: string, prefix: string) => deleted.push(prefix),
      deleteObject: async (bucket: string, key: string) => void deleted.push(`${bucket}/${key}`),
    };
    const ctx = { env: 'env1', media, objects, outputBucket: 'out' };
    await deleteAsset(clip.id, ctx);
    expect(deleted).toEqual([`assets/${clip.id}/`]);
    deleted.length = 0;
    await deleteAsset(own.id, ctx);
    expect(deleted).toEqual([
      `assets/${own.id}/`,
      `ingest/uploads/input-${own.id}`,
      `ingest/uploads/overlay-${own.id}-0`,
    ]);
  });

  it('MediaConvert mode refuses a clip (with its copied watermark) by name at dispatch: the asset is errored with the reason, not retried', async () => {
    const { media, create } = platform();
    await withParent(media);
    const { stored } = await create({ inputs: [{ url: 'mux://assets/parent', end_time: 3 }] });
    const send = async () => ({ Job: { Id: 'job1' } });
    const runner = new MediaConvertRunner({ send } as never, { roleArn: 'arn:role' });
    expect(await dispatchTranscode(stored, { media, runner, outputBucket: 'out' })).toEqual({ outcome: 'refused' });
    expect((await media.getAsset(stored.id))?.errors).toEqual({
      type: 'invalid_input',
      messages: ['MediaConvert mode does not make clips, watermarks; the FFmpeg transcoder does'],
    });
  });

  it('the sweep deletes test assets past 24 hours, and nothing else', async () => {
    const media = new InMemoryMediaRepository();
    const now = 1_800_000_000;
    const ages = { old: TEST_ASSET_LIFETIME_SECONDS + 60, young: 3600 };
    for (const [id, age] of Object.entries(ages)) {
      await media.createAsset(preparingAsset({ id, test: true, created_at: now - age, upload_id: undefined }));
    }
    await media.createAsset(preparingAsset({ id: 'kept', created_at: now - 2 * TEST_ASSET_LIFETIME_SECONDS }));
    const expiry = {
      listExpiredTests: async (before: number) =>
        [...media.assets.values()]
          .map((a) => a.asset as AssetRecord)
          .filter((a) => a.test && a.status !== 'deleted' && a.created_at < before)
          .map((a) => a.id),
    };
    const removed: string[] = [];
    const objects = {
      deletePrefix: async () => 0,
      deleteObject: async (_b: string, key: string) => void removed.push(key),
    };
    const swept = await deleteExpiredTestAssets({ media, expiry, objects, outputBucket: 'out', now: () => now * 1000 });
    expect(swept).toEqual(['old']);
    expect((await media.getAsset('old'))?.status).toBe('deleted');
    expect((await media.getAsset('young'))?.status).toBe('preparing');
    expect(removed).toEqual(['uploads/upload1']);
  });
});
