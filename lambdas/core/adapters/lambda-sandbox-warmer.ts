/** SandboxWarmer on the transcode function: an asynchronous invocation with the keep-warm ping. */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { logger } from '../logger.js';
import { KEEP_WARM_EVENT, type SandboxWarmer } from '../ports/transcode.js';

const PAYLOAD = new TextEncoder().encode(JSON.stringify(KEEP_WARM_EVENT));

export class LambdaSandboxWarmer implements SandboxWarmer {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  /**
   * `Event`: Lambda queues the ping and answers at once (202), so the request that asked does not wait for the
   * sandbox's start. A sandbox that is idle takes it in milliseconds; with none idle, Lambda starts one.
   */
  async warm(): Promise<void> {
    try {
      await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: PAYLOAD }),
      );
    } catch (err) {
      logger.warn('Could not start a transcode sandbox ahead of the job', { error: (err as Error).message });
    }
  }
}
