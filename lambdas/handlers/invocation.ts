/**
 * What a handler knows of its invocation that the use cases need: how long a dispatch claim taken in it may be held.
 */
import type { Context } from 'aws-lambda';
import type { ClaimTime } from '../core/usecases/ingest.js';

/**
 * Added to an invocation's remaining time: the next claimant's clock is another host's, and a Lambda killed at its
 * deadline may take a moment to stop. Well under the ingest queue's 3 minutes, so a redelivery still takes over.
 */
const CLAIM_MARGIN_SECONDS = 30;

/**
 * The hold of a claim taken in this invocation: its remaining time when the claim is taken, and a margin. A claim
 * cannot outlive the invocation that took it, so once that has passed its holder died, and the next delivery takes
 * it over. Without a Lambda context (tests, scripts), the use case's default applies.
 */
export function claimTimeOf(context: Context | undefined): ClaimTime {
  if (!context || !Number.isFinite(context.getRemainingTimeInMillis?.())) return {};
  const left = () => Math.max(0, context.getRemainingTimeInMillis());
  return { claimSeconds: () => Math.ceil(left() / 1000) + CLAIM_MARGIN_SECONDS };
}
