/** The steps before any strategy: fetch the source, probe it, refuse what is out of bounds, plan the outputs. */
import { join } from 'node:path';
import { type LadderPlan, planLadder, renditionNames, type SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import { checkSource } from '../../../lambdas/core/domain/source-policy.js';
import { type ImagePlan, planImages } from '../../../lambdas/core/domain/thumbnails.js';
import { normalizeLoudness } from './options/audio.js';
import { windowSource } from './options/clip.js';
import { fitQuality } from './options/quality.js';
import { prepareOverlays } from './options/watermark.js';
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
  const probed = await deps.probe(file);
  checkSource(probed); // refuses 8K, sliver-thin pictures, over-long files before any encoding
  // A clip or a test asset is the window's part of the source, as data in the plan (options/clip.ts).
  const { probe, window } = windowSource(probed, job.options);
  const planned = {
    ...planLadder(probe, { maxResolutionTier: job.options.maxResolutionTier }),
    ...(window && { window }),
  };
  // video_quality: plus and premium fit the rungs to the content with a quick complexity pass (options/quality.ts).
  const quality = job.options.videoQuality;
  const fitted = await fitQuality(file, probe, planned, quality, join(ctx.workDir, 'complexity'));
  const { complexity } = fitted;
  // normalize_audio: EBU R128 loudness, measured first (options/audio.ts).
  const normalized = await normalizeLoudness(file, fitted.plan, job.options.normalizeAudio);
  // Watermarks and test mode's badge, placed on the picture before it is split into rungs (options/watermark.ts).
  const plan = await withOverlays(normalized, probe, ctx);
  logger.info('Planned the ladder', { source: probe, renditions: renditionNames(plan), quality, complexity });
  const images = probe.video && planImages(probe.durationSeconds, probe.video);
  return { file, probe, plan, ...(images && { images }) };
}

async function withOverlays(plan: LadderPlan, probe: SourceProbe, ctx: StrategyContext): Promise<LadderPlan> {
  const { overlays = [], test = false } = ctx.job.options;
  if (!plan.video || !probe.video || (overlays.length === 0 && !test)) return plan;
  const download = (bucket: string, key: string, file: string) => ctx.storage.download(bucket, key, file);
  const placed = await prepareOverlays(overlays, test, probe.video, ctx.workDir, download);
  return { ...plan, video: { ...plan.video, overlays: placed } };
}
