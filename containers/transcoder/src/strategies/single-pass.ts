/**
 * Single pass with fast start: one ffmpeg encodes the whole ladder (one decode feeds every rung, the stills, the
 * storyboard and the preview frames) while the publisher uploads each finished segment under its final name; once every rendition has its
 * first segment a provisional master is published and the asset marked playable. When ffmpeg is done the final
 * playlists are published, the master last.
 */
import { join } from 'node:path';
import { fillMissingStills, writeStoryboardVtt } from '../encode.js';
import { HLS_VERSION, STDIN_INPUT } from '../ffmpeg/args.js';
import { followFile } from '../follow-file.js';
import { finishPreviewFrames, logPreviews, planPreviews } from '../preview-frames.js';
import { ProgressivePublisher } from '../progressive.js';
import { readyPatch, writeDownloads } from '../ready.js';
import type { PreparedSource } from '../source.js';
import { localFiles } from '../static-renditions.js';
import type { Outcome, StrategyContext } from './context.js';

export async function singlePass(ctx: StrategyContext, source: PreparedSource): Promise<Outcome> {
  const { job, deps, logger } = ctx;
  const { plan, images } = source;
  const hlsDir = join(ctx.workDir, 'hls');
  const publisher = new ProgressivePublisher({
    storage: ctx.storage,
    bucket: job.outputBucket,
    assetId: job.assetId,
    dir: hlsDir,
    plan,
    hlsVersion: HLS_VERSION.fmp4,
    onPlayable: ctx.markPlayable,
  });
  // Frames for animated previews, from the ladder's decode (preview-frames.ts); listed outside the published folder.
  const previews = planPreviews(source.probe, ctx.workDir);
  publisher.start();
  // A source still downloading is fed to ffmpeg as it arrives (source.ts `localSource`); stopped if the encode fails.
  const { downloading } = source;
  let variants: Awaited<ReturnType<typeof deps.encode>>;
  try {
    variants = await deps.encode(downloading ? STDIN_INPUT : source.file, plan, hlsDir, {
      segmentType: 'fmp4',
      onProgress: progressLogger(ctx, source.probe.durationSeconds),
      ...(images && { images }),
      ...(previews && { previews }),
      ...(downloading && {
        feed: (stdin, exited) => followFile(source.file, downloading.written, stdin, { stop: exited }),
      }),
    });
    await downloading?.written; // all of it, for the downloads made from the file once ready
  } catch (error) {
    downloading?.abort();
    throw error;
  } finally {
    await publisher.stop();
  }
  if (images) {
    await writeStoryboardVtt(hlsDir, images, source.probe.durationSeconds);
    const filled = await fillMissingStills(hlsDir, images.count);
    if (filled > 0) logger.info('The video ends before the audio: its last stills repeat', { filled });
  }
  logPreviews(logger, await finishPreviewFrames(hlsDir, previews));
  logger.info('Encoded', { variants, publishedEarly: publisher.isPlayable });
  if (publisher.lastFailure) logger.warn('An early upload failed; publishing it now', publisher.lastFailure as Error);
  const keys = await publisher.finish();
  logger.info('Published', { objects: keys.length });
  return {
    ready: readyPatch(job.assetId, source.probe, plan),
    afterReady: () => writeDownloads(ctx, plan, source.probe, localFiles(hlsDir), source.file),
  };
}

/** Logs encoding progress every 10% of the source's duration. */
function progressLogger({ logger }: StrategyContext, durationSeconds: number): (seconds: number) => void {
  let logged = 0;
  return (seconds) => {
    const percent = Math.min(100, Math.floor((seconds / durationSeconds) * 10) * 10);
    if (percent <= logged) return;
    logged = percent;
    logger.info('Encoding', { percent });
  };
}
