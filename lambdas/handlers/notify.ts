/**
 * DynamoDB stream consumer of the media table (NEW_AND_OLD_IMAGES): pushes the event each upload or asset change
 * implies to the WebSocket connections that want it. On a failure it reports that record's sequence number and
 * stops: the stream retries from there, so later records are not pushed twice.
 */
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient, managementClient } from '../core/adapters/clients.js';
import { DynamoConnectionRepository } from '../core/adapters/dynamo-connections.js';
import { mediaChangeOf } from '../core/adapters/media-stream.js';
import { WebSocketPusher } from '../core/adapters/ws-pusher.js';
import { envFor } from '../core/env.js';
import { logger, withKeys } from '../core/logger.js';
import { once } from '../core/once.js';
import type { ConnectionRepository, Pusher } from '../core/ports.js';
import { notifyChange } from '../core/usecases/notify.js';

export function createNotifyHandler(deps: () => { connections: ConnectionRepository; pusher: Pusher }) {
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    if (context) logger.addContext(context);
    for (const record of event.Records) {
      const change = mediaChangeOf(record);
      if (!change) continue;
      const id = (change.after ?? change.before)?.id;
      try {
        await withKeys(change.kind === 'asset' ? { assetId: id } : { uploadId: id }, async () => {
          const result = await notifyChange(change, deps());
          if (result.type) logger.info('Pushed', { ...result });
        });
      } catch (err) {
        logger.error('Push failed; the stream will retry from this record', { error: err as Error });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
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
