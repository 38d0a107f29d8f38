/**
 * Chunk-task fan-out, run by the first task of a long source (the only one that has probed it): cut the audio once
 * into per-chunk slices, record the chunk plan on the asset (guarded: a retried first task reuses the recorded one),
 * start one task per further chunk through the TranscodeRunner, and encode chunk 0 itself with fast start, beside
 * the whole source's stills, storyboard and preview frames (one more decode). The task whose chunk completes the set finishes the
 * asset (chunk-publish.ts).
 */
import { join } from 'node:path';
import {
  type Chunk,
  type ChunkPlanRecord,
  chunkAudioFile,
  chunkTimeOffset,
  FIRST_CHUNK,
  planChunks,
} from '../../../../lambdas/core/domain/chunks.js';
import { type Chunking, chunkTaskJob } from '../job.js';
import { planPreviews } from '../preview-frames.js';
import type { PreparedSource } from '../source.js';
import { inParallel } from '../storage.js';
import { countChunk, encodeAndPublishChunk, UPLOAD_CONCURRENCY, workKey } from './chunk-publish.js';
import type { Outcome, StrategyContext } from './context.js';

/** The chunks a source is fanned out into, or undefined when it is encoded in a single pass. */
export function fanOutChunks(chunking: Chunking, source: PreparedSource): Chunk[] | undefined {
  if (chunking.workers !== 'tasks' || chunking.maxChunks < 2 || !source.plan.video) return undefined;
  // Chunk tasks do not fetch watermark images (their plan names this task's local files): one pass encodes them.
  if (source.plan.video.overlays?.length) return undefined;
  const chunks = planChunks(source.probe.durationSeconds, {
    segmentSeconds: source.plan.segmentSeconds,
    workers: chunking.maxChunks,
    minChunkSeconds: chunking.minChunkSeconds,
  });
  return chunks.length > 1 ? chunks : undefined;
}

export async function chunkFanOut(ctx: StrategyContext, source: PreparedSource, chunks: Chunk[]): Promise<Outcome> {
  const { job, logger } = ctx;
  const ledger = ctx.deps.chunks;
  logger.info('Encoding in chunk tasks', { chunks: chunks.length });
  let state = await ledger.get(job.assetId);
  if (!state) {
    await recordPlan(ctx, source, chunks);
    state = await ledger.get(job.assetId);
    if (!state) throw new Error('The chunk plan was recorded but cannot be read back');
  } else {
    logger.info('Resuming the recorded chunk plan', { chunks: state.plan.chunks.length, done: state.done });
  }
  const { plan } = state;
  for (const chunk of plan.chunks) {
    if (chunk.index === FIRST_CHUNK || state.done.includes(chunk.index) || state.jobs[chunk.index]) continue;
    const { jobId } = await ctx.deps.runner().start(chunkTaskJob(job, chunk.index));
    await ledger.recordChunkJob(job.assetId, chunk.index, jobId);
    logger.info('Started a chunk task', { chunk: chunk.index, jobId });
  }
  if (!state.done.includes(FIRST_CHUNK)) {
    // The whole source's stills, storyboard and preview frames are cut beside chunk 0 and published with it.
    const { images } = source;
    const previews = planPreviews(source.probe, ctx.workDir);
    const side = { ...(images && { images }), ...(previews && { previews }) };
    await encodeAndPublishChunk(ctx, plan, FIRST_CHUNK, { sourceFile: source.file, side });
  }
  return countChunk(ctx, plan, FIRST_CHUNK);
}

/** Cuts and uploads the audio slices, then records the plan: a chunk task that can read the plan finds its slice. */
async function recordPlan(ctx: StrategyContext, source: PreparedSource, chunks: Chunk[]): Promise<void> {
  const { job, deps } = ctx;
  const { plan } = source;
  const record: ChunkPlanRecord = {
    chunks,
    ladder: plan,
    source: source.probe,
    timeOffsetSeconds: chunkTimeOffset(plan.video?.fps ?? 30),
  };
  if (plan.audio) {
    const slices = await deps.chunkEncoders.audioSlices(source.file, plan, chunks, join(ctx.workDir, 'audio'));
    await inParallel(chunks, UPLOAD_CONCURRENCY, (chunk) =>
      ctx.storage.putFile(
        job.outputBucket,
        workKey(job.assetId, chunkAudioFile(chunk.index)),
        slices[chunk.index] ?? '',
      ),
    );
  }
  await deps.chunks.recordPlan(job.assetId, record);
  ctx.logger.info('Recorded the chunk plan', { chunks: chunks.length });
}
