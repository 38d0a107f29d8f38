/**
 * EventBridge target for ECS "Task State Change" events of the transcoder cluster (the rule matches STOPPED):
 * a task that died without recording an outcome is retried while its asset has attempts left, then the asset is
 * marked errored with the reason.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { retryContextFromEnv } from '../core/adapters/runner-from-env.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import { type RetryContext, TaskStateChange, taskStopped } from '../core/usecases/task-stopped.js';
import { parseOrThrow } from '../core/validation.js';
import { claimTimeOf } from './invocation.js';

export function createTaskStoppedHandler(deps: () => RetryContext) {
  return async (event: EventBridgeEvent<'ECS Task State Change', unknown>, context?: Context): Promise<void> => {
    if (context) logger.addContext(context);
    const task = parseOrThrow(TaskStateChange, event.detail, 'detail');
    const { outcome, assetId, attempt } = await taskStopped(task, { ...deps(), ...claimTimeOf(context) });
    await withKeys({ assetId }, async () => {
      logger.info('Transcoder task stopped', { outcome, attempt, stopCode: task.stopCode, taskArn: task.taskArn });
    });
  };
}

export const handler = createTaskStoppedHandler(once(() => retryContextFromEnv(envFor('taskStopped'))));
