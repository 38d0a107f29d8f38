/**
 * A direct upload's `new_asset_settings.inputs` (Mux's InputSettings, the uploaded file first): checked by the parser
 * asset creation uses, stored with the upload, and applied when ingest makes the asset — tracks recorded preparing,
 * watermark images fetched by the input fetch function before it dispatches — and `generate_shots`.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/core/domain/errors.js';
import { type AssetRecord, toMuxAsset } from '../../lambdas/core/domain/media.js';
import { type IngestContext, ingestObject } from '../../lambdas/core/usecases/ingest.js';
import { CreateUploadInput, createUpload } from '../../lambdas/core/usecases/uploads.js';
import { fetchInput } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { fakeResolve, InMemoryInputSlots, RecordingInputQueue } from './api-fakes.js';
import { FakeUploadUrls, InMemoryMediaRepository, RecordingRunner } from './fakes.js';

const VTT = 'https://files.example.com/en.vtt';
const LOGO = 'https://files.example.com/logo.png';
const resolve = fakeResolve({ 'files.example.com': ['93.184.216.34'], 'internal.example.com': ['10.0.0.1'] });
const subtitles = { url: VTT, type: 'text', text_type: 'subtitles', language_code: 'en', closed_captions: true };
const watermark = { url: LOGO, overlay_settings: { vertical_align: 'bottom', width: '10%' } };

function world(transcoder: 'fargate' | 'mediaconvert' = 'fargate') {
  const media = new InMemoryMediaRepository();
  const runner = new RecordingRunner();
  const inputs = new RecordingInputQueue();
  const create = async (settings: Record<string, unknown>) =>
    createUpload(parseOrThrow(CreateUploadInput, { new_asset_settings: settings }), {
      ...{ env: 'env1', media, urls: new FakeUploadUrls(), defaultTimeout: 3600, transcoder, resolve },
    });
  const ctx: IngestContext = {
    ...{ media, runner, inputs, ingestBucket: 'ingest', outputBucket: 'out', maxUploadBytes: 1e9 },
    objects: { deleteObject: async () => undefined },
    now: () => 1_700_000_000_000,
  };
  const ingest = async (uploadId: string) => {
    const { outcome } = await ingestObject({ bucket: 'ingest', key: `uploads/${uploadId}` }, ctx);
    const upload = await media.getUpload(uploadId);
    return { outcome, asset: (await media.getAsset(upload?.asset_id ?? '')) as AssetRecord };
  };
  return { media, runner, inputs, create, ingest };
}

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).messages;
};

describe('new_asset_settings.inputs of a direct upload', () => {
  it('takes the uploaded file as an input without url, with a subtitle track and a watermark, and shows them back', async () => {
    const { create } = world();
    const given = [{ language_code: 'fr', name: 'Français' }, subtitles, watermark];
    const upload = await create({ playback_policies: ['public'], inputs: given });
    expect(upload.new_asset_settings).toEqual({ playback_policies: ['public'], inputs: given });
  });

  it('applies them when ingest makes the asset: the track preparing, the primary audio named, the watermark fetched first', async () => {
    const { create, ingest, inputs, runner, media } = world();
    const upload = await create({ inputs: [{ language_code: 'fr', name: 'Français' }, subtitles, watermark] });
    const { outcome, asset } = await ingest(upload.id);
    expect(outcome).toBe('fetching_inputs');
    expect(Object.values(asset.text_tracks ?? {})).toEqual([
      expect.objectContaining({ status: 'preparing', language_code: 'en', closed_captions: true, source_url: VTT }),
    ]);
    expect(asset.primary_audio).toEqual({ language_code: 'fr', name: 'Français' });
    expect(asset.overlays).toEqual([
      {
        url: LOGO,
        bucket: 'ingest',
        key: `uploads/overlay-${asset.id}-0`,
        settings: { vertical_align: 'bottom', width: '10%' },
      },
    ]);
    expect(inputs.jobs).toEqual([{ assetId: asset.id, url: `s3://ingest/uploads/${upload.id}` }]);
    expect(runner.jobs).toEqual([]);

    // The fetch function takes the watermark only (the upload's file is in place), then dispatches with it.
    const copied: string[] = [];
    const fetched = await fetchInput(inputs.jobs[0] ?? { assetId: '', url: '' }, {
      ...{ media, runner, outputBucket: 'out', slots: new InMemoryInputSlots() },
      fetcher: {
        stored: async () => false,
        fetchTo: async (url, bucket, key) => {
          copied.push(`${url} → ${bucket}/${key}`);
          return { bytes: 1 };
        },
      },
    });
    expect(fetched).toBe('dispatched');
    expect(copied).toEqual([`${LOGO} → ingest/uploads/overlay-${asset.id}-0`]);
    expect(runner.jobs).toEqual([
      expect.objectContaining({
        assetId: asset.id,
        overlays: [expect.objectContaining({ key: `uploads/overlay-${asset.id}-0` })],
      }),
    ]);
  });

  it('implies the uploaded file before a first entry that has a url (Mux’s older form); tracks alone dispatch at once', async () => {
    const { create, ingest, runner } = world();
    const upload = await create({ inputs: [subtitles] });
    const { outcome, asset } = await ingest(upload.id);
    expect(outcome).toBe('dispatched');
    expect(Object.values(asset.text_tracks ?? {})).toHaveLength(1);
    expect(asset.primary_audio).toBeUndefined();
    expect(runner.jobs).toHaveLength(1);
  });

  it('refuses what asset creation refuses, naming the field as given', async () => {
    const { create } = world();
    expect(
      await refusal(create({ inputs: [{}, { type: 'text', text_type: 'subtitles', language_code: 'en' }] })),
    ).toEqual(['new_asset_settings.inputs.1.url: is required (only the first input, the uploaded file, has none)']);
    expect(await refusal(create({ inputs: [{ overlay_settings: {} }] }))).toEqual([
      'new_asset_settings.inputs.0.overlay_settings: the first input is the video; a watermark image is a further input',
    ]);
    expect(await refusal(create({ inputs: [{ ...subtitles, language_code: undefined }] }))).toEqual([
      'new_asset_settings.inputs.0.language_code: is required for text tracks',
    ]);
    expect(await refusal(create({ inputs: [{ generated_subtitles: [{ language_code: 'en' }] }] }))).toEqual([
      'new_asset_settings.inputs.0.generated_subtitles: is not yet supported in this deployment on direct uploads (use …/tracks/{id}/generate-subtitles)',
    ]);
    expect(await refusal(create({ inputs: [{}, { url: LOGO }] }))).toEqual([
      'new_asset_settings.inputs.1.type: further inputs are text or audio tracks ("text" or "audio") or watermark images (overlay_settings)',
    ]);
    // A clip is an asset made from another: not an upload, whether the upload's file is listed or implied.
    for (const inputs of [[{}, { url: 'mux://assets/abc' }], [{ url: 'mux://assets/abc' }]]) {
      const index = inputs.length - 1;
      expect(await refusal(create({ inputs }))).toContain(
        `new_asset_settings.inputs.${index}.url: a direct upload's video is its file: a clip is made with POST /video/v1/assets`,
      );
    }
    expect(await refusal(create({ inputs: [{}], input: [{}] }))).toEqual([
      'new_asset_settings.input: cannot be given with inputs',
    ]);
    expect(
      await refusal(create({ inputs: [{ url: 'https://internal.example.com/logo.png', overlay_settings: {} }] })),
    ).toEqual([
      'new_asset_settings.inputs: https://internal.example.com/logo.png: is refused: 10.0.0.1 is a private, loopback or link-local address',
    ]);
  });

  it('is refused in words for tracks and shots on a MediaConvert deployment', async () => {
    const { create } = world('mediaconvert');
    expect((await refusal(create({ inputs: [subtitles] })))[0]).toMatch(
      /^inputs: text and audio track inputs is not supported by this deployment \(it transcodes with MediaConvert/,
    );
    expect((await refusal(create({ generate_shots: true })))[0]).toMatch(
      /^new_asset_settings.generate_shots: shot detection is not supported by this deployment/,
    );
  });
});

describe('generate_shots', () => {
  it('is recorded on the upload’s asset and reported as Mux does', async () => {
    const { create, ingest } = world();
    const upload = await create({ generate_shots: true });
    expect(upload.new_asset_settings).toEqual({ generate_shots: true });
    const { asset } = await ingest(upload.id);
    expect(asset.generate_shots).toBe(true);
    expect(toMuxAsset(asset)).toMatchObject({ generate_shots: true });
    expect(() => parseOrThrow(CreateUploadInput, { new_asset_settings: { generate_shots: 'yes' } })).toThrow(
      'new_asset_settings.generate_shots: must be a boolean',
    );
  });
});
