/**
 * EventBridge target for ECS "Task State Change" events of the transcoder cluster (the rule matches STOPPED):
 * marks the asset of a task that died without recording an outcome as errored.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { MediaRepository } from '../core/ports.js';
import { TaskStateChange, taskStopped } from '../core/usecases/task-stopped.js';
import { parseOrThrow } from '../core/validation.js';

export function createTaskStoppedHandler(deps: () => { media: MediaRepository }) {
  return async (event: EventBridgeEvent<'ECS Task State Change', unknown>, context?: Context): Promise<void> => {
    if (context) logger.addContext(context);
    const task = parseOrThrow(TaskStateChange, event.detail, 'detail');
    const { outcome, assetId } = await taskStopped(task, deps());
    logger.info('Transcoder task stopped', { outcome, assetId, stopCode: task.stopCode });
  };
}

export const handler = createTaskStoppedHandler(
  once(() => ({ media: new DynamoMediaRepository(documentClient(), envFor('taskStopped').MEDIA_TABLE) })),
);
