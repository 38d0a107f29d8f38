/**
 * EventBridge target for ECS "Task State Change" events of the transcoder cluster (the rule matches STOPPED):
 * a task that died without recording an outcome is retried while its asset has attempts left, then the asset is
 * marked errored with the reason.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoTranscodeAttempts } from '../core/adapters/dynamo-attempts.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { runnerFromEnv } from '../core/adapters/runner-from-env.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import { type RetryContext, TaskStateChange, taskStopped } from '../core/usecases/task-stopped.js';
import { parseOrThrow } from '../core/validation.js';

export function createTaskStoppedHandler(deps: () => RetryContext) {
  return async (event: EventBridgeEvent<'ECS Task State Change', unknown>, context?: Context): Promise<void> => {
    if (context) logger.addContext(context);
    const task = parseOrThrow(TaskStateChange, event.detail, 'detail');
    const { outcome, assetId, attempt } = await taskStopped(task, deps());
    await withKeys({ assetId }, async () => {
      logger.info('Transcoder task stopped', { outcome, attempt, stopCode: task.stopCode, taskArn: task.taskArn });
    });
  };
}

export const handler = createTaskStoppedHandler(
  once(() => {
    const env = envFor('taskStopped');
    const doc = documentClient();
    return {
      media: new DynamoMediaRepository(doc, env.MEDIA_TABLE),
      attempts: new DynamoTranscodeAttempts(doc, env.MEDIA_TABLE),
      runner: runnerFromEnv(env.TRANSCODER),
      outputBucket: env.OUTPUT_BUCKET,
    };
  }),
);
