/**
 * DynamoDB stream consumer of the media table (NEW_AND_OLD_IMAGES): pushes the event each upload or asset change
 * implies to the WebSocket connections that want it (retries as mediaStreamConsumer describes).
 */
import { documentClient, managementClient } from '../core/adapters/clients.js';
import { DynamoConnectionRepository } from '../core/adapters/dynamo-connections.js';
import { mediaStreamConsumer } from '../core/adapters/media-stream.js';
import { WebSocketPusher } from '../core/adapters/ws-pusher.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { ConnectionRepository, Pusher } from '../core/ports.js';
import { notifyChange } from '../core/usecases/notify.js';

export function createNotifyHandler(deps: () => { connections: ConnectionRepository; pusher: Pusher }) {
  return mediaStreamConsumer(async (change) => {
    const result = await notifyChange(change, deps());
    if (result.types.length > 0) logger.info('Pushed', { ...result });
  }, 'Push failed');
}

export const handler = createNotifyHandler(
  once(() => {
    const env = envFor('notify');
    return {
      connections: new DynamoConnectionRepository(documentClient(), env.CONNECTIONS_TABLE),
      pusher: new WebSocketPusher(managementClient(env.WEBSOCKET_CALLBACK_URL)),
    };
  }),
);
