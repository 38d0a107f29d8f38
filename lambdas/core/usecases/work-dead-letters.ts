/**
 * A transcode or chunk job the work queue gave up on: it failed (or its worker died) on every receive the queue
 * allows, and SQS moved it to the dead-letter queue. Its asset is marked errored with why, unless it already left
 * `preparing` (another job of it, or the transcoder itself, settled it). This replaces, for queue workers, what the
 * task-stopped function does for tasks: the queue's visibility timeout re-runs a dead job, its receive limit bounds
 * the attempts.
 */
import { z } from 'zod';
import { TransitionError } from '../domain/errors.js';
import type { MediaError } from '../domain/media.js';
import type { MediaRepository } from '../ports.js';

/** Receives of a job before SQS moves it to the dead-letter queue (the queue's redrive policy). */
export const WORK_MAX_RECEIVES = 3;

/** The fields of a TranscodeJob this use case reads (the message carries the whole job). */
export const DeadJob = z.object({
  assetId: z.string().min(1),
  chunk: z.object({ index: z.number().int().nonnegative() }).optional(),
});
export type DeadJob = z.output<typeof DeadJob>;

export async function failDeadJob(job: DeadJob, media: MediaRepository): Promise<'marked_errored' | 'already_final'> {
  const what = job.chunk ? `Chunk ${job.chunk.index} of the transcode` : 'The transcode';
  const error: MediaError = {
    type: 'transcode_failed',
    messages: [`${what} failed ${WORK_MAX_RECEIVES} time(s), the most allowed (its worker failed or stopped)`],
  };
  try {
    await media.markErrored(job.assetId, error);
    return 'marked_errored';
  } catch (err) {
    if (err instanceof TransitionError) return 'already_final';
    throw err;
  }
}
