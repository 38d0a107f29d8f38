import { TransitionError } from '../domain/errors.js';
import { dispatchedByInputFetch } from '../domain/media.js';
import { DISPATCH_CLAIM_MAX_SECONDS } from './ingest.js';
import { type RetryContext, retryOrFail } from './task-stopped.js';
import { URL_INPUT_LEASE_SECONDS } from './url-inputs.js';

/**
 * How long a transcode may run before the sweeper gives up on it. Fargate tasks have no time limit, so this is the
 * platform's promise: a 10-hour 4K source takes a few hours on 2 vCPU.
 */
export const TRANSCODE_DEADLINE_SECONDS = 12 * 60 * 60;

export interface SweepContext extends RetryContext {
  now?: () => number;
  /** @default DISPATCH_CLAIM_MAX_SECONDS */
  dispatchStaleSeconds?: number;
  /** For an asset the input fetch function dispatches. @default URL_INPUT_LEASE_SECONDS */
  fetchStaleSeconds?: number;
  /** @default TRANSCODE_DEADLINE_SECONDS */
  deadlineSeconds?: number;
}

export interface SweepReport {
  checked: number;
  /** Assets whose dispatch died before a job was recorded, dispatched again. */
  redispatched: string[];
  /** Assets marked errored: past the deadline, or out of attempts. */
  errored: string[];
}

/**
 * The backstop for assets stuck in `preparing` when the event that should have moved them was lost: a dispatch
 * that died between its claim and recording the job (no job, stale claim) is retried within the attempts budget;
 * a job running past the deadline is given up on and its asset marked errored. The task-stopped handler resolves
 * dead tasks at once; this catches what slips past it (an event dropped after EventBridge's retries).
 */
export async function sweepStuckAssets(ctx: SweepContext): Promise<SweepReport> {
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  const staleAfter = ctx.dispatchStaleSeconds ?? DISPATCH_CLAIM_MAX_SECONDS;
  const deadline = ctx.deadlineSeconds ?? TRANSCODE_DEADLINE_SECONDS;
  const fetchStaleAfter = Math.max(staleAfter, ctx.fetchStaleSeconds ?? URL_INPUT_LEASE_SECONDS);
  const report: SweepReport = { checked: 0, redispatched: [], errored: [] };
  for (const stuck of await ctx.attempts.listPreparing(now - staleAfter)) {
    report.checked++;
    const { asset } = stuck;
    if (stuck.jobId === undefined) {
      // A fetch that failed for now waits 16 minutes for its next receive, with no claim: not stuck until the input
      // queue has given up on it (a redispatch before then would find no source, and error the asset). A retry of a
      // job that had started (attempt 2 on) has its source: stuck as any other.
      const fetching = dispatchedByInputFetch(asset) && stuck.attempts <= 1;
      if (fetching && asset.created_at >= now - fetchStaleAfter) continue;
      const { outcome } = await retryOrFail(asset.id, undefined, 'the dispatch of the transcode did not complete', ctx);
      if (outcome === 'retried') report.redispatched.push(asset.id);
      if (outcome === 'marked_errored') report.errored.push(asset.id);
    } else if (asset.created_at < now - deadline) {
      try {
        await ctx.media.markErrored(asset.id, {
          type: 'transcode_failed',
          messages: [`The transcode did not finish within ${Math.round(deadline / 3600)} hours`],
        });
        report.errored.push(asset.id);
      } catch (err) {
        if (!(err instanceof TransitionError)) throw err;
      }
    }
  }
  return report;
}
