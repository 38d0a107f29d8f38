/**
 * EventBridge target for "MediaConvert Job State Change" events of this deployment's jobs (the rule matches COMPLETE
 * and ERROR, and the output bucket in the job's metadata): marks the asset ready (then records its static renditions)
 * or errored.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoAssetFiles } from '../core/adapters/dynamo-asset-files.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import { JOB_METADATA, JobStateChange, mediaConvertJobChanged } from '../core/usecases/mediaconvert-status.js';
import { parseOrThrow } from '../core/validation.js';

export function createMediaConvertStatusHandler(deps: () => Parameters<typeof mediaConvertJobChanged>[1]) {
  return async (event: EventBridgeEvent<'MediaConvert Job State Change', unknown>, context?: Context) => {
    if (context) logger.addContext(context);
    const job = parseOrThrow(JobStateChange, event.detail, 'detail');
    await withKeys({ assetId: job.userMetadata[JOB_METADATA.assetId], jobId: job.jobId }, async () => {
      const { outcome } = await mediaConvertJobChanged(job, deps());
      logger.info('MediaConvert job changed state', { outcome, status: job.status });
    });
  };
}

export const handler = createMediaConvertStatusHandler(
  once(() => {
    const table = envFor('mediaconvertStatus').MEDIA_TABLE;
    return {
      media: new DynamoMediaRepository(documentClient(), table),
      staticRenditions: new DynamoAssetFiles(documentClient(), table),
      master: new DynamoAssetFiles(documentClient(), table),
    };
  }),
);
