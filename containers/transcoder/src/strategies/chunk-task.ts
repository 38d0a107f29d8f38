/**
 * A chunk task (CHUNK_INDEX ≥ 1), started by the fan-out: encode its chunk of the plan recorded on the asset and
 * publish it, count it, and finish the asset if its count completes the set. A chunk already counted (a task re-run
 * after it published) is not encoded again.
 */
import { join } from 'node:path';
import { countChunk, encodeAndPublishChunk } from './chunk-publish.js';
import type { Outcome, StrategyContext } from './context.js';

export async function chunkTask(ctx: StrategyContext, index: number): Promise<Outcome> {
  const { job } = ctx;
  const state = await ctx.deps.chunks.get(job.assetId);
  if (!state) throw new Error(`Asset ${job.assetId} has no chunk plan`);
  if (!state.plan.chunks.some((c) => c.index === index)) throw new Error(`The chunk plan has no chunk ${index}`);
  if (!state.done.includes(index)) {
    const sourceFile = join(ctx.workDir, 'source');
    await ctx.storage.download(job.source.bucket, job.source.key, sourceFile, job.source);
    await encodeAndPublishChunk(ctx, state.plan, index, { sourceFile });
  }
  return countChunk(ctx, state.plan, index);
}
