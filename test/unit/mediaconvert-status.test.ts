import { beforeEach, describe, expect, it } from 'vitest';
import { type JobStateChange, mediaConvertJobChanged } from '../../lambdas/core/usecases/mediaconvert-status.js';
import { createMediaConvertStatusHandler } from '../../lambdas/handlers/mediaconvert-status.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';

let media: InMemoryMediaRepository;
beforeEach(async () => {
  media = new InMemoryMediaRepository();
  await media.createAsset(preparingAsset());
});

const output = (rendition: string, width: number, height: number) => ({
  outputFilePaths: [`s3://output/assets/asset1/master_${rendition}.m3u8`],
  durationInMs: 12_480,
  videoDetails: { widthInPx: width, heightInPx: height },
});

const complete = (overrides: Partial<JobStateChange> = {}): JobStateChange => ({
  status: 'COMPLETE',
  jobId: '1700000000000-abc123',
  userMetadata: { gammaAssetId: 'asset1', gammaOutputBucket: 'output' },
  outputGroupDetails: [{ outputDetails: [output('360p', 640, 360), output('720p', 1280, 720)] }],
  ...overrides,
});

describe('mediaConvertJobChanged', () => {
  it('marks the asset ready with the duration and sizes MediaConvert wrote', async () => {
    expect(await mediaConvertJobChanged(complete(), { media })).toEqual({ outcome: 'marked_ready', assetId: 'asset1' });
    const asset = await media.getAsset('asset1');
    expect(asset).toMatchObject({
      status: 'ready',
      duration: 12.48,
      max_stored_resolution: 'HD',
      resolution_tier: '720p',
      aspect_ratio: '16:9',
      renditions: ['360p', '720p'],
    });
    expect(asset?.tracks?.map((t) => t.type)).toEqual(['video', 'audio']);
    expect(asset?.tracks?.[0]).toMatchObject({ max_width: 1280, max_height: 720 });
  });

  it('marks the asset errored with MediaConvert’s code and message', async () => {
    const job = complete({ status: 'ERROR', errorCode: 1010, errorMessage: 'Unable to open input file' });
    expect(await mediaConvertJobChanged(job, { media })).toEqual({ outcome: 'marked_errored', assetId: 'asset1' });
    expect((await media.getAsset('asset1'))?.errors).toEqual({
      type: 'transcode_failed',
      messages: ['MediaConvert job 1700000000000-abc123 failed (1010): Unable to open input file'],
    });
  });

  it('ignores jobs without Gamma’s metadata and states that are not final', async () => {
    expect(await mediaConvertJobChanged(complete({ userMetadata: {} }), { media })).toEqual({
      outcome: 'not_a_transcode',
    });
    expect(await mediaConvertJobChanged(complete({ status: 'PROGRESSING' }), { media })).toEqual({
      outcome: 'not_a_transcode',
    });
    expect((await media.getAsset('asset1'))?.status).toBe('preparing');
  });

  it('leaves an asset that is no longer preparing alone (a repeated event)', async () => {
    await mediaConvertJobChanged(complete(), { media });
    const again = await mediaConvertJobChanged(complete({ status: 'ERROR', errorMessage: 'late' }), { media });
    expect(again).toEqual({ outcome: 'already_final', assetId: 'asset1' });
    expect((await media.getAsset('asset1'))?.status).toBe('ready');
  });
});

describe('mediaconvert-status handler', () => {
  it('parses the EventBridge detail and records the outcome', async () => {
    const handler = createMediaConvertStatusHandler(() => ({ media }));
    await handler({
      version: '0',
      id: 'e1',
      'detail-type': 'MediaConvert Job State Change',
      source: 'aws.mediaconvert',
      account: '123456789012',
      time: '2026-01-01T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { ...complete(), queue: 'arn:aws:mediaconvert:eu-west-1:123456789012:queues/Default', warnings: [] },
    });
    expect((await media.getAsset('asset1'))?.status).toBe('ready');
  });

  it('rejects a detail that is not a job state change, so EventBridge retries and dead-letters it', async () => {
    const handler = createMediaConvertStatusHandler(() => ({ media }));
    const event = { detail: { status: 'COMPLETE' } } as unknown as Parameters<typeof handler>[0];
    await expect(handler(event)).rejects.toThrow(/jobId/);
  });
});
