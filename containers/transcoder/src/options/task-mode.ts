/**
 * What a transcoder task does (`TASK_MODE`): the whole transcode, or one piece of work on an asset that is already
 * ready. main.ts's TASKS table names each mode's handler; this module only reads the name (job.ts imports it, so it
 * imports no handler).
 */
import { ENV, optional } from '../../../../lambdas/core/env.js';
import type { TranscodeJob } from '../../../../lambdas/core/ports.js';

export type TaskMode = NonNullable<TranscodeJob['mode']>;

const TASK_MODES: readonly TaskMode[] = ['transcode', 'tracks', 'shots', 'static_renditions', 'master', 'subtitles'];

export function readTaskMode(env: NodeJS.ProcessEnv): TaskMode {
  const mode = optional('TASK_MODE', env) ?? 'transcode';
  const known = TASK_MODES.find((m) => m === mode);
  if (!known) {
    throw new Error(`${ENV.TASK_MODE} must be ${TASK_MODES.slice(1).join(', ')} (or unset), not "${mode}"`);
  }
  return known;
}
