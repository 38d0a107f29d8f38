/**
 * Consumer of the input queue: fetches each asset's input URL into the ingest bucket and starts its transcode.
 * Reports partial batch failures, so a URL that is slow or down is retried without holding back the others.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoInputSlots } from '../core/adapters/dynamo-input-slots.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { HttpInputFetcher } from '../core/adapters/http-input-fetcher.js';
import { runnerFromEnv } from '../core/adapters/runner-from-env.js';
import { SqsRedelivery } from '../core/adapters/sqs-redelivery.js';
import { envFor, optional } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import type { Redelivery } from '../core/ports.js';
import { fetchInput } from '../core/usecases/url-inputs.js';
import { onDispatchFailure } from './dispatch-pending.js';
import { claimTimeOf } from './invocation.js';
import { eachRecord } from './sqs-batch.js';

const InputJobMessage = z.object({ assetId: z.string().min(1), url: z.string().min(1) });

type Deps = Parameters<typeof fetchInput>[1];

/** `redelivery`: the input queue's, so a delivery that finds the dispatch claim held comes back when it ends. */
export function createUrlFetchHandler(deps: () => Deps & { redelivery?: Redelivery }) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    return eachRecord(
      event.Records,
      (record) => fetchRecord(record, () => ({ ...deps(), ...claimTimeOf(context) })),
      onDispatchFailure(deps().redelivery, (record, err) =>
        logger.warn('Fetching the input failed; it will be retried', {
          messageId: record.messageId,
          error: err as Error,
        }),
      ),
    );
  };
}

/** Fetches one record's input; a malformed message is logged and dropped (a retry could not mend it). */
async function fetchRecord(record: SQSRecord, deps: () => Deps): Promise<void> {
  let job: z.output<typeof InputJobMessage>;
  try {
    job = InputJobMessage.parse(JSON.parse(record.body));
  } catch (err) {
    logger.error('Dropping a malformed input message', { messageId: record.messageId, error: err as Error });
    return;
  }
  await withKeys({ assetId: job.assetId }, async () => {
    const outcome = await fetchInput(job, deps());
    logger.info('Input handled', { outcome });
  });
}

export const handler = createUrlFetchHandler(
  once(() => {
    const env = envFor('urlFetch');
    return {
      media: new DynamoMediaRepository(documentClient(), env.MEDIA_TABLE),
      fetcher: new HttpInputFetcher(
        s3Client(),
        { allowLoopback: optional('ALLOW_LOOPBACK_URLS') === 'true' },
        { maxBytes: Number(env.MAX_UPLOAD_BYTES) },
      ),
      runner: runnerFromEnv(env.TRANSCODER),
      slots: new DynamoInputSlots(documentClient(), env.MEDIA_TABLE),
      outputBucket: env.OUTPUT_BUCKET,
      redelivery: new SqsRedelivery(new SQSClient({}), env.INPUT_QUEUE_URL),
    };
  }),
);
