/**
 * Mux's `normalize_audio`: the audio's loudness normalised to EBU R128 (integrated -23 LUFS, true peak at most
 * -1 dBTP), in two passes. The first measures the whole source (ffmpeg's `loudnorm` in analysis mode, audio only:
 * no video is decoded); the second is the plan's audio filter, `loudnorm` given the measurements so it can apply one
 * linear gain (no pumping) wherever the source's range allows, which every encoder of the asset runs (the ladder's
 * rungs, a chunked transcode's audio). One pass without measurements would have to adapt its gain as it goes.
 */
import type { LadderPlan } from '../../../../lambdas/core/domain/ladder.js';
import { wholeSourceInputArgs } from '../ffmpeg/args.js';
import { ffmpegLimits, runFfmpegCapturing } from '../ffmpeg/run.js';

/** EBU R128's target: integrated loudness (LUFS), the true-peak ceiling (dBTP), and the loudness range kept (LU). */
export const LOUDNESS_TARGET = { integrated: -23, truePeak: -1, range: 11 } as const;

/** What the first pass measured (loudnorm's own names, as it prints them). */
export interface LoudnessMeasurement {
  input_i: string;
  input_tp: string;
  input_lra: string;
  input_thresh: string;
}

const TARGET = `I=${LOUDNESS_TARGET.integrated}:TP=${LOUDNESS_TARGET.truePeak}:LRA=${LOUDNESS_TARGET.range}`;

/**
 * The first pass: measure the source's first audio stream, up to its probed length (`sourceSeconds`); the JSON is
 * printed on stderr at `info` level.
 */
export function loudnessMeasureArgs(input: string, sourceSeconds: number, window?: LadderPlan['window']): string[] {
  return [
    ...['-hide_banner', '-nostats', '-loglevel', 'info', ...wholeSourceInputArgs(input, sourceSeconds, window)],
    ...['-vn', '-sn', '-map', '0:a:0', '-filter:a', `loudnorm=${TARGET}:print_format=json`, '-f', 'null', '-'],
  ];
}

/** The measurements in the first pass's output (the last JSON object it printed). */
export function parseLoudness(stderr: string): LoudnessMeasurement {
  const json = /\{[^{}]*"input_i"[^{}]*\}/.exec(stderr)?.[0];
  if (!json) throw new Error('loudnorm printed no measurement');
  const m = JSON.parse(json) as Partial<LoudnessMeasurement>;
  const fields = ['input_i', 'input_tp', 'input_lra', 'input_thresh'] as const;
  // Silence measures -inf: there is nothing to normalise, and loudnorm refuses it as a measured value.
  if (fields.some((f) => !Number.isFinite(Number(m[f])))) throw new Error(`loudnorm measured ${json}`);
  return m as LoudnessMeasurement;
}

/** The second pass's filter: the target, the measurements, one linear gain where the source allows. */
export function loudnormFilter(m: LoudnessMeasurement): string {
  return (
    `loudnorm=${TARGET}:measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}:` +
    `measured_thresh=${m.input_thresh}:linear=true`
  );
}

/** `plan` with its audio normalised when `normalize` is set (a plan without audio, or silent audio, is kept). */
export async function normalizeLoudness(input: string, plan: LadderPlan, normalize = false): Promise<LadderPlan> {
  if (!normalize || !plan.audio) return plan;
  const stderr = await runFfmpegCapturing(
    loudnessMeasureArgs(input, plan.sourceSeconds, plan.window),
    ffmpegLimits(plan.sourceSeconds),
  );
  let measured: LoudnessMeasurement;
  try {
    measured = parseLoudness(stderr);
  } catch {
    return plan; // silent: no gain can bring it to the target, and none is needed
  }
  return { ...plan, audio: { ...plan.audio, filter: loudnormFilter(measured) } };
}
