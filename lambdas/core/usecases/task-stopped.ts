import { z } from 'zod';
import { TransitionError } from '../domain/errors.js';
import type { MediaError } from '../domain/media.js';
import { ENV } from '../env.js';
import type { ChunkLedger, MediaRepository, TranscodeAttempts, TranscodeRunner } from '../ports.js';
import { type ClaimTime, claimHold, transcodeJobFor } from './ingest.js';

/** Attempts a transcode gets (the first dispatch included) before its asset is marked errored. */
export const MAX_TRANSCODE_ATTEMPTS = 3;

/** The parts of an ECS "Task State Change" event's detail this use case reads (the event has many more). */
export const TaskStateChange = z.object({
  taskArn: z.string().optional(),
  lastStatus: z.string(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  containers: z
    .array(z.object({ name: z.string(), exitCode: z.number().optional(), reason: z.string().optional() }))
    .default([]),
  overrides: z
    .object({
      containerOverrides: z
        .array(
          z.object({
            name: z.string(),
            environment: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
          }),
        )
        .default([]),
    })
    .optional(),
});
export type TaskStateChange = z.output<typeof TaskStateChange>;

export type TaskStoppedOutcome =
  | 'not_a_transcode' // not stopped yet, or a task that carries no asset id
  | 'succeeded' // the transcoder exited 0 and has recorded the result itself
  | 'retried' // the task died; the next attempt was started
  | 'marked_errored' // the task died and the attempts are used up
  | 'stale_event' // a duplicate event, or one about an attempt that is no longer the asset's current one
  | 'already_final'; // the asset had left `preparing` (the transcoder recorded its own, better, error)

export interface RetryContext extends ClaimTime {
  media: MediaRepository;
  attempts: TranscodeAttempts;
  runner: TranscodeRunner;
  outputBucket: string;
  /** The chunk bookkeeping, for stops of chunk tasks (needed only where chunks run as tasks). */
  chunks?: ChunkLedger;
  /** @default MAX_TRANSCODE_ATTEMPTS (per asset for whole jobs, per chunk for chunk tasks) */
  maxAttempts?: number;
}

/**
 * The safety net for transcoder tasks that die without recording an outcome (never started, stopped, killed for
 * memory, crashed): a stopped task whose container did not exit 0 is retried while the asset's attempts last,
 * then its asset is marked errored with the reason. Duplicate and out-of-date events change nothing.
 */
export async function taskStopped(
  task: TaskStateChange,
  ctx: RetryContext,
): Promise<{ outcome: TaskStoppedOutcome; assetId?: string; attempt?: number }> {
  const override = task.overrides?.containerOverrides.find((o) => o.environment.some((e) => e.name === ENV.ASSET_ID));
  const assetId = override?.environment.find((e) => e.name === ENV.ASSET_ID)?.value;
  if (task.lastStatus !== 'STOPPED' || !override || !assetId) return { outcome: 'not_a_transcode' };

  const container = task.containers.find((c) => c.name === override.name);
  if (container?.exitCode === 0) return { outcome: 'succeeded', assetId };
  const chunk = override.environment.find((e) => e.name === ENV.CHUNK_INDEX)?.value;
  if (chunk !== undefined && task.taskArn) {
    const result = await retryChunkOrFail(assetId, Number(chunk), task.taskArn, failureReason(task, container), ctx);
    return { ...result, assetId };
  }
  const result = await retryOrFail(assetId, task.taskArn, failureReason(task, container), ctx);
  return { ...result, assetId };
}

/**
 * A chunk task that died: only its chunk runs again (same plan, same segment names), with its own attempts, so the
 * other chunks' work stands. A chunk already counted done is not re-run (its task died after finishing, e.g. while
 * writing the playlists: the retried task of another chunk, or the sweeper's whole-job retry, finishes the asset).
 */
async function retryChunkOrFail(
  assetId: string,
  index: number,
  failedJobId: string,
  reason: string,
  ctx: RetryContext,
): Promise<{ outcome: Exclude<TaskStoppedOutcome, 'not_a_transcode'>; attempt?: number }> {
  if (!ctx.chunks) throw new Error(`Chunk task ${failedJobId} stopped, but no chunk ledger is configured`);
  const asset = await ctx.media.getAsset(assetId);
  if (asset?.status !== 'preparing') return { outcome: 'already_final' };
  const claim = await ctx.chunks.claimChunkRetry(
    assetId,
    index,
    failedJobId,
    ctx.maxAttempts ?? MAX_TRANSCODE_ATTEMPTS,
  );
  if ('refused' in claim) {
    if (claim.refused === 'done') return { outcome: 'succeeded' };
    if (claim.refused === 'not_current') return { outcome: 'stale_event' };
    return markFailed(assetId, `Chunk ${index} failed ${claim.attempts} time(s), the most allowed`, reason, ctx);
  }
  const { jobId } = await ctx.runner.start({ ...transcodeJobFor(asset, ctx.outputBucket), chunk: { index } });
  await ctx.chunks.recordChunkJob(assetId, index, jobId);
  return { outcome: 'retried', attempt: claim.attempt };
}

async function markFailed(
  assetId: string,
  summary: string,
  reason: string,
  ctx: RetryContext,
): Promise<{ outcome: 'marked_errored' | 'already_final' }> {
  const error: MediaError = { type: 'transcode_failed', messages: [`${summary}. The last attempt: ${reason}`] };
  try {
    await ctx.media.markErrored(assetId, error);
    return { outcome: 'marked_errored' };
  } catch (err) {
    if (err instanceof TransitionError) return { outcome: 'already_final' };
    throw err;
  }
}

/**
 * Starts the next attempt of an asset whose attempt `failedJobId` failed (undefined: a dispatch that never
 * recorded a job), or marks it errored when the attempts are used up. Shared by the task-stopped handler and the
 * sweeper. Throws (so the event is retried) when the runner refuses the job; the claim is released first.
 */
export async function retryOrFail(
  assetId: string,
  failedJobId: string | undefined,
  reason: string,
  ctx: RetryContext,
): Promise<{ outcome: Exclude<TaskStoppedOutcome, 'not_a_transcode' | 'succeeded'>; attempt?: number }> {
  const asset = await ctx.media.getAsset(assetId);
  if (asset?.status !== 'preparing') return { outcome: 'already_final' };
  const max = ctx.maxAttempts ?? MAX_TRANSCODE_ATTEMPTS;
  const claim = await ctx.attempts.claimRetry(assetId, failedJobId, max, claimHold(ctx));
  if ('refused' in claim) {
    if (claim.refused === 'not_current') return { outcome: 'stale_event' };
    return markFailed(assetId, `The transcode failed ${claim.attempts} time(s), the most allowed`, reason, ctx);
  }
  let jobId: string;
  try {
    ({ jobId } = await ctx.runner.start(transcodeJobFor(asset, ctx.outputBucket)));
  } catch (err) {
    await ctx.media.releaseDispatch(assetId);
    throw err;
  }
  await ctx.media.recordJob(assetId, jobId);
  return { outcome: 'retried', attempt: claim.attempt };
}

function failureReason(task: TaskStateChange, container: TaskStateChange['containers'][number] | undefined): string {
  const details = [container?.reason, task.stoppedReason].filter(Boolean).join('; ');
  const why = details ? `: ${details}` : '';
  if (container?.exitCode !== undefined) return `the transcoder exited with code ${container.exitCode}${why}`;
  return `the transcoding task stopped before the transcoder ran (${task.stopCode ?? 'unknown stop code'})${why}`;
}
