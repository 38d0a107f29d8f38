/** What an asset reports once ready, and the work done after it is: the same for every strategy. */
import { derivedId } from '../../../lambdas/core/domain/ids.js';
import {
  type LadderPlan,
  renditionNames,
  resolutionTier,
  type SourceProbe,
} from '../../../lambdas/core/domain/ladder.js';
import { aspectRatio, type ReadyPatch, storedResolution, type Track } from '../../../lambdas/core/domain/media.js';
import { writeMasterFromSource } from './asset-edits.js';
import { fromPlan, type OutputFiles, writeStaticRenditions } from './static-renditions.js';
import type { StrategyContext } from './strategies/context.js';

/** What the asset reports once ready (Mux's fields), from the source and the renditions actually stored. */
export function readyPatch(assetId: string, source: SourceProbe, plan: LadderPlan): ReadyPatch {
  const duration = source.durationSeconds;
  const top = plan.video?.rungs.at(-1);
  const frameRate = plan.video && Math.round(plan.video.fps * 1000) / 1000;
  const tracks: Track[] = [];
  if (top && frameRate) {
    const id = derivedId('video-track', assetId);
    tracks.push({
      id,
      type: 'video',
      max_width: top.width,
      max_height: top.height,
      max_frame_rate: frameRate,
      duration,
    });
  }
  if (plan.audio) {
    const id = derivedId('audio-track', assetId);
    tracks.push({ id, type: 'audio', max_channels: plan.audio.channels, duration, primary: true });
  }
  return {
    duration,
    // Classified by the short side, like the ladder: portrait 1080x1920 is FHD, not UHD.
    max_stored_resolution: storedResolution(top && Math.min(top.width, top.height)),
    ...(source.video && { aspect_ratio: aspectRatio(source.video.width, source.video.height) }),
    tracks,
    renditions: renditionNames(plan),
    resolution_tier: top ? resolutionTier(top.width, top.height) : 'audio-only',
    ...(frameRate && { max_stored_frame_rate: frameRate }),
    ...(source.file && { input_file: source.file }),
  };
}

/**
 * The MP4/M4A downloads the asset asked for, remuxed from its stored renditions once it is ready, then its master
 * MP4 when `master_access` is temporary, from `sourceFile` when the strategy still has the source on disk (never
 * rejects for a file: each outcome is recorded on the asset).
 */
export async function writeDownloads(
  ctx: StrategyContext,
  plan: LadderPlan,
  source: SourceProbe,
  files: OutputFiles,
  sourceFile?: string,
): Promise<void> {
  const { job, deps } = ctx;
  await writeStaticRenditions({
    ...{
      assetId: job.assetId,
      requested: job.options.staticRenditions,
      source: fromPlan(plan),
      durationSeconds: source.durationSeconds,
    },
    ...{ files, s3: deps.s3, bucket: job.outputBucket, workDir: ctx.workDir, store: deps.staticRenditions },
    logger: ctx.logger,
  });
  if (job.options.masterAccess === 'temporary' && job.handoffAfterSeconds !== undefined) {
    // In the transcode function the master (a copy of the whole source, which may not fit its /tmp or its 15
    // minutes) is its own job, which the function hands to the workers (main.ts HANDED_OFF_MODES).
    await deps
      .runner()
      .start({ assetId: job.assetId, source: job.source, outputBucket: job.outputBucket, mode: 'master' });
  } else if (job.options.masterAccess === 'temporary') {
    await writeMasterFromSource(
      ctx,
      sourceFile === undefined ? undefined : { file: sourceFile, inputFile: source.file },
    );
  }
}
