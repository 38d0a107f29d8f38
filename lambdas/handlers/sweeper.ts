/**
 * Scheduled (EventBridge) sweep of assets stuck in `preparing`: a dispatch that died before recording its job is
 * retried within the attempts budget, a transcode past the deadline is marked errored. Then master MP4s past their 24
 * hours are removed (Mux: master access reverts to none).
 */
import type { Context } from 'aws-lambda';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoAssetFiles } from '../core/adapters/dynamo-asset-files.js';
import { retryContextFromEnv } from '../core/adapters/runner-from-env.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { expireMasters } from '../core/usecases/asset-files.js';
import { type SweepContext, type SweepReport, sweepStuckAssets } from '../core/usecases/sweep.js';

type SweeperDeps = SweepContext & Parameters<typeof expireMasters>[0];

export function createSweeperHandler(deps: () => SweeperDeps) {
  return async (_event: unknown, context?: Context): Promise<SweepReport & { expiredMasters: string[] }> => {
    if (context) logger.addContext(context);
    const report = await sweepStuckAssets(deps());
    logger.info('Swept assets stuck in preparing', { ...report });
    const expiredMasters = await expireMasters(deps());
    if (expiredMasters.length > 0) logger.info('Removed expired masters', { assets: expiredMasters });
    return { ...report, expiredMasters };
  };
}

export const handler = createSweeperHandler(
  once(() => {
    const env = envFor('sweeper');
    return {
      ...retryContextFromEnv(env),
      files: new DynamoAssetFiles(documentClient(), env.MEDIA_TABLE),
      objects: new S3MediaObjects(s3Client()),
    };
  }),
);
