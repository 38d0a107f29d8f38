/**
 * The failures of a consumer that dispatches transcodes (ingest, the input fetch). A delivery that found the
 * dispatch claim held with no job recorded (`DispatchPendingError`) is expected, not a failure: another delivery is
 * starting the job, or died holding the claim. It comes back just after the claim ends, not after the queue's
 * visibility timeout, which may be shorter than the claim (locally 10 s against an ingest claim of 60 s: each receive
 * would find it held until the dead-letter queue took it) or longer (3 minutes on AWS, for a claim of a minute).
 */
import type { SQSRecord } from 'aws-lambda';
import { logger } from '../core/logger.js';
import type { Redelivery } from '../core/ports.js';
import { DispatchPendingError } from '../core/usecases/ingest.js';

/** After the claim's end: the next claimant's clock is another host's. */
const AFTER_CLAIM_SECONDS = 2;

export function onDispatchFailure(
  redelivery: Redelivery | undefined,
  otherwise: (record: SQSRecord, error: unknown) => void,
  now: () => number = Date.now,
): (record: SQSRecord, error: unknown) => Promise<void> {
  return async (record, error) => {
    if (!(error instanceof DispatchPendingError)) return otherwise(record, error);
    const { assetId, claimedUntil } = error;
    const seconds =
      claimedUntil === undefined ? undefined : Math.max(0, claimedUntil - now() / 1000) + AFTER_CLAIM_SECONDS;
    logger.info('Dispatch claimed by another delivery; the message comes back when the claim ends', {
      messageId: record.messageId,
      assetId,
      ...(seconds !== undefined && { inSeconds: Math.ceil(seconds) }),
    });
    if (seconds === undefined || !redelivery) return;
    await redelivery.after(record.receiptHandle, seconds).catch((err: Error) =>
      logger.warn('Could not set when the message comes back; it comes after the visibility timeout', {
        messageId: record.messageId,
        error: err,
      }),
    );
  };
}
