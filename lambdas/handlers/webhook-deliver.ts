/**
 * Consumer of the webhook queue: POSTs each message's event to its endpoint, signed. A failed attempt is retried
 * with exponential backoff — the message's visibility timeout is set to the delay and the record reported as a
 * batch item failure — until the queue's redrive policy moves it to the dead-letter queue.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoWebhookRepository } from '../core/adapters/dynamo-webhooks.js';
import { HttpWebhookSender } from '../core/adapters/http-webhook-sender.js';
import { SqsWebhookQueue } from '../core/adapters/sqs-webhook-queue.js';
import { retryDelaySeconds } from '../core/domain/webhook-signature.js';
import { envFor, optional } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { WebhookQueue, WebhookRepository, WebhookSender } from '../core/ports.js';
import { deliverWebhook } from '../core/usecases/webhooks.js';

const WebhookJobMessage = z.object({
  endpoint_id: z.string().min(1),
  env: z.string().min(1),
  event: z.looseObject({ id: z.string(), type: z.string() }),
});

export interface DeliverDeps {
  webhooks: WebhookRepository;
  sender: WebhookSender;
  queue: WebhookQueue;
  /** Delay before the second attempt; each later one doubles it. */
  retryBaseSeconds: number;
}

export function createWebhookDeliverHandler(deps: () => DeliverDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    const results = await Promise.all(event.Records.map((record) => deliverRecord(record, deps())));
    return {
      batchItemFailures: event.Records.filter((_, i) => !results[i]).map((r) => ({ itemIdentifier: r.messageId })),
    };
  };
}

/** True when the record is done with (delivered, or never deliverable); false to have it retried. */
async function deliverRecord(record: SQSRecord, deps: DeliverDeps): Promise<boolean> {
  let message: z.output<typeof WebhookJobMessage>;
  try {
    message = WebhookJobMessage.parse(JSON.parse(record.body));
  } catch (err) {
    logger.error('Dropping a malformed webhook message', { messageId: record.messageId, error: err as Error });
    return true;
  }
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  // Records are delivered concurrently, so their keys go on each line rather than on the shared logger.
  const keys = { webhookEndpoint: message.endpoint_id, eventId: message.event.id, type: message.event.type, attempt };
  try {
    const outcome = await deliverWebhook(message, attempt, deps);
    if (outcome !== 'failed') {
      logger.info('Webhook done', { ...keys, outcome });
      return true;
    }
  } catch (err) {
    logger.error('Webhook attempt could not run', { ...keys, error: err as Error });
  }
  const delay = retryDelaySeconds(attempt, deps.retryBaseSeconds);
  logger.warn('Webhook failed; retrying later', { ...keys, delaySeconds: delay });
  await deps.queue.retryLater(record.receiptHandle, delay).catch((err: Error) => {
    logger.error('Could not postpone the retry; it comes after the visibility timeout', { ...keys, error: err });
  });
  return false;
}

export const handler = createWebhookDeliverHandler(
  once(() => {
    const env = envFor('webhookDeliver');
    return {
      webhooks: new DynamoWebhookRepository(documentClient(), env.WEBHOOKS_TABLE),
      sender: new HttpWebhookSender({ allowLoopback: optional('ALLOW_LOOPBACK_URLS') === 'true' }),
      queue: new SqsWebhookQueue(new SQSClient({}), env.WEBHOOK_QUEUE_URL),
      retryBaseSeconds: Number(env.WEBHOOK_RETRY_BASE_SECONDS),
    };
  }),
);
