/**
 * A chunk task or chunk job (CHUNK_INDEX ≥ 1), started by the fan-out: encode its chunk of the plan recorded on the
 * asset (its ladder, its own audio slice, its stills and preview frames, from one read of its byte range) and publish
 * it, count it, and finish the asset if its count completes the set. A chunk already counted (a task re-run after it
 * published) is not encoded again. The source is read through a presigned URL, so ffmpeg fetches only the chunk's
 * byte range (from the seek point to the chunk's end), never the whole file; where the store cannot serve the pinned
 * source that way (storage.ts `presignedGet`), the chunk downloads it, checked against the pin.
 */
import { openSource } from '../source.js';
import { countChunk, encodeAndPublishChunk } from './chunk-publish.js';
import type { Outcome, StrategyContext } from './context.js';

export async function chunkTask(ctx: StrategyContext, index: number): Promise<Outcome> {
  const { job } = ctx;
  const state = await ctx.deps.chunks.get(job.assetId);
  if (!state) throw new Error(`Asset ${job.assetId} has no chunk plan`);
  if (!state.plan.chunks.some((c) => c.index === index)) throw new Error(`The chunk plan has no chunk ${index}`);
  if (!state.done.includes(index)) {
    await encodeAndPublishChunk(ctx, state.plan, index, { sourceFile: await openSource(ctx, true) });
  }
  return countChunk(ctx, state.plan, index);
}
