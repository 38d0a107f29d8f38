/**
 * Scheduled (EventBridge) sweep of assets stuck in `preparing`: a dispatch that died before recording its job is
 * retried within the attempts budget, a transcode past the deadline is marked errored.
 */
import type { Context } from 'aws-lambda';
import { retryContextFromEnv } from '../core/adapters/runner-from-env.js';
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

export const handler = createSweeperHandler(once(() => retryContextFromEnv(envFor('sweeper'))));
