/**
 * Mux's `video_quality`, as data the encoder arguments read (ffmpeg/args.ts `videoArgs`):
 *
 * - `basic`: today's ladder, constrained bit rate at each rung's target (domain/ladder.ts), x264 `veryfast`.
 * - `plus`: per-title. A complexity pass encodes a few sampled seconds at low resolution and constant quality; from
 *   the bytes it took, each rung gets the CRF whose predicted bit rate is the rung's `basic` target, kept between a
 *   quality ceiling (no more bits once it looks transparent) and a quality floor. The rung's VBV cap stays, so
 *   complex content spends up to the cap (never less quality than `basic`) and simple content far less.
 * - `premium`: the same fit aiming higher: lower CRFs, caps raised by half, x264 `medium`.
 *
 * The fitted plan is what every encoder reads, and what a chunked transcode records for its chunk tasks, so every
 * chunk of an asset is encoded with the same settings.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  h264Level,
  type LadderPlan,
  type SourceProbe,
  type VideoRung,
  type X264Preset,
} from '../../../../lambdas/core/domain/ladder.js';
import type { VideoQuality } from '../../../../lambdas/core/domain/media.js';
import { inputArgs, QUIET } from '../ffmpeg/args.js';
import { ffmpegLimits, runFfmpeg } from '../ffmpeg/run.js';

export interface QualityTier {
  preset: X264Preset;
  /** The CRFs a rung may get: `best` for content that is cheap at any quality, `worst` as the quality floor. */
  crf: { best: number; worst: number };
  /** The rungs' `basic` targets and caps are scaled by this (the budget the fit aims at). */
  budgetFactor: number;
}

/** The tiers fitted to the content; `basic` is absent: the ladder as planned. */
export const QUALITY_TIERS: Record<Exclude<VideoQuality, 'basic'>, QualityTier> = {
  plus: { preset: 'veryfast', crf: { best: 20, worst: 23 }, budgetFactor: 1 },
  premium: { preset: 'medium', crf: { best: 17, worst: 21 }, budgetFactor: 1.5 },
};

/** The complexity pass: this many windows of this length, spread over the source, encoded at this size and CRF. */
export const COMPLEXITY_PASS = { windows: 3, windowSeconds: 2, height: 360, crf: 23, preset: 'veryfast' } as const;

/** What the complexity pass measured: the sample's bit rate at COMPLEXITY_PASS.crf, and its frame size. */
export interface Complexity {
  kbps: number;
  width: number;
  height: number;
}

/**
 * x264's bit rate roughly doubles for every 6 CRF steps down, and grows with frame area to about the power 0.75
 * (larger frames are smoother per pixel): the two rules the fit predicts a rung's bit rate with.
 */
const CRF_STEPS_PER_DOUBLING = 6;
const AREA_EXPONENT = 0.75;

/** `plan` with each rung's CRF and cap fitted to `complexity` for `tier` (pure). */
export function fitPlan(plan: LadderPlan, tier: QualityTier, complexity: Complexity): LadderPlan {
  const { video } = plan;
  if (!video) return plan;
  const rungs = video.rungs.map((rung): VideoRung => {
    const area = (rung.width * rung.height) / (complexity.width * complexity.height);
    const predictedKbps = Math.max(1, complexity.kbps * area ** AREA_EXPONENT);
    const budgetKbps = rung.videoKbps * tier.budgetFactor;
    const ideal = COMPLEXITY_PASS.crf - CRF_STEPS_PER_DOUBLING * Math.log2(budgetKbps / predictedKbps);
    const crf = Math.round(Math.min(tier.crf.worst, Math.max(tier.crf.best, ideal)) * 10) / 10;
    const maxrateKbps = Math.round(rung.maxrateKbps * tier.budgetFactor);
    const bufsizeKbps = Math.round(rung.bufsizeKbps * tier.budgetFactor);
    const level = h264Level(rung.width, rung.height, video.fps, maxrateKbps, bufsizeKbps);
    return { ...rung, videoKbps: Math.round(budgetKbps), maxrateKbps, bufsizeKbps, level, crf };
  });
  return { ...plan, video: { ...video, preset: tier.preset, rungs } };
}

/** Where the complexity pass samples a source of `durationSeconds`: the whole of a short one, else spread windows. */
export function sampleWindows(durationSeconds: number): { start: number; seconds: number }[] {
  const { windows, windowSeconds } = COMPLEXITY_PASS;
  if (durationSeconds <= windows * windowSeconds) return [{ start: 0, seconds: durationSeconds }];
  // Window k is centred at (2k + 1) / (2 × windows) of the source: away from the very start and end.
  return Array.from({ length: windows }, (_, k) => ({
    start: Math.max(0, ((2 * k + 1) / (2 * windows)) * durationSeconds - windowSeconds / 2),
    seconds: windowSeconds,
  }));
}

/**
 * The complexity pass's command line: the windows, joined, scaled down, encoded at constant quality to `out`; a clip
 * (options/clip.ts) is sampled within its window, from `startSeconds`.
 */
export function complexityArgs(
  input: string,
  durationSeconds: number,
  fps: number,
  out: string,
  startSeconds = 0,
): string[] {
  const windows = sampleWindows(durationSeconds);
  const inputs = windows.flatMap((w) =>
    inputArgs(input, ['-ss', String(startSeconds + w.start), '-t', String(w.seconds)]),
  );
  const joined = windows.map((_, i) => `[${i}:v:0]`).join('');
  const graph = `${joined}concat=n=${windows.length}:v=1:a=0,fps=${fps},scale=-2:${COMPLEXITY_PASS.height},format=yuv420p[v]`;
  return [
    ...QUIET,
    ...inputs,
    ...['-filter_complex', graph, '-map', '[v]'],
    ...['-c:v', 'libx264', '-preset', COMPLEXITY_PASS.preset, '-crf', String(COMPLEXITY_PASS.crf)],
    // The ladder's keyframe interval (2 s at most), so the sample pays for keyframes as the rungs will.
    ...['-g', String(Math.round(fps * 2)), '-f', 'h264', out],
  ];
}

/** Runs the complexity pass on `input` (in `workDir`). */
export async function measureComplexity(
  input: string,
  probe: SourceProbe,
  workDir: string,
  startSeconds = 0,
): Promise<Complexity> {
  const video = probe.video;
  if (!video) throw new Error('The complexity pass needs a video stream');
  await mkdir(workDir, { recursive: true });
  const out = join(workDir, 'complexity.h264');
  const fps = Math.min(video.fps || 30, 60);
  const seconds = sampleWindows(probe.durationSeconds).reduce((sum, w) => sum + w.seconds, 0);
  await runFfmpeg(complexityArgs(input, probe.durationSeconds, fps, out, startSeconds), ffmpegLimits(seconds));
  const { size } = await stat(out);
  const height = COMPLEXITY_PASS.height;
  const width = Math.round((video.width * height) / video.height / 2) * 2;
  return { kbps: (size * 8) / 1000 / seconds, width, height };
}

/** `plan` encoded at `quality`: as planned for `basic` (or audio only), else fitted by a complexity pass. */
export async function fitQuality(
  input: string,
  probe: SourceProbe,
  plan: LadderPlan,
  quality: VideoQuality = 'basic',
  workDir: string,
): Promise<{ plan: LadderPlan; complexity?: Complexity }> {
  if (quality === 'basic' || !plan.video) return { plan };
  const complexity = await measureComplexity(input, probe, workDir, plan.window?.startSeconds);
  return { plan: fitPlan(plan, QUALITY_TIERS[quality], complexity), complexity };
}
