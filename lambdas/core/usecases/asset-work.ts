/**
 * Work the transcoder does on an asset that is already ready (alternate audio tracks added later, shot detection):
 * a task started through the same TranscodeRunner, in a mode that leaves the ladder alone. With MediaConvert as the
 * transcoder there is no task to run it, so such requests are refused in words rather than accepted and left
 * pending for ever.
 */
import { ValidationError } from '../domain/errors.js';
import type { AssetRecord } from '../domain/media.js';
import type { TranscodeJob, TranscodeRunner } from '../ports.js';

/** Which transcoder the deployment runs: the FFmpeg container (`fargate`) or MediaConvert. */
export type TranscoderKind = 'fargate' | 'mediaconvert';

/** TRANSCODER as a kind: `fargate` (tasks) and `queue` (queue workers) both run the FFmpeg container. */
export function transcoderKind(value: string): TranscoderKind {
  if (value === 'fargate' || value === 'queue') return 'fargate';
  if (value === 'mediaconvert') return 'mediaconvert';
  throw new Error(`TRANSCODER=${value} is not one of fargate, queue, mediaconvert`);
}

export interface AssetWorkContext {
  transcoder: TranscoderKind;
  /** Built on first use: most API requests start no task. */
  runner: () => TranscodeRunner;
  outputBucket: string;
}

/** Refuses `what` (a field or request, named in the message) when the deployment transcodes with MediaConvert. */
export function refuseUnderMediaConvert(transcoder: TranscoderKind, field: string, what: string): void {
  if (transcoder === 'mediaconvert') {
    throw new ValidationError([
      `${field}: ${what} is not supported by this deployment (it transcodes with MediaConvert, which runs no task on a ready asset)`,
    ]);
  }
}

/** Starts the transcoder on a ready asset in `mode`. */
export async function startAssetWork(
  asset: AssetRecord,
  mode: Extract<TranscodeJob['mode'], 'tracks' | 'shots'>,
  ctx: AssetWorkContext,
): Promise<void> {
  await ctx.runner().start({ assetId: asset.id, source: asset.source, outputBucket: ctx.outputBucket, mode });
}
