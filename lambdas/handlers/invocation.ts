/**
 * What a handler knows of its invocation that the use cases need: how long a dispatch claim taken in it may be held.
 */
import type { Context } from 'aws-lambda';
import type { ClaimTime } from '../core/usecases/ingest.js';

/**
 * The invocation's remaining time, rounded up, as the hold of a claim taken in it: a claim cannot outlive the
 * invocation that took it, so once that time has passed its holder died, and the next delivery takes it over.
 * Without a Lambda context (tests, scripts), the use case's default applies.
 */
export function claimTimeOf(context: Context | undefined): ClaimTime {
  const ms = context?.getRemainingTimeInMillis?.();
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? { claimSeconds: Math.ceil(ms / 1000) } : {};
}
