import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookJob, WebhookQueue } from '../ports.js';
import { SqsRedelivery } from './sqs-redelivery.js';

/**
 * The webhook queue, FIFO: one message per (event, endpoint), grouped by the job's order key, so SQS hands out a
 * group's next message only once the one before it is deleted. A retry is a longer visibility timeout, which keeps
 * the group waiting behind it. The deduplication id (endpoint and stream event) makes a re-run fan-out a no-op.
 */
export class SqsWebhookQueue implements WebhookQueue {
  private readonly redelivery: SqsRedelivery;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.redelivery = new SqsRedelivery(sqs, queueUrl);
  }

  async enqueue(jobs: WebhookJob[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      const batch = jobs.slice(i, i + 10);
      const { Failed = [] } = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((job, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(job),
            MessageGroupId: job.order_key,
            MessageDeduplicationId: `${job.endpoint_id}:${job.event.id}`,
          })),
        }),
      );
      if (Failed.length > 0) {
        throw new Error(`Could not queue ${Failed.length} webhook(s): ${Failed[0]?.Code} ${Failed[0]?.Message ?? ''}`);
      }
    }
  }

  retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    return this.redelivery.after(receiptHandle, delaySeconds);
  }
}
