/**
 * Webhook signatures in Mux's scheme, so Mux's SDKs verify Gamma's webhooks unchanged:
 * `mux-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'mux-signature';

export function webhookSignature(body: string, secret: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/** How old a signature may be before it is refused as a replay: 5 minutes, as Mux's SDK (`webhooks.verifySignature`). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Checks a header against the body (any `v1` may match, as during a secret rotation) and that its timestamp is
 * within `toleranceSeconds` (default 5 minutes) of now, so a captured delivery cannot be replayed later. For
 * receivers written against Gamma and for tests; Mux's SDKs do the same.
 */
export function verifyWebhookSignature(
  body: string,
  header: string,
  secret: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const parts = header.split(',').map((part) => part.split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(webhookSignature(body, secret, t).split('v1=')[1] ?? '', 'hex');
  return parts.some(([k, v]) => {
    if (k !== 'v1' || !v) return false;
    const actual = Buffer.from(v, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}

/** When failed deliveries are retried: exponential from `baseSeconds`, never more than `maxSeconds` apart. */
export interface RetrySchedule {
  baseSeconds: number;
  maxSeconds: number;
}

/** SQS's limit on a message's visibility timeout, which carries the wait. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/**
 * Seconds to wait before the next delivery attempt: `baseSeconds` doubled per attempt up to `maxSeconds`, less up
 * to 20% jitter so endpoints that fail together do not retry in lockstep (the bound holds with jitter).
 */
export function retryDelaySeconds(
  attempt: number,
  schedule: RetrySchedule,
  random: () => number = Math.random,
): number {
  const step = Math.min(schedule.baseSeconds * 2 ** Math.max(0, attempt - 1), schedule.maxSeconds);
  return Math.max(1, Math.min(Math.round(step * (1 - 0.2 * random())), MAX_VISIBILITY_SECONDS));
}
