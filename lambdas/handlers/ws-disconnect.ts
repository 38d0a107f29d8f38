/** WebSocket `$disconnect`: forgets the connection. */
import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoConnectionRepository } from '../core/adapters/dynamo-connections.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { ConnectionRepository } from '../core/ports.js';
import { disconnect } from '../core/usecases/connections.js';

export function createDisconnectHandler(deps: () => { connections: ConnectionRepository }) {
  return async (
    event: APIGatewayProxyWebsocketEventV2,
    context?: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) logger.addContext(context);
    await disconnect(event.requestContext.connectionId, deps());
    return { statusCode: 200 };
  };
}

export const handler = createDisconnectHandler(
  once(() => ({
    connections: new DynamoConnectionRepository(documentClient(), envFor('wsDisconnect').CONNECTIONS_TABLE),
  })),
);
