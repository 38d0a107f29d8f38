/**
 * Consumer of the webhook queue (FIFO, one message group per endpoint and object): POSTs each message's event to
 * its endpoint, signed. A group's records are delivered one after another; when one fails, it and the rest of its
 * group in the batch are hidden for the backoff delay (the message's visibility timeout) and reported as batch item
 * failures, so they come back together and in order. Other groups carry on. After the queue's last receive a
 * message goes to the dead-letter queue.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoWebhookRepository } from '../core/adapters/dynamo-webhooks.js';
import { HttpWebhookSender, WEBHOOK_DEADLINE_MS } from '../core/adapters/http-webhook-sender.js';
import { SqsWebhookQueue } from '../core/adapters/sqs-webhook-queue.js';
import { type RetrySchedule, retryDelaySeconds } from '../core/domain/webhook-signature.js';
import { envFor, optional } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { WebhookQueue, WebhookRepository, WebhookSender } from '../core/ports.js';
import { deliverWebhook } from '../core/usecases/webhooks.js';
import { eachMessageGroup } from './sqs-batch.js';

const WebhookJobMessage = z.object({
  endpoint_id: z.string().min(1),
  env: z.string().min(1),
  order_key: z.string().min(1),
  event: z.looseObject({ id: z.string(), type: z.string() }),
});

/**
 * Time a record's attempt needs: the POST's deadline, its DynamoDB reads and writes, and the postponing after it.
 * A record reached with less left is not attempted but reported failed, so the function answers for every record
 * (a timeout would fail the whole batch, delivered records included).
 */
const ATTEMPT_RESERVE_MS = WEBHOOK_DEADLINE_MS + 3_000;

export interface DeliverDeps {
  webhooks: WebhookRepository;
  sender: WebhookSender;
  queue: WebhookQueue;
  retry: RetrySchedule;
}

export function createWebhookDeliverHandler(deps: () => DeliverDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    const current = deps();
    return eachMessageGroup(
      event.Records,
      async (record) => {
        if (context && context.getRemainingTimeInMillis() < ATTEMPT_RESERVE_MS) throw new OutOfTime();
        const delay = await deliverRecord(record, current);
        if (delay !== undefined) throw new RetryLater(delay);
      },
      async (held, err) => {
        if (err instanceof OutOfTime) logger.warn(err.message, { held: held.map((r) => r.messageId) });
        await postpone(held, err instanceof RetryLater ? err.seconds : undefined, current.queue);
      },
    );
  };
}

/** A delivery failed: its group waits `seconds` before the next attempt. */
class RetryLater extends Error {
  constructor(readonly seconds: number) {
    super(`Retry in ${seconds} s`);
  }
}

/** Too little of the function's time is left for another attempt: back after the queue's visibility timeout. */
class OutOfTime extends Error {
  constructor() {
    super('Too little time left for another delivery; the rest of the group comes back later');
  }
}

/** Hides the held records for the backoff delay (the message's visibility timeout), so they come back together. */
async function postpone(held: SQSRecord[], seconds: number | undefined, queue: WebhookQueue): Promise<void> {
  if (seconds === undefined) return; // not a delivery's failure: back after the queue's visibility timeout
  await Promise.all(
    held.map((r) =>
      queue.retryLater(r.receiptHandle, seconds).catch((err: Error) => {
        logger.error('Could not postpone the retry; it comes after the visibility timeout', {
          messageId: r.messageId,
          error: err,
        });
      }),
    ),
  );
}

/** Undefined when the record is done with (delivered, or never deliverable); else seconds until its next attempt. */
async function deliverRecord(record: SQSRecord, deps: DeliverDeps): Promise<number | undefined> {
  let message: z.output<typeof WebhookJobMessage>;
  try {
    message = WebhookJobMessage.parse(JSON.parse(record.body));
  } catch (err) {
    logger.error('Dropping a malformed webhook message', { messageId: record.messageId, error: err as Error });
    return undefined;
  }
  // Receives, including those spent waiting behind an earlier event of the same group (see the construct).
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  // Records are delivered concurrently, so their keys go on each line rather than on the shared logger.
  const keys = { webhookEndpoint: message.endpoint_id, eventId: message.event.id, type: message.event.type, attempt };
  try {
    const outcome = await deliverWebhook(message, attempt, deps);
    if (outcome !== 'failed') {
      logger.info('Webhook done', { ...keys, outcome });
      return undefined;
    }
  } catch (err) {
    logger.error('Webhook attempt could not run', { ...keys, error: err as Error });
  }
  const delay = retryDelaySeconds(attempt, deps.retry);
  logger.warn('Webhook failed; retrying later', { ...keys, delaySeconds: delay });
  return delay;
}

export const handler = createWebhookDeliverHandler(
  once(() => {
    const env = envFor('webhookDeliver');
    return {
      webhooks: new DynamoWebhookRepository(documentClient(), env.WEBHOOKS_TABLE),
      sender: new HttpWebhookSender({ allowLoopback: optional('ALLOW_LOOPBACK_URLS') === 'true' }),
      queue: new SqsWebhookQueue(new SQSClient({}), env.WEBHOOK_QUEUE_URL),
      retry: {
        baseSeconds: Number(env.WEBHOOK_RETRY_BASE_SECONDS),
        maxSeconds: Number(env.WEBHOOK_RETRY_MAX_SECONDS),
      },
    };
  }),
);
