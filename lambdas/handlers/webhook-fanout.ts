/**
 * Second consumer of the media table's stream: queues each upload/asset event once per webhook endpoint of its
 * environment. Delivery happens elsewhere (webhook-deliver.ts), so a slow receiver never holds up the stream.
 * On a failure it reports that record and stops; the stream retries from there.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoWebhookRepository } from '../core/adapters/dynamo-webhooks.js';
import { mediaChangeOf } from '../core/adapters/media-stream.js';
import { SqsWebhookQueue } from '../core/adapters/sqs-webhook-queue.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import type { WebhookQueue, WebhookRepository } from '../core/ports.js';
import { fanOutChange } from '../core/usecases/webhooks.js';

export function createWebhookFanoutHandler(deps: () => { webhooks: WebhookRepository; queue: WebhookQueue }) {
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    if (context) logger.addContext(context);
    for (const record of event.Records) {
      const change = mediaChangeOf(record);
      if (!change) continue;
      const id = (change.after ?? change.before)?.id;
      try {
        await withKeys(change.kind === 'asset' ? { assetId: id } : { uploadId: id }, async () => {
          const queued = await fanOutChange(change, deps());
          if (queued > 0) logger.info('Queued webhooks', { queued });
        });
      } catch (err) {
        logger.error('Queueing webhooks failed; the stream will retry from this record', { error: err as Error });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

export const handler = createWebhookFanoutHandler(
  once(() => {
    const env = envFor('webhookFanout');
    return {
      webhooks: new DynamoWebhookRepository(documentClient(), env.WEBHOOKS_TABLE),
      queue: new SqsWebhookQueue(new SQSClient({}), env.WEBHOOK_QUEUE_URL),
    };
  }),
);
