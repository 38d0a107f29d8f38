/**
 * The fan-out, run by the first job of a long source (the only one that has probed it). Its cost does not grow with
 * the source's length: it probes over the source's presigned URL (headers and the first seconds, by Range), records
 * the chunk plan on the asset (guarded: a retried first job reuses the recorded one), queues every further chunk at
 * once through the TranscodeRunner and, meanwhile, encodes chunk 0 itself with fast start. Every chunk (this one
 * included) encodes its own audio slice and cuts its own stills and preview frames from its one decode; the job whose
 * chunk completes the set finishes the asset (chunk-publish.ts).
 *
 * The job graph (queue workers; chunk tasks alike, with RunTask for the queue):
 * - transcode job (first, from ingest): reads the source's headers and first seconds (probe, decode check; plus
 *   quality fit windows or a loudness pass if asked) and one small range at each candidate boundary (the keyframe
 *   lookup, at most 96, so the later boundaries sit where the chunks' seeks are cheap); writes the chunk plan (asset
 *   item), one message per chunk ≥ 1, chunk 0's files (below) with the playable mark as its first segments land.
 * - chunk job i (from the work queue): reads its byte range of the source (presigned URL)
 *   and the plan; writes its segments of every rung under their final names, its stills (`thumbnails/NNNN.jpg`, the
 *   whole source's numbering), its preview sheets (from its own first sheet), `.chunks/NNNN.json` (segments, sizes,
 *   still and preview-frame counts), then adds i to the ledger (`chunks_done`, counted once).
 * - the chunk job whose count completes the set also: reads every manifest and the stills; writes every rendition's
 *   VOD playlist, the master (measured bit rates), the storyboard sprite and VTT, `preview/index.json`, marks the
 *   asset ready, then the static renditions and removes `.chunks/`.
 */
import {
  alignToKeyframes,
  type Chunk,
  type ChunkPlanRecord,
  chunksWithin,
  chunkTimeOffset,
  FIRST_CHUNK,
  keyframeProbeTimes,
  planChunks,
  seekLeadSeconds,
  seeksByIndex,
  videoRunsToEnd,
} from '../../../../lambdas/core/domain/chunks.js';
import { type Chunking, chunkTaskJob } from '../job.js';
import { type PreparedSource, refusedFirst } from '../source.js';
import { inParallel } from '../storage.js';
import { countChunk, encodeAndPublishChunk } from './chunk-publish.js';
import type { Outcome, StrategyContext } from './context.js';

/** Chunk jobs queued at once (each a SendMessage or RunTask, then a write to the ledger). */
const QUEUE_CONCURRENCY = 16;

/** Whether the deployment may fan a source out: then the first job plans it over its URL, without downloading it. */
export const mayFanOut = (chunking: Chunking) => chunking.workers !== 'process' && chunking.maxChunks >= 2;

/** The chunks a source is fanned out into, or undefined when it is encoded in a single pass. */
export function fanOutChunks(
  chunking: Chunking,
  source: PreparedSource,
  maxChunkSeconds?: number,
): Chunk[] | undefined {
  if (!mayFanOut(chunking) || !source.plan.video) return undefined;
  // Chunk tasks do not fetch watermark images (their plan names this task's local files): one pass encodes them.
  if (source.plan.video.overlays?.length) return undefined;
  // A chunk could not seek to its start in a file without an index (domain/chunks.ts).
  if (!seeksByIndex(source.probe)) return undefined;
  // A chunk past the video's end would have no segments to write (domain/chunks.ts `videoRunsToEnd`).
  if (!videoRunsToEnd(source.probe, source.plan, source.plan.window?.startSeconds)) return undefined;
  const chunks = planChunks(source.probe.durationSeconds, {
    segmentSeconds: source.plan.segmentSeconds,
    ...(source.plan.firstSegmentSeconds && { firstSegmentSeconds: source.plan.firstSegmentSeconds }),
    // As many chunks as workers, and more where one would be longer than its runtime takes on (a function's).
    workers: Math.max(
      chunking.maxChunks,
      maxChunkSeconds === undefined
        ? 0
        : chunksWithin(source.probe.durationSeconds, source.plan.segmentSeconds, maxChunkSeconds),
    ),
    minChunkSeconds: chunking.minChunkSeconds,
    ...(chunking.firstChunkSegments && { firstChunkSegments: chunking.firstChunkSegments }),
  });
  return chunks.length > 1 ? chunks : undefined;
}

/**
 * The chunks of a plan already recorded for the asset (a retried first job), where the deployment chunks at all: it
 * is resumed even where this version would not chunk the source (a plan recorded by another version), since its
 * chunk jobs are queued and would otherwise write beside a single pass.
 */
export async function recordedChunks(ctx: StrategyContext): Promise<Chunk[] | undefined> {
  if (!mayFanOut(ctx.job.chunking)) return undefined;
  return (await ctx.deps.chunks.get(ctx.job.assetId))?.plan.chunks;
}

export async function chunkFanOut(ctx: StrategyContext, source: PreparedSource, chunks: Chunk[]): Promise<Outcome> {
  const { job, logger } = ctx;
  const ledger = ctx.deps.chunks;
  logger.info('Encoding in chunks', { chunks: chunks.length });
  const resumed = await ledger.get(job.assetId);
  if (resumed)
    logger.info('Resuming the recorded chunk plan', { chunks: resumed.plan.chunks.length, done: resumed.done });
  const plan: ChunkPlanRecord = resumed?.plan ?? {
    chunks,
    ladder: source.plan,
    source: source.probe,
    timeOffsetSeconds: chunkTimeOffset(source.plan.video?.fps ?? 30),
  };
  // Chunk 0 starts encoding at once, beside the probe's decode check: the plan is recorded, the other chunks are
  // queued and anything of chunk 0 is published only once the check has passed (a file that does not decode leaves
  // nothing behind but chunk 0's scratch files).
  // Meanwhile the later boundaries move to where the source's keyframes make the chunks' seeks cheap (chunk 0 and
  // chunk 1's start stay put, so chunk 0 encodes as planned).
  const aligned = resumed ? Promise.resolve(plan) : alignedPlan(ctx, source, plan);
  const recorded = Promise.all([source.decodes, aligned]).then(async ([, plan]) => {
    if (resumed) return resumed;
    await ledger.recordPlan(job.assetId, plan);
    logger.info('Recorded the chunk plan', { chunks: plan.chunks.length });
    const state = await ledger.get(job.assetId);
    if (!state) throw new Error('The chunk plan was recorded but cannot be read back');
    return state;
  });
  const queue = recorded.then(({ plan, done, jobs }) => {
    const later = plan.chunks.filter((c) => c.index !== FIRST_CHUNK && !done.includes(c.index) && !jobs[c.index]);
    return inParallel(later, QUEUE_CONCURRENCY, async (chunk) => {
      const { jobId } = await ctx.deps.runner().start(chunkTaskJob(job, chunk.index));
      await ledger.recordChunkJob(job.assetId, chunk.index, jobId);
    });
  });
  const first = resumed?.done.includes(FIRST_CHUNK)
    ? Promise.resolve()
    : encodeAndPublishChunk(ctx, plan, FIRST_CHUNK, { sourceFile: source.file, publishAfter: recorded });
  const [queued, encoded] = await Promise.allSettled([queue, first]);
  // The decode check's refusal first: it is why a file that does not decode failed anything else.
  const failed = [queued, encoded].find((r) => r.status === 'rejected');
  if (failed) await refusedFirst(source.decodes, () => Promise.reject(failed.reason));
  logger.info('Queued the chunks', { chunks: queued.status === 'fulfilled' ? queued.value.length : 0 });
  return countChunk(ctx, (await recorded).plan, FIRST_CHUNK);
}

/** The plan with its later boundaries on the source's keyframes (domain/chunks.ts `alignToKeyframes`). */
async function alignedPlan(
  ctx: StrategyContext,
  source: PreparedSource,
  plan: ChunkPlanRecord,
): Promise<ChunkPlanRecord> {
  const { durationSeconds } = source.probe;
  const times = keyframeProbeTimes(plan.chunks, plan.ladder, durationSeconds);
  if (times.length === 0) return plan;
  const origin = (source.probe.startSeconds ?? 0) + (plan.ladder.window?.startSeconds ?? 0);
  // A file that does not decode is refused whatever its keyframes: its lookups stop there rather than run on.
  const stop = new AbortController();
  source.decodes.catch(() => stop.abort());
  const lead = seekLeadSeconds(source.probe);
  const keyframes = await ctx.deps.keyframes(source.file, times, origin, lead, stop.signal);
  const keyframe = (t: number) => keyframes.get(t);
  const chunks = alignToKeyframes(plan.chunks, plan.ladder, durationSeconds, keyframe, ctx.job.handoffAfterSeconds);
  const moved = chunks.filter((c, i) => c.firstSegment !== plan.chunks[i]?.firstSegment);
  ctx.logger.info('Looked up the keyframes at the chunk boundaries', {
    asked: times.length,
    found: keyframes.size,
    moved: moved.map((c) => c.startSeconds),
  });
  return { ...plan, chunks };
}
