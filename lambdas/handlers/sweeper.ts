/**
 * Scheduled (EventBridge) sweep: assets stuck in `preparing` (a dispatch that died before recording its job is
 * retried within the attempts budget, a transcode past the deadline is marked errored), and test assets past their
 * 24 hours, deleted with their files.
 */
import type { Context } from 'aws-lambda';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { retryContextFromEnv } from '../core/adapters/runner-from-env.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { type SweepContext, type SweepReport, sweepStuckAssets } from '../core/usecases/sweep.js';
import { deleteExpiredTestAssets, type TestAssetSweepContext } from '../core/usecases/test-assets.js';

export function createSweeperHandler(deps: () => SweepContext & TestAssetSweepContext) {
  return async (_event: unknown, context?: Context): Promise<SweepReport & { expiredTests: string[] }> => {
    if (context) logger.addContext(context);
    const report = await sweepStuckAssets(deps());
    logger.info('Swept assets stuck in preparing', { ...report });
    const expiredTests = await deleteExpiredTestAssets(deps());
    if (expiredTests.length > 0) logger.info('Deleted expired test assets', { expiredTests });
    return { ...report, expiredTests };
  };
}

export const handler = createSweeperHandler(
  once(() => {
    const env = envFor('sweeper');
    const retry = retryContextFromEnv(env);
    const media = new DynamoMediaRepository(documentClient(), env.MEDIA_TABLE);
    return { ...retry, expiry: media.assets, objects: new S3MediaObjects(s3Client()), outputBucket: env.OUTPUT_BUCKET };
  }),
);
