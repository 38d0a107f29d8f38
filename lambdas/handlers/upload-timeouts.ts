/**
 * Scheduled (EventBridge): moves direct uploads whose URL expired without a file to `timed_out`, aborting the S3
 * multipart upload of one that had started.
 */
import type { Context } from 'aws-lambda';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { S3MultipartUploads } from '../core/adapters/s3-upload-urls.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { MediaRepository, MultipartUploads } from '../core/ports.js';
import { timeOutUploads } from '../core/usecases/uploads.js';

export function createUploadTimeoutsHandler(
  deps: () => { media: MediaRepository; multipart: Pick<MultipartUploads, 'abort'> },
) {
  return async (_event: unknown, context?: Context): Promise<{ timedOut: string[] }> => {
    if (context) logger.addContext(context);
    const timedOut = await timeOutUploads(deps());
    if (timedOut.length > 0) logger.info('Timed out uploads', { count: timedOut.length, uploadIds: timedOut });
    return { timedOut };
  };
}

export const handler = createUploadTimeoutsHandler(
  once(() => {
    const env = envFor('uploadTimeouts');
    return {
      media: new DynamoMediaRepository(documentClient(), env.MEDIA_TABLE),
      multipart: new S3MultipartUploads(s3Client(), env.INGEST_BUCKET),
    };
  }),
);
