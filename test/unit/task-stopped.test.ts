import { beforeEach, describe, expect, it } from 'vitest';
import { planChunks } from '../../lambdas/core/domain/chunks.js';
import { planLadder, type SourceProbe } from '../../lambdas/core/domain/ladder.js';
import type { PreparingAsset, TranscodeAttempts } from '../../lambdas/core/ports.js';
import { sweepStuckAssets } from '../../lambdas/core/usecases/sweep.js';
import { type TaskStateChange, taskStopped } from '../../lambdas/core/usecases/task-stopped.js';
import { URL_INPUT_LEASE_SECONDS } from '../../lambdas/core/usecases/url-inputs.js';
import { createTaskStoppedHandler } from '../../lambdas/handlers/task-stopped.js';
import { InMemoryChunkLedger } from './chunk-fakes.js';
import { InMemoryMediaRepository, preparingAsset, RecordingRunner } from './fakes.js';

/** Attempts kept beside the in-memory repository's dispatch bookkeeping, with the adapter's claim rules. */
class InMemoryAttempts implements TranscodeAttempts {
  readonly attempts = new Map<string, number>();
  constructor(private readonly media: InMemoryMediaRepository) {}

  async claimRetry(assetId: string, failedJobId: string | undefined, max: number, holdSeconds: number) {
    const stored = this.media.assets.get(assetId);
    const attempts = this.attempts.get(assetId) ?? 1;
    if (stored?.asset.status !== 'preparing') return { refused: 'not_current' as const, attempts };
    const current =
      failedJobId === undefined
        ? stored.jobId === undefined && (stored.claimedUntil === undefined || stored.claimedUntil < this.media.clock)
        : stored.jobId === failedJobId;
    if (!current) return { refused: 'not_current' as const, attempts };
    if (attempts >= max) return { refused: 'exhausted' as const, attempts };
    this.attempts.set(assetId, attempts + 1);
    stored.jobId = undefined;
    stored.claimedUntil = this.media.clock + holdSeconds;
    return { attempt: attempts + 1 };
  }

  async listPreparing(createdBefore: number): Promise<PreparingAsset[]> {
    return [...this.media.assets.values()]
      .filter((s) => s.asset.status === 'preparing' && s.asset.created_at < createdBefore)
      .map((s) => ({
        asset: s.asset,
        attempts: this.attempts.get(s.asset.id) ?? 1,
        ...(s.jobId !== undefined && { jobId: s.jobId }),
        ...(s.claimedUntil !== undefined && { claimedUntil: s.claimedUntil }),
      }));
  }
}

let media: InMemoryMediaRepository;
let attempts: InMemoryAttempts;
let runner: RecordingRunner;
let ctx: { media: InMemoryMediaRepository; attempts: InMemoryAttempts; runner: RecordingRunner; outputBucket: string };
beforeEach(async () => {
  media = new InMemoryMediaRepository();
  attempts = new InMemoryAttempts(media);
  runner = new RecordingRunner();
  ctx = { media, attempts, runner, outputBucket: 'out' };
  await media.createAsset(preparingAsset());
  await media.claimDispatch('asset1', 900);
  await media.recordJob('asset1', 'task/first');
});

const stopped = (overrides: Partial<TaskStateChange> = {}): TaskStateChange => ({
  taskArn: 'task/first',
  lastStatus: 'STOPPED',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'transcoder', exitCode: 1 }],
  overrides: {
    containerOverrides: [
      {
        name: 'transcoder',
        environment: [
          { name: 'SOURCE_KEY', value: 'uploads/u1' },
          { name: 'ASSET_ID', value: 'asset1' },
        ],
      },
    ],
  },
  ...overrides,
});

describe('taskStopped', () => {
  it('starts the next attempt when the transcoder dies, and records its job', async () => {
    const task = stopped({ containers: [{ name: 'transcoder', exitCode: 137, reason: 'OutOfMemoryError' }] });
    expect(await taskStopped(task, ctx)).toEqual({ outcome: 'retried', assetId: 'asset1', attempt: 2 });
    expect(runner.jobs).toEqual([
      { assetId: 'asset1', source: { bucket: 'ingest', key: 'uploads/upload1' }, outputBucket: 'out' },
    ]);
    expect(media.assets.get('asset1')?.jobId).toBe('task/asset1/1');
    expect((await media.getAsset('asset1'))?.status).toBe('preparing');
  });

  it('retries a bounded number of times, then marks the asset errored with the last reason', async () => {
    let taskArn = 'task/first';
    for (const expected of [2, 3]) {
      const result = await taskStopped(stopped({ taskArn, containers: [{ name: 'transcoder', exitCode: 137 }] }), ctx);
      expect(result).toMatchObject({ outcome: 'retried', attempt: expected });
      taskArn = media.assets.get('asset1')?.jobId as string;
    }
    const last = stopped({
      taskArn,
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by user',
      containers: [{ name: 'transcoder', exitCode: 143 }],
    });
    expect((await taskStopped(last, ctx)).outcome).toBe('marked_errored');
    expect(runner.jobs).toHaveLength(2);
    const asset = await media.getAsset('asset1');
    expect(asset?.status).toBe('errored');
    expect(asset?.errors).toEqual({
      type: 'transcode_failed',
      messages: [
        'The transcode failed 3 time(s), the most allowed. The last attempt: the transcoder exited with code 143: Task stopped by user',
      ],
    });
  });

  it('starts one retry however often the same stop event arrives', async () => {
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => taskStopped(stopped(), ctx)));
    expect(outcomes.filter((o) => o.outcome === 'retried')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'stale_event')).toHaveLength(4);
    expect(runner.jobs).toHaveLength(1);
  });

  it('explains a task that stopped before the transcoder ran', async () => {
    const task = stopped({
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: image not found',
      containers: [{ name: 'transcoder' }],
    });
    const result = await taskStopped(task, { ...ctx, maxAttempts: 1 });
    expect(result.outcome).toBe('marked_errored');
    expect((await media.getAsset('asset1'))?.errors?.messages).toEqual([
      'The transcode failed 1 time(s), the most allowed. The last attempt: the transcoding task stopped before the transcoder ran (TaskFailedToStart): CannotPullContainerError: image not found',
    ]);
  });

  it('releases the claim and throws when the runner refuses the retry, so the event is retried', async () => {
    runner.failWith = new Error('RunTask throttled');
    await expect(taskStopped(stopped(), ctx)).rejects.toThrow('RunTask throttled');
    expect(media.assets.get('asset1')?.claimedUntil).toBeUndefined();
    runner.failWith = undefined;
    // The redelivered event finds the job gone but no claim held: the retry goes ahead.
    expect(await taskStopped(stopped(), ctx)).toMatchObject({ outcome: 'stale_event' });
    expect((await sweepStuckAssets({ ...ctx, now: () => (media.clock + 3600) * 1000 })).redispatched).toEqual([
      'asset1',
    ]);
    expect(runner.jobs).toHaveLength(1);
  });

  it('leaves an asset the transcoder finished (exit 0) alone', async () => {
    expect(await taskStopped(stopped({ containers: [{ name: 'transcoder', exitCode: 0 }] }), ctx)).toEqual({
      outcome: 'succeeded',
      assetId: 'asset1',
    });
    expect(runner.jobs).toHaveLength(0);
  });

  it('keeps the error the transcoder recorded itself', async () => {
    await media.markErrored('asset1', { type: 'invalid_input', messages: ['no video stream'] });
    expect((await taskStopped(stopped(), ctx)).outcome).toBe('already_final');
    expect((await media.getAsset('asset1'))?.errors?.type).toBe('invalid_input');
    expect(runner.jobs).toHaveLength(0);
  });

  it('ignores tasks that are not stopped or carry no asset id', async () => {
    expect((await taskStopped(stopped({ lastStatus: 'RUNNING' }), ctx)).outcome).toBe('not_a_transcode');
    expect((await taskStopped(stopped({ overrides: undefined }), ctx)).outcome).toBe('not_a_transcode');
    expect(runner.jobs).toHaveLength(0);
  });
});

describe('sweepStuckAssets', () => {
  const start = 1_700_000_000;
  /** Moves the shared clock (the repository's claims and the sweeper's deadline) to `seconds` after the start. */
  const later = (seconds: number) => {
    media.clock = start + seconds;
    return () => media.clock * 1000;
  };

  it('re-dispatches an asset whose dispatch died before recording a job', async () => {
    await media.createAsset(preparingAsset({ id: 'asset2' }));
    await media.claimDispatch('asset2', 900); // the claim holder died here
    expect(await sweepStuckAssets({ ...ctx, now: later(600) })).toEqual({ checked: 0, redispatched: [], errored: [] });
    expect(await sweepStuckAssets({ ...ctx, now: later(3600) })).toEqual({
      checked: 2,
      redispatched: ['asset2'],
      errored: [],
    });
    expect(runner.jobs.map((j) => j.assetId)).toEqual(['asset2']);
  });

  it("leaves an input URL's asset to its fetch until the input queue has given it up, then re-dispatches", async () => {
    // Its fetch failed for now (a 503) and gave its claim back: the message comes back after 16 minutes.
    await media.createAsset(preparingAsset({ id: 'fetched', upload_id: undefined }));
    await media.createAsset(preparingAsset({ id: 'uploaded', upload_id: 'upload2' }));
    // And one whose job had started (it has its source): its retry failed to start, leaving no job.
    await media.createAsset(preparingAsset({ id: 'retried', upload_id: undefined }));
    attempts.attempts.set('retried', 2);
    expect((await sweepStuckAssets({ ...ctx, now: later(20 * 60) })).redispatched).toEqual(['uploaded', 'retried']);
    expect((await sweepStuckAssets({ ...ctx, now: later(URL_INPUT_LEASE_SECONDS + 1) })).redispatched).toEqual([
      'fetched',
    ]);
    expect(runner.jobs.map((j) => j.assetId)).toEqual(['uploaded', 'retried', 'fetched']);
  });

  it('marks an asset errored when its transcode runs past the deadline', async () => {
    const report = await sweepStuckAssets({ ...ctx, now: later(13 * 3600) });
    expect(report.errored).toEqual(['asset1']);
    expect((await media.getAsset('asset1'))?.errors?.messages).toEqual([
      'The transcode did not finish within 12 hours',
    ]);
  });

  it('leaves young and finished assets alone', async () => {
    await media.markReady('asset1', { duration: 1, max_stored_resolution: 'SD', tracks: [], renditions: ['360p'] });
    expect(await sweepStuckAssets({ ...ctx, now: later(13 * 3600) })).toEqual({
      checked: 0,
      redispatched: [],
      errored: [],
    });
  });
});

describe('task-stopped handler', () => {
  it('reads the ECS event detail and retries the task', async () => {
    const handler = createTaskStoppedHandler(() => ctx);
    await handler({
      version: '0',
      id: 'e1',
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '1',
      time: '2025-01-01T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { ...stopped(), clusterArn: 'arn:cluster', group: 'family:x' },
    });
    expect(runner.jobs).toHaveLength(1);
  });
});

describe('taskStopped for chunk tasks', () => {
  const source: SourceProbe = { durationSeconds: 36, video: { width: 640, height: 360, fps: 30 } };
  let chunks: InMemoryChunkLedger;
  const chunkStopped = (index: number, taskArn: string, exitCode = 137) => {
    const task = stopped({ taskArn, containers: [{ name: 'transcoder', exitCode }] });
    task.overrides?.containerOverrides[0]?.environment.push({ name: 'CHUNK_INDEX', value: String(index) });
    return task;
  };

  beforeEach(async () => {
    chunks = new InMemoryChunkLedger();
    const plan = { chunks: planChunks(36, { segmentSeconds: 6, workers: 3 }), ladder: planLadder(source), source };
    await chunks.recordPlan('asset1', { ...plan, timeOffsetSeconds: 1 });
    await chunks.recordChunkJob('asset1', 1, 'task/chunk1');
    await chunks.recordChunkJob('asset1', 2, 'task/chunk2');
  });

  it('re-runs only the dead chunk, with its own attempts, leaving the asset’s job alone', async () => {
    const result = await taskStopped(chunkStopped(2, 'task/chunk2'), { ...ctx, chunks });
    expect(result).toEqual({ outcome: 'retried', assetId: 'asset1', attempt: 2 });
    expect(runner.jobs).toEqual([
      {
        assetId: 'asset1',
        source: { bucket: 'ingest', key: 'uploads/upload1' },
        outputBucket: 'out',
        chunk: { index: 2 },
      },
    ]);
    expect((await chunks.get('asset1'))?.jobs).toEqual({ 1: 'task/chunk1', 2: 'task/asset1/1' });
    expect(media.assets.get('asset1')?.jobId).toBe('task/first');
    expect(attempts.attempts.get('asset1')).toBeUndefined();
  });

  it('starts one re-run however often the same stop arrives, and ignores a stale one', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => taskStopped(chunkStopped(1, 'task/chunk1'), { ...ctx, chunks })),
    );
    expect(outcomes.filter((o) => o.outcome === 'retried')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'stale_event')).toHaveLength(3);
    expect(runner.jobs).toHaveLength(1);
  });

  it('does not re-run a chunk that was counted done (its task died after finishing it)', async () => {
    await chunks.completeChunk('asset1', 1);
    expect((await taskStopped(chunkStopped(1, 'task/chunk1'), { ...ctx, chunks })).outcome).toBe('succeeded');
    expect(runner.jobs).toHaveLength(0);
  });

  it('re-runs the last chunk when its task died writing the playlists (all chunks done, asset preparing)', async () => {
    for (const i of [0, 1, 2]) await chunks.completeChunk('asset1', i);
    expect((await taskStopped(chunkStopped(2, 'task/chunk2'), { ...ctx, chunks })).outcome).toBe('retried');
    expect(runner.jobs.map((j) => j.chunk)).toEqual([{ index: 2 }]);
  });

  it('marks the asset errored when one chunk used up its attempts', async () => {
    let taskArn = 'task/chunk1';
    for (const attempt of [2, 3]) {
      expect(await taskStopped(chunkStopped(1, taskArn), { ...ctx, chunks })).toMatchObject({ attempt });
      taskArn = (await chunks.get('asset1'))?.jobs[1] as string;
    }
    expect((await taskStopped(chunkStopped(1, taskArn, 1), { ...ctx, chunks })).outcome).toBe('marked_errored');
    expect((await media.getAsset('asset1'))?.errors).toEqual({
      type: 'transcode_failed',
      messages: [
        'Chunk 1 failed 3 time(s), the most allowed. The last attempt: the transcoder exited with code 1: Essential container in task exited',
      ],
    });
  });

  it('changes nothing for a chunk task that exited 0, or an asset no longer preparing', async () => {
    expect((await taskStopped(chunkStopped(1, 'task/chunk1', 0), { ...ctx, chunks })).outcome).toBe('succeeded');
    await media.markErrored('asset1', { type: 'invalid_input', messages: ['bad'] });
    expect((await taskStopped(chunkStopped(1, 'task/chunk1'), { ...ctx, chunks })).outcome).toBe('already_final');
    expect(runner.jobs).toHaveLength(0);
  });
});
