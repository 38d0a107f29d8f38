/** SandboxWarmer on the transcode function: an asynchronous invocation with the keep-warm ping. */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { logger } from '../logger.js';
import { KEEP_WARM_EVENT, type SandboxWarmer } from '../ports/transcode.js';

const PAYLOAD = new TextEncoder().encode(JSON.stringify(KEEP_WARM_EVENT));

/**
 * One ping per API sandbox at most this often. The ping is for the upload that comes alone; a burst of uploads has
 * its first jobs start sandboxes anyway. Unbounded, a tenant creating uploads as fast as it can would have every
 * request start a transcode sandbox (Lambda opens up to 1,000 in 10 seconds), taking the account's concurrency from
 * the API and every other function; bounded so, the pings' sandboxes stay fewer than the API's own.
 */
export const MIN_PING_INTERVAL_MS = 5000;

export class LambdaSandboxWarmer implements SandboxWarmer {
  private lastPingAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `Event`: Lambda queues the ping and answers at once (202), so the request that asked does not wait for the
   * sandbox's start. A sandbox that is idle takes it in milliseconds; with none idle, Lambda starts one.
   */
  async warm(): Promise<void> {
    const now = this.now();
    if (now - this.lastPingAt < MIN_PING_INTERVAL_MS) return;
    this.lastPingAt = now;
    try {
      await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: PAYLOAD }),
      );
    } catch (err) {
      logger.warn('Could not start a transcode sandbox ahead of the job', { error: (err as Error).message });
    }
  }
}
