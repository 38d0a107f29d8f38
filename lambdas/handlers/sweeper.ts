/**
 * Scheduled (EventBridge) sweep: assets stuck in `preparing` (a dispatch that died before recording its job is
 * retried within the attempts budget, a transcode past the deadline is marked errored), test assets past their 24
 * hours, deleted with their files, and master MP4s past their 24 hours, removed (Mux: master access reverts to none).
 */
import type { Context } from 'aws-lambda';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoAssetFiles } from '../core/adapters/dynamo-asset-files.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { retryContextFromEnv } from '../core/adapters/runner-from-env.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { expireMasters } from '../core/usecases/asset-files.js';
import { type SweepContext, type SweepReport, sweepStuckAssets } from '../core/usecases/sweep.js';
import { deleteExpiredTestAssets, type TestAssetSweepContext } from '../core/usecases/test-assets.js';
import { claimTimeOf } from './invocation.js';

type SweeperDeps = SweepContext & TestAssetSweepContext & Parameters<typeof expireMasters>[0];

export function createSweeperHandler(deps: () => SweeperDeps) {
  return async (
    _event: unknown,
    context?: Context,
  ): Promise<SweepReport & { expiredTests: string[]; expiredMasters: string[] }> => {
    if (context) logger.addContext(context);
    const report = await sweepStuckAssets({ ...deps(), ...claimTimeOf(context) });
    logger.info('Swept assets stuck in preparing', { ...report });
    const expiredTests = await deleteExpiredTestAssets(deps());
    if (expiredTests.length > 0) logger.info('Deleted expired test assets', { expiredTests });
    const expiredMasters = await expireMasters(deps());
    if (expiredMasters.length > 0) logger.info('Removed expired masters', { assets: expiredMasters });
    return { ...report, expiredTests, expiredMasters };
  };
}

export const handler = createSweeperHandler(
  once(() => {
    const env = envFor('sweeper');
    const media = new DynamoMediaRepository(documentClient(), env.MEDIA_TABLE);
    return {
      ...retryContextFromEnv(env),
      expiry: media.assets,
      files: new DynamoAssetFiles(documentClient(), env.MEDIA_TABLE),
      objects: new S3MediaObjects(s3Client()),
      outputBucket: env.OUTPUT_BUCKET,
    };
  }),
);
