/**
 * SQS consumer of the work queue's dead-letter queue: each message is a transcode or chunk job that failed on every
 * receive; its asset is marked errored (usecases/work-dead-letters.ts). Records are handled on their own and a
 * failed one is retried (batch item failures); a message that is not a job is logged and dropped.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import type { MediaRepository } from '../core/ports.js';
import { DeadJob, failDeadJob } from '../core/usecases/work-dead-letters.js';
import { eachRecord } from './sqs-batch.js';

export function createWorkDeadLettersHandler(deps: () => { media: MediaRepository }) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    return eachRecord(
      event.Records,
      async (record) => {
        const parsed = DeadJob.safeParse(parseJson(record.body));
        if (!parsed.success) {
          // Nothing names an asset to settle: retrying it would only loop in this queue.
          logger.error('A dead-lettered message is not a transcode job', { messageId: record.messageId });
          return;
        }
        const job = parsed.data;
        const outcome = await failDeadJob(job, deps().media);
        await withKeys({ assetId: job.assetId }, async () => {
          logger.warn('A transcode job was dead-lettered', { outcome, chunk: job.chunk?.index });
        });
      },
      (record, err) =>
        logger.error('Could not settle a dead job', { messageId: record.messageId, error: err as Error }),
    );
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const handler = createWorkDeadLettersHandler(
  once(() => ({ media: new DynamoMediaRepository(documentClient(), envFor('workDeadLetters').MEDIA_TABLE) })),
);
