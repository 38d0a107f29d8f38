/**
 * Scheduled (EventBridge) sweep of assets stuck in `preparing`: a dispatch that died before recording its job is
 * retried within the attempts budget, a transcode past the deadline is marked errored.
 */
import type { Context } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoTranscodeAttempts } from '../core/adapters/dynamo-attempts.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { runnerFromEnv } from '../core/adapters/runner-from-env.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { type SweepContext, type SweepReport, sweepStuckAssets } from '../core/usecases/sweep.js';

export function createSweeperHandler(deps: () => SweepContext) {
  return async (_event: unknown, context?: Context): Promise<SweepReport> => {
    if (context) logger.addContext(context);
    const report = await sweepStuckAssets(deps());
    logger.info('Swept assets stuck in preparing', { ...report });
    return report;
  };
}

export const handler = createSweeperHandler(
  once(() => {
    const env = envFor('sweeper');
    const doc = documentClient();
    return {
      media: new DynamoMediaRepository(doc, env.MEDIA_TABLE),
      attempts: new DynamoTranscodeAttempts(doc, env.MEDIA_TABLE),
      runner: runnerFromEnv(env.TRANSCODER),
      outputBucket: env.OUTPUT_BUCKET,
    };
  }),
);
