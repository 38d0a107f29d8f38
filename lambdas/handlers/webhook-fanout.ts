/**
 * Second consumer of the media table's stream: queues each upload/asset event once per webhook endpoint of its
 * environment, with the environment's name (read from the tokens table, where environments are kept). Delivery
 * happens elsewhere (webhook-deliver.ts), so a slow receiver never holds up the stream.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { masterUrlSignerFromEnv } from '../core/adapters/cdn-signer.js';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoEnvironmentRepository } from '../core/adapters/dynamo-tokens.js';
import { DynamoWebhookRepository } from '../core/adapters/dynamo-webhooks.js';
import { mediaStreamConsumer } from '../core/adapters/media-stream.js';
import { SqsWebhookQueue } from '../core/adapters/sqs-webhook-queue.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { EnvironmentRepository, WebhookQueue, WebhookRepository } from '../core/ports.js';
import type { MasterUrlSigner } from '../core/usecases/master-urls.js';
import { fanOutChange } from '../core/usecases/webhooks.js';

export function createWebhookFanoutHandler(
  deps: () => {
    webhooks: WebhookRepository;
    queue: WebhookQueue;
    environments: Pick<EnvironmentRepository, 'get'>;
    masterUrl?: MasterUrlSigner;
  },
) {
  return mediaStreamConsumer(async (change) => {
    const queued = await fanOutChange(change, deps());
    if (queued > 0) logger.info('Queued webhooks', { queued });
  }, 'Queueing webhooks failed');
}

export const handler = createWebhookFanoutHandler(
  once(() => {
    const env = envFor('webhookFanout');
    const doc = documentClient();
    return {
      webhooks: new DynamoWebhookRepository(doc, env.WEBHOOKS_TABLE),
      queue: new SqsWebhookQueue(new SQSClient({}), env.WEBHOOK_QUEUE_URL),
      environments: new DynamoEnvironmentRepository(doc, env.TOKENS_TABLE),
      masterUrl: masterUrlSignerFromEnv(process.env),
    };
  }),
);
