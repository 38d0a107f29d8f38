/**
 * What sources the platform accepts, checked on the probe before any encoding: a clear refusal beats an hour of
 * ffmpeg on something no viewer can use. Pure: no I/O. The limits follow Mux's documented input limits where it
 * has them (up to 4K, at most 12 hours) and ffmpeg's where it does not (a picture too narrow to scale).
 */
import { InvalidInputError } from './errors.js';
import type { SourceProbe } from './ladder.js';

export const SOURCE_LIMITS = {
  /** The long side of the picture: 4K (4096x2160 cinema, 3840x2160 UHD). 8K is refused. */
  maxLongSide: 4096,
  /** The short side: the ladder's smallest rendition is 360p, and encoders need a few macroblocks. */
  minShortSide: 16,
  /** Mux limits on-demand assets to 12 hours. */
  maxDurationSeconds: 12 * 60 * 60,
  /** Frame rates above this are refused (the ladder encodes at most 60). */
  maxFps: 240,
} as const;

/** Throws InvalidInputError, with a message that names the limit, for a source outside the limits. */
export function checkSource(source: SourceProbe, limits = SOURCE_LIMITS): void {
  if (source.durationSeconds > limits.maxDurationSeconds) {
    throw new InvalidInputError(
      `The file is ${hours(source.durationSeconds)} long; the longest accepted is ${hours(limits.maxDurationSeconds)}`,
    );
  }
  const video = source.video;
  if (!video) return;
  const long = Math.max(video.width, video.height);
  const short = Math.min(video.width, video.height);
  if (long > limits.maxLongSide) {
    throw new InvalidInputError(
      `The video is ${video.width}x${video.height}; the largest accepted is ${limits.maxLongSide} pixels on the long side (4K)`,
    );
  }
  if (short < limits.minShortSide) {
    throw new InvalidInputError(
      `The video is ${video.width}x${video.height}; each side must be at least ${limits.minShortSide} pixels`,
    );
  }
  if (video.fps > limits.maxFps) {
    throw new InvalidInputError(
      `The video runs at ${video.fps} frames per second; the most accepted is ${limits.maxFps}`,
    );
  }
}

const hours = (seconds: number) => `${(seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 1)} hours`;
