import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { MediaRepository } from '../../lambdas/core/ports.js';
import { createWorkDeadLettersHandler } from '../../lambdas/handlers/work-dead-letters.js';

const event = (...bodies: string[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) }) as unknown as SQSEvent;

describe('the work queue’s dead-letter function', () => {
  it('marks the asset of a dead chunk job errored, naming the chunk and the receives', async () => {
    const markErrored = vi.fn(async () => {});
    const handler = createWorkDeadLettersHandler(() => ({ media: { markErrored } as unknown as MediaRepository }));
    const job = { assetId: 'a1', source: { bucket: 'b', key: 'uploads/u1' }, outputBucket: 'o', chunk: { index: 2 } };
    expect(await handler(event(JSON.stringify(job)))).toEqual({ batchItemFailures: [] });
    expect(markErrored).toHaveBeenCalledWith('a1', {
      type: 'transcode_failed',
      messages: ['Chunk 2 of the transcode failed 3 time(s), the most allowed (its worker failed or stopped)'],
    });
  });

  it('leaves an asset that already left preparing as it is, drops a message that is no job, retries a failed write', async () => {
    const markErrored = vi
      .fn()
      .mockRejectedValueOnce(new TransitionError('asset', 'a1', 'errored', ['preparing']))
      .mockRejectedValueOnce(new Error('DynamoDB is down'));
    const handler = createWorkDeadLettersHandler(() => ({ media: { markErrored } as unknown as MediaRepository }));
    const result = await handler(event(JSON.stringify({ assetId: 'a1' }), JSON.stringify({ assetId: 'a2' }), '{}'));
    // a1: already final, and '{}' names no asset (both deleted from the queue); a2: DynamoDB failed (retried).
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(markErrored).toHaveBeenCalledTimes(2);
  });
});
