/** Scheduled (EventBridge): moves direct uploads whose URL expired without a file to `timed_out`. */
import type { Context } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { MediaRepository } from '../core/ports.js';
import { timeOutUploads } from '../core/usecases/uploads.js';

export function createUploadTimeoutsHandler(deps: () => { media: MediaRepository }) {
  return async (_event: unknown, context?: Context): Promise<{ timedOut: string[] }> => {
    if (context) logger.addContext(context);
    const timedOut = await timeOutUploads(deps());
    if (timedOut.length > 0) logger.info('Timed out uploads', { count: timedOut.length, uploadIds: timedOut });
    return { timedOut };
  };
}

export const handler = createUploadTimeoutsHandler(
  once(() => ({ media: new DynamoMediaRepository(documentClient(), envFor('uploadTimeouts').MEDIA_TABLE) })),
);
