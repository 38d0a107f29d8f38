import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TranscodeJob, TranscodeRunner } from '../ports.js';

/** A queue's name: the last part of its URL (a trailing slash aside), as of its ARN. */
export const queueNameOf = (queueUrl: string): string => queueUrl.replace(/\/+$/, '').split('/').pop() ?? '';

/**
 * Starts a transcode (or one chunk of it) by putting the job on the work queue, where a running worker takes it
 * within its long poll (containers/transcoder/src/worker.ts); the message id is the job id. The queue's visibility
 * timeout re-delivers the job of a worker that dies, and its dead-letter queue takes a job that failed three times.
 * Chunk jobs go on `chunkQueueUrl` where there is one (the transcode function's: its own event source, so chunks
 * never take every sandbox from the uploads' first jobs), else on the work queue with the rest.
 */
export class SqsWorkQueueRunner implements TranscodeRunner {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly chunkQueueUrl: string = queueUrl,
  ) {}

  async start(job: TranscodeJob): Promise<{ jobId: string }> {
    const queueUrl = job.chunk ? this.chunkQueueUrl : this.queueUrl;
    const { MessageId } = await this.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }),
    );
    if (!MessageId) throw new Error(`The work queue did not accept the job of asset ${job.assetId}`);
    return { jobId: MessageId };
  }
}
