/**
 * The request surface of new assets (usecases/asset-settings.ts): Mux's getting-started bodies verbatim, the older
 * spellings, what is refused by name and why, and what the asset then reports and its transcode job carries.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/core/domain/errors.js';
import { ingestObject, transcodeJobFor } from '../../lambdas/core/usecases/ingest.js';
import { CreateUploadInput, createUpload } from '../../lambdas/core/usecases/uploads.js';
import { CreateAssetInput, createAssetFromUrl } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { InMemoryMediaRepository, RecordingRunner } from './fakes.js';

const PUBLIC_ADDRESS = '93.184.216.34';

async function createAsset(body: unknown) {
  const media = new InMemoryMediaRepository();
  const submitted: { assetId: string; url: string }[] = [];
  const input = parseOrThrow(CreateAssetInput, body);
  const asset = await createAssetFromUrl(input, {
    ...{ env: 'env1', media, ingestBucket: 'ingest', transcoder: 'fargate' as const },
    inputs: { submit: async (job) => void submitted.push(job) },
    slots: new InMemoryInputSlots(),
    resolve: async () => [PUBLIC_ADDRESS],
  });
  const stored = await media.getAsset(asset.id);
  if (!stored) throw new Error('the asset was not stored');
  return { asset, stored, submitted };
}

const messagesOf = (body: unknown, schema: typeof CreateAssetInput | typeof CreateUploadInput = CreateAssetInput) => {
  try {
    parseOrThrow(schema, body);
  } catch (err) {
    if (err instanceof ValidationError) return err.messages;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
};

describe("Mux's getting-started bodies, verbatim", () => {
  it('"Stream video files": inputs, playback_policies, video_quality basic', async () => {
    const body = JSON.parse(
      '{ "inputs": [{ "url": "https://muxed.s3.amazonaws.com/leds.mp4" }], "playback_policies": ["public"], "video_quality": "basic" }',
    );
    const { asset, submitted } = await createAsset(body);
    expect(asset).toMatchObject({ status: 'preparing', video_quality: 'basic', encoding_tier: 'baseline' });
    expect(asset.playback_ids.map((p) => p.policy)).toEqual(['public']);
    expect(submitted).toEqual([{ assetId: asset.id, url: 'https://muxed.s3.amazonaws.com/leds.mp4' }]);
  });

  it('"Upload files directly": new_asset_settings with video_quality, cors_origin', async () => {
    const body = JSON.parse(
      '{ "new_asset_settings": { "playback_policies": ["public"], "video_quality": "basic" }, "cors_origin": "*" }',
    );
    const media = new InMemoryMediaRepository();
    const upload = await createUpload(parseOrThrow(CreateUploadInput, body), {
      env: 'env1',
      media,
      urls: { presignPut: async (key) => `https://ingest.test/${key}` },
      transcoder: 'fargate',
      resolve: async () => [],
      defaultTimeout: 3600,
    });
    expect(upload.new_asset_settings).toEqual({ playback_policies: ['public'], video_quality: 'basic' });
  });
});

describe('older spellings', () => {
  it('input as one URL string, playback_policy as one string, encoding_tier smart → plus', async () => {
    const { asset, stored } = await createAsset({
      input: 'https://videos.example.com/a.mp4',
      playback_policy: 'signed',
      encoding_tier: 'smart',
    });
    expect(asset.playback_ids.map((p) => p.policy)).toEqual(['signed']);
    expect(asset).toMatchObject({ video_quality: 'plus', encoding_tier: 'smart' });
    expect(stored.input_url).toBe('https://videos.example.com/a.mp4');
  });

  it('input as a list; advanced_playback_policies add their playback ids', async () => {
    const { asset } = await createAsset({
      input: [{ url: 'https://videos.example.com/a.mp4' }],
      playback_policies: ['public'],
      advanced_playback_policies: [{ policy: 'signed' }, {}],
    });
    expect(asset.playback_ids.map((p) => p.policy)).toEqual(['public', 'signed', 'public']);
  });

  it('per_title_encode without video_quality is plus, and is reported as given', async () => {
    const { asset } = await createAsset({ inputs: [{ url: 'https://v.example.com/a.mp4' }], per_title_encode: true });
    expect(asset).toMatchObject({ video_quality: 'plus', encoding_tier: 'smart', per_title_encode: true });
  });
});

describe('what the asset reports and its job carries', () => {
  it('video_quality and normalize_audio: recorded, reported, in the transcode job', async () => {
    const { asset, stored } = await createAsset({
      inputs: [{ url: 'https://v.example.com/a.mp4' }],
      video_quality: 'premium',
      normalize_audio: true,
      master_access: 'none',
      test: false,
    });
    expect(asset).toMatchObject({
      video_quality: 'premium',
      encoding_tier: 'premium',
      normalize_audio: true,
      master_access: 'none',
      test: false,
    });
    expect(transcodeJobFor(stored, 'out')).toMatchObject({ videoQuality: 'premium', normalizeAudio: true });
  });

  it('master_access temporary makes the master preparing and the job write it', async () => {
    const { asset, stored } = await createAsset({
      inputs: [{ url: 'https://v.example.com/a.mp4' }],
      master_access: 'temporary',
    });
    expect(asset).toMatchObject({ master_access: 'temporary', master: { status: 'preparing' } });
    expect(transcodeJobFor(stored, 'out')).toMatchObject({ masterAccess: 'temporary' });
  });

  it('test mode: recorded, reported as test: true, in the transcode job', async () => {
    const { asset, stored } = await createAsset({ inputs: [{ url: 'https://v.example.com/a.mp4' }], test: true });
    expect(asset.test).toBe(true);
    expect(transcodeJobFor(stored, 'out')).toMatchObject({ test: true });
  });

  it('defaults: basic, no normalisation, no master, not a test; the job names none of them', async () => {
    const { asset, stored } = await createAsset({ inputs: [{ url: 'https://v.example.com/a.mp4' }] });
    expect(asset).toMatchObject({ video_quality: 'basic', normalize_audio: false, master_access: 'none', test: false });
    expect(asset).not.toHaveProperty('master');
    const job = transcodeJobFor(stored, 'out');
    for (const field of ['videoQuality', 'normalizeAudio', 'masterAccess', 'test'])
      expect(job).not.toHaveProperty(field);
  });

  it("an upload's new_asset_settings reach the asset made from its file", async () => {
    const media = new InMemoryMediaRepository();
    const runner = new RecordingRunner();
    const upload = await createUpload(
      parseOrThrow(CreateUploadInput, {
        new_asset_settings: { video_quality: 'plus', normalize_audio: true },
      }),
      {
        ...{
          env: 'env1',
          media,
          urls: { presignPut: async (key) => `https://ingest.test/${key}` },
          defaultTimeout: 3600,
        },
        ...{ transcoder: 'fargate' as const, resolve: async () => [] },
      },
    );
    await ingestObject(
      { bucket: 'ingest', key: `uploads/${upload.id}` },
      {
        ...{ media, runner, ingestBucket: 'ingest', outputBucket: 'out', maxUploadBytes: 1e9 },
        objects: { deleteObject: async () => {} },
      },
    );
    expect(runner.jobs[0]).toMatchObject({ videoQuality: 'plus', normalizeAudio: true });
  });

  it.each([
    ['the upload', { test: true }],
    ['its new_asset_settings', { new_asset_settings: { test: true } }],
  ])('test: true on %s makes a test asset, in the transcode job', async (_where, body) => {
    const media = new InMemoryMediaRepository();
    const runner = new RecordingRunner();
    const upload = await createUpload(parseOrThrow(CreateUploadInput, body), {
      ...{ env: 'env1', media, urls: { presignPut: async (key: string) => `https://ingest.test/${key}` } },
      ...{ defaultTimeout: 3600, transcoder: 'fargate' as const, resolve: async () => [] },
    });
    await ingestObject(
      { bucket: 'ingest', key: `uploads/${upload.id}` },
      {
        ...{ media, runner, ingestBucket: 'ingest', outputBucket: 'out', maxUploadBytes: 1e9 },
        objects: { deleteObject: async () => {} },
      },
    );
    expect(runner.jobs[0]).toMatchObject({ test: true });
    expect([...media.assets.values()][0]?.asset.test).toBe(true);
  });
});

describe('refused by name, never ignored', () => {
  const url = 'https://v.example.com/a.mp4';
  it.each([
    [
      { inputs: [{ url }], video_quality: 'plus', encoding_tier: 'baseline' },
      /^encoding_tier: baseline is video_quality basic, which disagrees/,
    ],
    [
      { inputs: [{ url }], video_quality: 'basic', per_title_encode: true },
      /^per_title_encode: .*disagrees with basic/,
    ],
    [
      { inputs: [{ url }], playback_policies: ['drm'] },
      /^playback_policies\.0: drm is not supported by this deployment/,
    ],
    [
      { inputs: [{ url }], advanced_playback_policies: [{ policy: 'drm', drm_configuration_id: 'c1' }] },
      /^advanced_playback_policies\.0\.policy: drm is not supported/,
    ],
    [{ inputs: [{ url }], directives: [] }, /^directives: is not supported by this deployment/],
    [{ inputs: [{ url }], generate_shots: 1 }, /^generate_shots: must be a boolean/],
    [{ inputs: [{ language_code: 'en' }] }, /^inputs\.0\.url: is required/],
    [{ inputs: [{ url: 'mux://assets/' }] }, /^inputs\.0\.url: must be mux:\/\/assets\/\{asset_id\}/],
    [{ inputs: [{ url }, { url: 'mux://assets/abc' }] }, /^inputs\.1\.url: only the first input can be a clip/],
    [{ inputs: [{ url, start_time: 1 }] }, /^inputs\.0\.start_time: applies only to a clip input/],
    [{ inputs: [{ url: 'mux://assets/abc', end_time: -1 }] }, /^inputs\.0\.end_time: must be at least 0/],
    [{ inputs: [{ url, overlay_settings: {} }] }, /^inputs\.0\.overlay_settings: the first input is the video/],
    [
      { inputs: [{ url }, { url, overlay_settings: { width: '10' } }] },
      /^inputs\.1\.overlay_settings\.width: must be a percent \("10%"\) or pixels \("100px"\)/,
    ],
    // The validator's own wording ("Invalid input: expected string, received number") never reaches the caller.
    [
      { inputs: [{ url }, { url, overlay_settings: { width: 100 } }] },
      /^inputs\.1\.overlay_settings\.width: must be a string: a percent \("10%"\) or pixels \("100px"\)$/,
    ],
    [{ inputs: [{ url }, { url, overlay_settings: 'top' }] }, /^inputs\.1\.overlay_settings: must be an object$/],
    [
      { inputs: [{ url }, { url, overlay_settings: { opacity: 0.5 } }] },
      /^inputs\.1\.overlay_settings\.opacity: must be a string/,
    ],
    [{ inputs: [{ url, name: 7 }] }, /^inputs\.0\.name: must be a string$/],
    [{ inputs: [{ url }], meta: [] }, /^meta: must be an object$/],
    [
      { inputs: [{ url }, { url, overlay_settings: { height: '0px' } }] },
      /^inputs\.1\.overlay_settings\.height: must be greater than 0/,
    ],
    [
      { inputs: [{ url }, { url, overlay_settings: { opacity: '120%' } }] },
      /^inputs\.1\.overlay_settings\.opacity: must be a percent from 0% to 100%/,
    ],
    [
      { inputs: [{ url }, { url, overlay_settings: { vertical_align: 'up' } }] },
      /^inputs\.1\.overlay_settings\.vertical_align: must be top, middle or bottom/,
    ],
    [
      { inputs: [{ url }, { url, overlay_settings: { horizontal_margin: '5000px' } }] },
      /^inputs\.1\.overlay_settings\.horizontal_margin: must be at most 4096px/,
    ],
    [
      { inputs: [{ url }, { url, overlay_settings: { rotate: 90 } }] },
      /^inputs\.1\.overlay_settings\.rotate: is not a known field/,
    ],
    [
      { inputs: [{ url, generated_subtitles: [] }] },
      /^inputs\.0\.generated_subtitles: must ask for at least one track/,
    ],
    [
      { inputs: [{ url }, { url, type: 'text', generated_subtitles: [{}] }] },
      /^inputs\.1\.generated_subtitles: is for the video input \(the first\)/,
    ],
    [{ inputs: [{ url }, { url, type: 'text' }] }, /^inputs\.1\.language_code: is required for text tracks/],
    [{ inputs: [{ url }, { url, type: 'text', language_code: 'en' }] }, /^inputs\.1\.text_type: is required/],
    [{ inputs: [{ url }, { url, type: 'audio' }] }, /^inputs\.1\.language_code: is required for audio tracks/],
    [
      { inputs: [{ url }, { url, type: 'audio', language_code: 'fr', closed_captions: true }] },
      /^inputs\.1\.closed_captions: is for text tracks only/,
    ],
    [{ inputs: [{ url }, { url }] }, /^inputs\.1\.type: further inputs are text or audio tracks/],
    [{ inputs: [{ url, type: 'audio' }] }, /^inputs\.0\.type: the first input is the video/],
    [{ inputs: [{ url, passthrough: 'p' }] }, /^inputs\.0\.passthrough: is for text and audio track inputs/],
    [{ inputs: [{ url }], input: url }, /^input: cannot be given with inputs/],
    [{ playback_policies: ['public'] }, /^inputs: is required/],
    [{ inputs: [{ url }], video_quality: 'high' }, /^video_quality: must be basic, plus or premium/],
    [{ inputs: [{ url }], master_access: 'permanent' }, /^master_access: must be none or temporary/],
    [{ inputs: [{ url }], normalize_audio: 'yes' }, /^normalize_audio: /],
    [{ inputs: [{ url }], colour: 'red' }, /^colour: is not a known field$/],
  ])('%j → %s', (body, message) => {
    expect(messagesOf(body)).toContainEqual(expect.stringMatching(message));
  });
});
