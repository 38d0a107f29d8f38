/** The steps before any strategy: fetch the source, probe it, refuse what is out of bounds, plan the outputs. */
import { join } from 'node:path';
import { type LadderPlan, planLadder, renditionNames, type SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import { checkSource } from '../../../lambdas/core/domain/source-policy.js';
import { type ImagePlan, planImages } from '../../../lambdas/core/domain/thumbnails.js';
import { normalizeLoudness } from './options/audio.js';
import { fitQuality } from './options/quality.js';
import type { StrategyContext } from './strategies/context.js';

/** A probed and planned source, on local disk. */
export interface PreparedSource {
  file: string;
  probe: SourceProbe;
  plan: LadderPlan;
  /** Stills and storyboard to cut (video sources only). */
  images?: ImagePlan;
}

/** Throws InvalidInputError when the source is not usable media or is out of bounds. */
export async function prepareSource(ctx: StrategyContext): Promise<PreparedSource> {
  const { job, deps, logger } = ctx;
  const file = join(ctx.workDir, 'source');
  await ctx.storage.download(job.source.bucket, job.source.key, file, job.source);
  const probe = await deps.probe(file);
  checkSource(probe); // refuses 8K, sliver-thin pictures, over-long files before any encoding
  const planned = planLadder(probe, { maxResolutionTier: job.options.maxResolutionTier });
  // video_quality: plus and premium fit the rungs to the content with a quick complexity pass (options/quality.ts).
  const quality = job.options.videoQuality;
  const fitted = await fitQuality(file, probe, planned, quality, join(ctx.workDir, 'complexity'));
  const { complexity } = fitted;
  // normalize_audio: EBU R128 loudness, measured first (options/audio.ts).
  const plan = await normalizeLoudness(file, fitted.plan, job.options.normalizeAudio);
  logger.info('Planned the ladder', { source: probe, renditions: renditionNames(plan), quality, complexity });
  const images = probe.video && planImages(probe.durationSeconds, probe.video);
  return { file, probe, plan, ...(images && { images }) };
}
