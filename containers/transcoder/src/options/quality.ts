/**
 * Mux's `video_quality`, as data the encoder arguments read (ffmpeg/args.ts `videoArgs`):
 *
 * - `basic`: today's ladder, constrained bit rate at each rung's target (domain/ladder.ts), x264 `veryfast`.
 * - `plus`: per-title. A complexity pass encodes a few sampled seconds at the top rung's size and constant quality;
 *   from the bytes it took, each rung gets the CRF predicted to spend a fraction (`aim`) of the rung's `basic`
 *   target, kept between a best CRF (only nearly still content is cheap enough to get it) and a quality floor.
 *   Content that would need more than the `basic` target even at the floor is capped at that target, so it never
 *   costs more than `basic` (and constant quality under that cap spends the bits better than `basic`'s one-pass ABR).
 * - `premium`: the same fit aiming higher: lower CRFs, caps raised by half, x264 `medium`.
 *
 * Both fitted tiers put one keyframe per segment instead of every 2 s: HLS players switch renditions and start
 * playing at segment starts, so the keyframes between them bought nothing but bytes, and on a still picture they
 * are most of the bytes (each one sends the whole picture again).
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
  /** The bit rate the fit aims each rung at, as a multiple of the rung's `basic` target. */
  aim: number;
  /** The rungs' `basic` VBV caps (max rate and buffer) are scaled by this. */
  capFactor: number;
  /**
   * Content predicted to need more than the rung's `basic` target at the floor CRF is capped just under that target
   * (HARD_CAP), so the tier never spends more than `basic` on it.
   */
  capAtBudget: boolean;
}

/** The tiers fitted to the content; `basic` is absent: the ladder as planned. */
export const QUALITY_TIERS: Record<Exclude<VideoQuality, 'basic'>, QualityTier> = {
  // CRF 4 is near lossless: on a still picture it is what matches `basic`, which spends its whole target on it.
  plus: { preset: 'veryfast', crf: { best: 4, worst: 23 }, aim: 0.5, capFactor: 1, capAtBudget: true },
  premium: { preset: 'medium', crf: { best: 2, worst: 21 }, aim: 1.5, capFactor: 1.5, capAtBudget: false },
};

/**
 * The cap for content capped at its budget: max rate 0.9 × the `basic` target, buffer 1 s of the target. The VBV
 * starts 90% full, so over the first seconds a capped encode may spend up to that buffer above its max rate; the
 * 10% margin keeps the whole under `basic`'s bytes from about 10 s of source on.
 */
export const HARD_CAP = { maxrateFactor: 0.9, bufferSeconds: 1 } as const;

/** The complexity pass: this many windows of this length, spread over the source, encoded at the top rung's size. */
export const COMPLEXITY_PASS = { windows: 3, windowSeconds: 2, crf: 23, preset: 'veryfast' } as const;

/** What the complexity pass measured: the sample's bit rate at COMPLEXITY_PASS.crf, and its frame size. */
export interface Complexity {
  kbps: number;
  width: number;
  height: number;
}

/**
 * x264's bit rate roughly doubles for every 6 CRF steps down, and grows with frame area to about the power 0.75
 * (larger frames are smoother per pixel): the two rules the fit predicts a rung's bit rate with. Neither holds at
 * the extremes (a still picture gains far less than ×2 per 6 steps near CRF 4), but there the CRF is clamped anyway.
 */
const CRF_STEPS_PER_DOUBLING = 6;
const AREA_EXPONENT = 0.75;

/** The bit rate `complexity` predicts for a `width`×`height` rung at `crf`. */
export function predictKbps(complexity: Complexity, width: number, height: number, crf: number): number {
  const area = (width * height) / (complexity.width * complexity.height);
  const atPassCrf = Math.max(1, complexity.kbps * area ** AREA_EXPONENT);
  return atPassCrf * 2 ** ((COMPLEXITY_PASS.crf - crf) / CRF_STEPS_PER_DOUBLING);
}

/** One rung's CRF and VBV cap for `tier` (pure). */
export function fitRung(rung: VideoRung, fps: number, tier: QualityTier, complexity: Complexity): VideoRung {
  const atPassCrf = predictKbps(complexity, rung.width, rung.height, COMPLEXITY_PASS.crf);
  const aimKbps = rung.videoKbps * tier.aim;
  const ideal = COMPLEXITY_PASS.crf - CRF_STEPS_PER_DOUBLING * Math.log2(aimKbps / atPassCrf);
  const crf = Math.round(Math.min(tier.crf.worst, Math.max(tier.crf.best, ideal)) * 10) / 10;
  const hard = tier.capAtBudget && predictKbps(complexity, rung.width, rung.height, tier.crf.worst) > rung.videoKbps;
  const maxrateKbps = Math.round(hard ? rung.videoKbps * HARD_CAP.maxrateFactor : rung.maxrateKbps * tier.capFactor);
  const bufsizeKbps = Math.round(hard ? rung.videoKbps * HARD_CAP.bufferSeconds : rung.bufsizeKbps * tier.capFactor);
  const level = h264Level(rung.width, rung.height, fps, maxrateKbps, bufsizeKbps);
  // The expected average (the provisional master's AVERAGE-BANDWIDTH until the measured one replaces it).
  const expectedKbps = Math.min(maxrateKbps, predictKbps(complexity, rung.width, rung.height, crf));
  return { ...rung, videoKbps: Math.round(expectedKbps), maxrateKbps, bufsizeKbps, level, crf };
}

/** `plan` with each rung's CRF and cap fitted to `complexity` for `tier`, one keyframe per segment (pure). */
export function fitPlan(plan: LadderPlan, tier: QualityTier, complexity: Complexity): LadderPlan {
  const { video } = plan;
  if (!video) return plan;
  const rungs = video.rungs.map((rung) => fitRung(rung, video.fps, tier, complexity));
  return { ...plan, keyframeSeconds: plan.segmentSeconds, video: { ...video, preset: tier.preset, rungs } };
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

/** The frame the complexity pass encodes at: the top rung's, where most of the ladder's bytes go. */
export interface PassFrame {
  width: number;
  height: number;
  fps: number;
  keyframeSeconds: number;
}

/**
 * The complexity pass's command line: the windows, joined, scaled to `frame`, encoded at constant quality to `out`.
 * Measured at the top rung's size, not smaller: scaling down averages grain and fine detail away, and the pass then
 * predicts a cheap source that the top rung finds expensive. A clip (options/clip.ts) is sampled within its window,
 * from `startSeconds`.
 */
export function complexityArgs(
  input: string,
  durationSeconds: number,
  frame: PassFrame,
  out: string,
  startSeconds = 0,
): string[] {
  const windows = sampleWindows(durationSeconds);
  const inputs = windows.flatMap((w) =>
    inputArgs(input, ['-ss', String(startSeconds + w.start), '-t', String(w.seconds)]),
  );
  const joined = windows.map((_, i) => `[${i}:v:0]`).join('');
  const scale = `scale=${frame.width}:${frame.height}`;
  const graph = `${joined}concat=n=${windows.length}:v=1:a=0,fps=${frame.fps},${scale},format=yuv420p[v]`;
  return [
    ...QUIET,
    ...inputs,
    ...['-filter_complex', graph, '-map', '[v]'],
    ...['-c:v', 'libx264', '-preset', COMPLEXITY_PASS.preset, '-crf', String(COMPLEXITY_PASS.crf)],
    // The fitted ladder's keyframe interval, so the sample pays for keyframes as the rungs will.
    ...['-g', String(Math.round(frame.fps * frame.keyframeSeconds)), '-f', 'h264', out],
  ];
}

/** Runs the complexity pass on `input` (in `workDir`) at the top rung of `plan`, within its clip window if any. */
export async function measureComplexity(
  input: string,
  probe: SourceProbe,
  plan: LadderPlan,
  workDir: string,
): Promise<Complexity> {
  const top = plan.video?.rungs.at(-1); // rungs go up in size
  if (!plan.video || !top) throw new Error('The complexity pass needs a video stream');
  await mkdir(workDir, { recursive: true });
  const out = join(workDir, 'complexity.h264');
  const frame = { width: top.width, height: top.height, fps: plan.video.fps, keyframeSeconds: plan.segmentSeconds };
  const seconds = sampleWindows(probe.durationSeconds).reduce((sum, w) => sum + w.seconds, 0);
  const startSeconds = plan.window?.startSeconds ?? 0;
  await runFfmpeg(complexityArgs(input, probe.durationSeconds, frame, out, startSeconds), ffmpegLimits(seconds));
  const { size } = await stat(out);
  return { kbps: (size * 8) / 1000 / seconds, width: top.width, height: top.height };
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
  const complexity = await measureComplexity(input, probe, plan, workDir);
  return { plan: fitPlan(plan, QUALITY_TIERS[quality], complexity), complexity };
}
