import { CreateJobCommand, type H264Settings, MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MediaConvertRunner } from '../../lambdas/core/adapters/mediaconvert-runner.js';
import type { TranscodeJob } from '../../lambdas/core/ports.js';

const mediaConvert = mockClient(MediaConvertClient);
const runner = new MediaConvertRunner(new MediaConvertClient({ region: 'eu-west-1' }), {
  roleArn: 'arn:aws:iam::123456789012:role/gamma-mediaconvert',
});
const job: TranscodeJob = {
  assetId: 'asset1',
  source: { bucket: 'ingest', key: 'uploads/u1' },
  outputBucket: 'output',
};

beforeEach(() => {
  mediaConvert.reset();
  mediaConvert.on(CreateJobCommand).resolves({ Job: { Id: '1700000000000-abc123', Role: 'r', Settings: {} } });
});

async function createJobInput(j: TranscodeJob = job) {
  await runner.start(j);
  const input = mediaConvert.commandCalls(CreateJobCommand)[0]?.args[0].input;
  if (!input) throw new Error('CreateJob was not called');
  return input;
}

/** The rungs of the one HLS group, as (name, box, max bitrate, audio bitrate). */
async function rungs(j: TranscodeJob = job) {
  const { Settings } = await createJobInput(j);
  const [group, ...others] = Settings?.OutputGroups ?? [];
  expect(others).toEqual([]);
  return (group?.Outputs ?? []).map((o) => {
    const h264 = o.VideoDescription?.CodecSettings?.H264Settings as H264Settings;
    return {
      name: o.NameModifier,
      box: `${o.VideoDescription?.Width}x${o.VideoDescription?.Height}`,
      maxKbps: (h264.MaxBitrate ?? 0) / 1000,
      audioKbps: (o.AudioDescriptions?.[0]?.CodecSettings?.AacSettings?.Bitrate ?? 0) / 1000,
    };
  });
}

describe('MediaConvertRunner', () => {
  it('creates a job with the given role, the asset in its metadata and the asset id as idempotency token', async () => {
    expect(await runner.start(job)).toEqual({ jobId: '1700000000000-abc123' });
    const input = mediaConvert.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(input?.Role).toBe('arn:aws:iam::123456789012:role/gamma-mediaconvert');
    expect(input?.UserMetadata).toEqual({ gammaAssetId: 'asset1', gammaOutputBucket: 'output' });
    expect(input?.ClientRequestToken).toBe('asset1');
    expect(input?.Settings?.Inputs?.[0]?.FileInput).toBe('s3://ingest/uploads/u1');
  });

  it('writes one HLS group with master.m3u8 into the asset folder of the output bucket', async () => {
    const { Settings } = await createJobInput();
    const group = Settings?.OutputGroups?.[0]?.OutputGroupSettings;
    expect(group?.Type).toBe('HLS_GROUP_SETTINGS');
    // MediaConvert names the master manifest after the destination's last segment: assets/asset1/master.m3u8.
    expect(group?.HlsGroupSettings?.Destination).toBe('s3://output/assets/asset1/master');
    expect(group?.HlsGroupSettings?.SegmentLength).toBe(6);
  });

  it('encodes the planned 1080p ladder with H.264 QVBR capped at each rung’s peak rate, and AAC stereo', async () => {
    expect(await rungs()).toEqual([
      { name: '_360p', box: '640x360', maxKbps: 1350, audioKbps: 128 },
      { name: '_480p', box: '854x480', maxKbps: 2402, audioKbps: 128 },
      { name: '_720p', box: '1280x720', maxKbps: 4500, audioKbps: 128 },
      { name: '_1080p', box: '1920x1080', maxKbps: 9000, audioKbps: 128 },
    ]);
    const { Settings } = await createJobInput();
    for (const output of Settings?.OutputGroups?.[0]?.Outputs ?? []) {
      const h264 = output.VideoDescription?.CodecSettings?.H264Settings;
      expect(h264?.RateControlMode).toBe('QVBR');
      expect(h264?.GopSize).toBe(2);
      expect(h264?.GopSizeUnits).toBe('SECONDS');
      // A smaller or portrait source is fitted into each box, never upscaled.
      expect(output.VideoDescription?.ScalingBehavior).toBe('FIT_NO_UPSCALE');
    }
  });

  it('extends the ladder to the asset’s max resolution tier', async () => {
    const names = (await rungs({ ...job, maxResolutionTier: '2160p' })).map((r) => r.name);
    expect(names).toEqual(['_360p', '_480p', '_720p', '_1080p', '_1440p', '_2160p']);
  });

  it('fails when MediaConvert returns no job, so the dispatch is retried', async () => {
    mediaConvert.on(CreateJobCommand).resolves({});
    await expect(runner.start(job)).rejects.toThrow('CreateJob for asset asset1 returned no job');
  });

  it.each([
    [{ clip: { startSeconds: 2, endSeconds: 6 } }, 'clips'],
    [{ overlays: [{ bucket: 'ingest', key: 'uploads/overlay-a-0', settings: {} }] }, 'watermarks'],
    [{ test: true }, 'test assets'],
  ] as [Partial<TranscodeJob>, string][])('refuses %j by name, creating no job', async (extra, what) => {
    await expect(runner.start({ ...job, ...extra })).rejects.toThrow(
      `MediaConvert mode does not make ${what}; the FFmpeg transcoder does`,
    );
    expect(mediaConvert.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it('refuses every task on a ready asset by its mode', async () => {
    await expect(runner.start({ ...job, mode: 'tracks' })).rejects.toThrow(
      'tracks: is not supported by this deployment (the MediaConvert transcoder makes files only at creation)',
    );
  });
});
