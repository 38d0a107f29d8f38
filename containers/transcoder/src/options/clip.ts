/**
 * Clips and test mode: the part of the source an asset is made from (domain/clips.ts `encodeWindow`: a clip's
 * `start_time`…`end_time`, test mode's first 10 seconds). The window is data in the plan (`LadderPlan.window`); every
 * encode that reads the source seeks to its start and reads exactly its length (ffmpeg/args.ts
 * `wholeSourceInputArgs`), so the probe's duration, the ladder, the images and the chunks all describe the clip.
 *
 * Accuracy: `-ss` before `-i` on a decoded input seeks to the keyframe before the start and drops the decoded frames
 * before it (ffmpeg's accurate seek), so the clip's first frame is the first source frame at or after `start_time`;
 * the rungs' frames are trimmed at the clip's length from there (ffmpeg/filter-graph.ts: `-t` alone counts from the
 * first frame kept), so its last is the last one before `end_time`: frame-accurate for video, sample-accurate for
 * audio. A source whose
 * timestamps are broken (no index, negative or jumping times) seeks as precisely as its timestamps allow.
 */
import { encodeWindow } from '../../../../lambdas/core/domain/clips.js';
import { InvalidInputError } from '../../../../lambdas/core/domain/errors.js';
import type { SourceProbe } from '../../../../lambdas/core/domain/ladder.js';
import type { AssetOptions } from '../job.js';

/** What a windowed asset is planned from: the probe with the window's length, and the window's start. */
export interface WindowedSource {
  probe: SourceProbe;
  window?: { startSeconds: number };
}

/**
 * The source as the asset sees it: the window's part of `probe` when the asset is a clip or a test asset (throws
 * InvalidInputError when the window starts past the source's end), otherwise `probe` as it is.
 */
export function windowSource(probe: SourceProbe, options: Pick<AssetOptions, 'clip' | 'test'>): WindowedSource {
  const window = encodeWindow(options.clip, options.test === true);
  if (!window) return { probe };
  const start = window.startSeconds;
  if (start >= probe.durationSeconds) {
    throw new InvalidInputError(
      `The clip starts at ${start} s, at or past the end of its source (${probe.durationSeconds} s)`,
    );
  }
  const end = Math.min(window.endSeconds ?? probe.durationSeconds, probe.durationSeconds);
  return { probe: { ...probe, durationSeconds: end - start }, window: { startSeconds: start } };
}
