import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger configuration: structured JSON, one service name, the Lambda context added by each handler.
 * Handlers add `assetId` (or `uploadId`) with `withKeys` while they work on one, so every line carries it.
 * Log ids and outcomes, never secrets or whole payloads.
 */
export const logger = new Logger({ serviceName: 'gamma' });

/** Runs `fn` with `keys` on every log line it writes, then removes them (records of one batch differ). */
export async function withKeys<T>(keys: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const present = Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));
  logger.appendKeys(present);
  try {
    return await fn();
  } finally {
    logger.removeKeys(Object.keys(present));
  }
}
