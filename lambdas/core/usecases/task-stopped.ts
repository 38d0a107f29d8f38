import { z } from 'zod';
import { TransitionError } from '../domain/errors.js';
import { ENV } from '../env.js';
import type { MediaRepository } from '../ports.js';

/** The parts of an ECS "Task State Change" event's detail this use case reads (the event has many more). */
export const TaskStateChange = z.object({
  lastStatus: z.string(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  containers: z
    .array(z.object({ name: z.string(), exitCode: z.number().optional(), reason: z.string().optional() }))
    .default([]),
  overrides: z
    .object({
      containerOverrides: z
        .array(
          z.object({
            name: z.string(),
            environment: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
          }),
        )
        .default([]),
    })
    .optional(),
});
export type TaskStateChange = z.output<typeof TaskStateChange>;

export type TaskStoppedOutcome =
  | 'not_a_transcode' // not stopped yet, or a task that carries no asset id
  | 'succeeded' // the transcoder exited 0 and has recorded the result itself
  | 'marked_errored'
  | 'already_final'; // the asset had left `preparing` (the transcoder recorded its own, better, error)

/**
 * The safety net for transcoder tasks that die without recording an outcome (never started, killed for memory,
 * crashed): a stopped task whose container did not exit 0 marks its asset errored if it is still preparing.
 */
export async function taskStopped(
  task: TaskStateChange,
  ctx: { media: MediaRepository },
): Promise<{ outcome: TaskStoppedOutcome; assetId?: string }> {
  const override = task.overrides?.containerOverrides.find((o) => o.environment.some((e) => e.name === ENV.ASSET_ID));
  const assetId = override?.environment.find((e) => e.name === ENV.ASSET_ID)?.value;
  if (task.lastStatus !== 'STOPPED' || !override || !assetId) return { outcome: 'not_a_transcode' };

  const container = task.containers.find((c) => c.name === override.name);
  if (container?.exitCode === 0) return { outcome: 'succeeded', assetId };
  try {
    await ctx.media.markErrored(assetId, { type: 'transcode_failed', messages: [failureReason(task, container)] });
    return { outcome: 'marked_errored', assetId };
  } catch (err) {
    if (err instanceof TransitionError) return { outcome: 'already_final', assetId };
    throw err;
  }
}

function failureReason(task: TaskStateChange, container: TaskStateChange['containers'][number] | undefined): string {
  const details = [container?.reason, task.stoppedReason].filter(Boolean).join('; ');
  const why = details ? `: ${details}` : '';
  if (container?.exitCode !== undefined) return `The transcoder exited with code ${container.exitCode}${why}`;
  return `The transcoding task stopped before the transcoder ran (${task.stopCode ?? 'unknown stop code'})${why}`;
}
