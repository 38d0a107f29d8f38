/**
 * A queue worker runs only jobs their asset agrees with (containers/transcoder/src/job-check.ts, issue 13): the work
 * queue is written by the dispatchers and by the first job of a chunked transcode, so a message is a claim. A forged
 * job is refused before any process (and so any ffmpeg) starts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { chunkTaskJob, readJob } from '../../containers/transcoder/src/job.js';
import { jobRefusal } from '../../containers/transcoder/src/job-check.js';
import { RunnerBroken, work } from '../../containers/transcoder/src/worker.js';
import { jobEnvironment } from '../../lambdas/core/adapters/job-environment.js';
import type { ChunkState } from '../../lambdas/core/domain/chunks.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { staticRenditionsFor } from '../../lambdas/core/domain/static-renditions.js';
import type { TranscodeJob } from '../../lambdas/core/ports.js';
import { transcodeJobFor } from '../../lambdas/core/usecases/ingest.js';
import { preparingAsset } from './fakes.js';

const OUTPUT = 'output';
const asset = preparingAsset({
  source: { bucket: 'ingest', key: 'uploads/upload1', versionId: 'v1' },
  video_quality: 'plus',
  normalize_audio: true,
  master_access: 'temporary',
  clip: { startSeconds: 2, endSeconds: 8 },
  overlays: [{ bucket: 'ingest', key: 'uploads/overlay-asset1-0', url: 'https://x.example/w.png', settings: {} }],
} as Partial<AssetRecord>);
const chunks = (done: number[]): ChunkState =>
  ({ plan: { chunks: [0, 1, 2].map((index) => ({ index })) }, done, jobs: {}, attempts: {} }) as unknown as ChunkState;

/** A chunk job exactly as the first job of a chunked transcode sends it (job.ts `chunkTaskJob`). */
function sentChunkJob(record: AssetRecord, index: number): TranscodeJob {
  const vars = Object.fromEntries(jobEnvironment(transcodeJobFor(record, OUTPUT)).map((v) => [v.name, v.value]));
  return chunkTaskJob(readJob({ MEDIA_TABLE: 'media', OUTPUT_BUCKET: OUTPUT, ...vars }), index);
}

describe('jobRefusal', () => {
  it('runs the jobs the dispatchers and the first job send', () => {
    expect(jobRefusal(transcodeJobFor(asset, OUTPUT), { asset }, OUTPUT)).toBeUndefined();
    expect(jobRefusal(sentChunkJob(asset, 2), { asset, chunks: chunks([0, 1]) }, OUTPUT)).toBeUndefined();
    // Every chunk done but the asset still preparing: the finisher died, the retry only finishes.
    expect(jobRefusal(sentChunkJob(asset, 2), { asset, chunks: chunks([0, 1, 2]) }, OUTPUT)).toBeUndefined();
    const ready: AssetRecord = { ...asset, status: 'ready', master: { status: 'preparing' } };
    const master: TranscodeJob = { assetId: 'asset1', source: asset.source, outputBucket: OUTPUT, mode: 'master' };
    expect(jobRefusal(master, { asset: ready }, OUTPUT)).toBeUndefined();
  });

  it('refuses a chunk job for a ready asset, a chunk done or outside the plan, and one before any plan', () => {
    const job = sentChunkJob(asset, 2);
    expect(jobRefusal(job, { asset: { ...asset, status: 'ready' }, chunks: chunks([0, 1, 2]) }, OUTPUT)).toMatch(
      /is ready/,
    );
    expect(jobRefusal(job, { asset, chunks: chunks([0, 2]) }, OUTPUT)).toMatch(/Chunk 2 is done/);
    expect(jobRefusal(sentChunkJob(asset, 7), { asset, chunks: chunks([0]) }, OUTPUT)).toMatch(/no chunk 7/);
    expect(jobRefusal(job, { asset }, OUTPUT)).toMatch(/no chunk plan/);
    expect(jobRefusal(job, { asset: undefined }, OUTPUT)).toMatch(/does not exist/);
  });

  it('refuses a job that names another source, watermark, clip or setting than the asset records', () => {
    const honest = sentChunkJob(asset, 1);
    const state = { asset, chunks: chunks([0]) };
    const forged: TranscodeJob[] = [
      { ...honest, source: { bucket: 'ingest', key: 'uploads/attacker' } },
      { ...honest, source: { ...honest.source, versionId: 'v2' } },
      { ...honest, overlays: [{ bucket: 'ingest', key: 'uploads/overlay-attacker-0', settings: {} }] },
      { ...honest, clip: { startSeconds: 0 } },
      { ...honest, videoQuality: 'basic' },
      { ...honest, outputBucket: 'elsewhere' },
    ];
    for (const job of forged) expect(jobRefusal(job, state, OUTPUT)).toMatch(/does not match/);
  });

  it("carries mp4_support's capped-1080p through the task's environment, and refuses it for a ready asset", () => {
    const capped = preparingAsset({
      max_resolution_tier: '2160p',
      ...staticRenditionsFor('asset1', { mp4_support: 'capped-1080p', max_resolution_tier: '2160p' }),
    });
    expect(transcodeJobFor(capped, OUTPUT).staticRenditions).toEqual(['capped-1080p']);
    const chunk = sentChunkJob(capped, 1);
    expect(chunk.staticRenditions).toEqual(['capped-1080p']);
    expect(jobRefusal(chunk, { asset: capped, chunks: chunks([0]) }, OUTPUT)).toBeUndefined();
    // A task for a ready asset is sent the rung the API chose; the key alone is not a file it waits for.
    const ready: AssetRecord = { ...capped, status: 'ready' };
    const base = { assetId: 'asset1', source: capped.source, outputBucket: OUTPUT, mode: 'static_renditions' as const };
    expect(jobRefusal({ ...base, staticRenditions: ['capped-1080p'] }, { asset: ready }, OUTPUT)).toMatch(
      /not waiting/,
    );
    expect(jobRefusal({ ...base, staticRenditions: ['1080p'] }, { asset: ready }, OUTPUT)).toBeUndefined();
  });

  it('refuses work for a ready asset that does not wait for it', () => {
    const ready: AssetRecord = { ...asset, status: 'ready' };
    const base = { assetId: 'asset1', source: asset.source, outputBucket: OUTPUT };
    expect(jobRefusal({ ...base, mode: 'master' }, { asset: ready }, OUTPUT)).toMatch(/not making a master/);
    expect(
      jobRefusal({ ...base, mode: 'static_renditions', staticRenditions: ['highest'] }, { asset: ready }, OUTPUT),
    ).toMatch(/not waiting/);
    expect(jobRefusal({ ...base, mode: 'master' }, { asset }, OUTPUT)).toMatch(/needs it ready/);
  });
});

describe('the queue worker', () => {
  it('deletes a forged chunk job for a ready asset without starting its process (no ffmpeg runs)', async () => {
    const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(sqs);
    const forged = { ...sentChunkJob(asset, 2), source: { bucket: 'ingest', key: 'uploads/attacker' } };
    let polls = 0;
    mock.on(ReceiveMessageCommand).callsFake(async () => {
      polls++;
      return polls === 1 ? { Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify(forged) }] } : {};
    });
    mock.on(DeleteMessageCommand).resolves({});
    mock.on(ChangeMessageVisibilityCommand).resolves({});
    const ran: TranscodeJob[] = [];
    const ready: AssetRecord = { ...asset, status: 'ready' };
    await work({
      sqs,
      env: { WORK_QUEUE_URL: 'https://sqs.example/work' },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      checkJob: async (job) => jobRefusal(job, { asset: ready, chunks: chunks([0, 1, 2]) }, OUTPUT),
      runJob: async (job) => {
        ran.push(job);
        return 0;
      },
      stopping: () => polls >= 1,
    });
    expect(ran).toEqual([]);
    expect(mock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['r1']);
  });

  it('runs a job its asset agrees with', async () => {
    const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(sqs);
    const honest = sentChunkJob(asset, 1);
    let polls = 0;
    mock.on(ReceiveMessageCommand).callsFake(async () => {
      polls++;
      return { Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify(honest) }] };
    });
    mock.on(DeleteMessageCommand).resolves({});
    const ran: TranscodeJob[] = [];
    await work({
      sqs,
      env: { WORK_QUEUE_URL: 'https://sqs.example/work' },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      checkJob: async (job) => jobRefusal(job, { asset, chunks: chunks([0]) }, OUTPUT),
      runJob: async (job) => {
        ran.push(job);
        return 0;
      },
      stopping: () => polls >= 1,
    });
    expect(ran.map((j) => j.chunk)).toEqual([{ index: 1 }]);
  });

  it('ends when no job can start in it, leaving the message to its visibility timeout', async () => {
    const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(sqs);
    mock.on(ReceiveMessageCommand).resolves({
      Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify(sentChunkJob(asset, 1)) }],
    });
    const working = work({
      sqs,
      env: { WORK_QUEUE_URL: 'https://sqs.example/work' },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      checkJob: async () => undefined,
      runJob: () => Promise.reject(new Error('ENOSPC: mkdtemp')),
      stopping: () => false,
    });
    await expect(working).rejects.toThrow(RunnerBroken);
    // Taken once, neither deleted nor made visible at once: no quick loop of every job into the dead-letter queue.
    expect(mock.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(mock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(mock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });
});
