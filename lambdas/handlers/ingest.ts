/**
 * SQS consumer of the ingest queue: each message is an S3 event notification for the ingest bucket. Every record is
 * parsed and ingested on its own; failed ones are reported as batch item failures (retried, then dead-lettered).
 */

import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoAssetSearch } from '../core/adapters/dynamo-asset-search.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { runnerFromEnv } from '../core/adapters/runner-from-env.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { withSearchIndex } from '../core/adapters/search-indexed-media.js';
import { SqsInputQueue } from '../core/adapters/sqs-input-queue.js';
import { SqsRedelivery } from '../core/adapters/sqs-redelivery.js';
import { uploadIdFromKey } from '../core/domain/layout.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import type { Redelivery } from '../core/ports.js';
import { assetIdForUpload, type IngestContext, ingestObject } from '../core/usecases/ingest.js';
import { parseOrThrow } from '../core/validation.js';
import { onDispatchFailure } from './dispatch-pending.js';
import { claimTimeOf } from './invocation.js';
import { eachRecord } from './sqs-batch.js';

/** An S3 event notification, or the `s3:TestEvent` S3 sends when the notification is configured. */
const S3Message = z.union([
  z.object({ Event: z.literal('s3:TestEvent') }),
  z.object({
    Records: z.array(
      z.object({
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string() }),
          object: z.object({
            key: z.string(),
            size: z.number().optional(),
            versionId: z.string().optional(),
            eTag: z.string().optional(),
          }),
        }),
      }),
    ),
  }),
]);

/** Keys in S3 notifications are URL-encoded with `+` for spaces. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/** `redelivery`: the ingest queue's, so a delivery that finds the dispatch claim held comes back when it ends. */
export function createIngestHandler(deps: () => IngestContext & { redelivery?: Redelivery }) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    return eachRecord(
      event.Records,
      (record) => ingestRecord(record, () => ({ ...deps(), ...claimTimeOf(context) })),
      onDispatchFailure(
        deps().redelivery,
        (record, err) =>
          logger.error('Ingest failed; the message will be retried', {
            messageId: record.messageId,
            error: err as Error,
          }),
        deps().now,
      ),
    );
  };
}

async function ingestRecord(record: SQSRecord, deps: () => IngestContext): Promise<void> {
  const message = parseOrThrow(S3Message, parseJson(record.body), 'message');
  if (!('Records' in message)) return; // s3:TestEvent
  for (const { eventName, s3 } of message.Records) {
    if (!eventName.startsWith('ObjectCreated:')) continue;
    const object = {
      bucket: s3.bucket.name,
      key: decodeKey(s3.object.key),
      size: s3.object.size,
      ...(s3.object.versionId && { versionId: s3.object.versionId }),
      ...(s3.object.eTag && { etag: s3.object.eTag }),
    };
    const uploadId = uploadIdFromKey(object.key);
    await withKeys({ uploadId, assetId: uploadId && assetIdForUpload(uploadId) }, async () => {
      const { outcome, jobId } = await ingestObject(object, deps());
      logger.info('Ingested', { outcome, jobId, key: object.key });
    });
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined; // rejected by the schema, with the message's id in the log
  }
}

export const handler = createIngestHandler(
  once(() => {
    const env = envFor('ingest');
    return {
      // Assets it creates enter the search index (GET /video/v1/assets?search=).
      media: withSearchIndex(
        new DynamoMediaRepository(documentClient(), env.MEDIA_TABLE),
        new DynamoAssetSearch(documentClient(), env.MEDIA_TABLE),
      ),
      runner: runnerFromEnv(env.TRANSCODER),
      ingestBucket: env.INGEST_BUCKET,
      outputBucket: env.OUTPUT_BUCKET,
      maxUploadBytes: Number(env.MAX_UPLOAD_BYTES),
      objects: new S3MediaObjects(s3Client()),
      // An upload whose settings name watermark images has them fetched there first.
      inputs: new SqsInputQueue(new SQSClient({}), env.INPUT_QUEUE_URL),
      redelivery: new SqsRedelivery(new SQSClient({}), env.INGEST_QUEUE_URL),
    };
  }),
);
