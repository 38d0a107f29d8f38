/** WebSocket route `subscribe`: `{"action":"subscribe","ids":[...]}` narrows the connection to those ids. */
import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoConnectionRepository } from '../core/adapters/dynamo-connections.js';
import { NotFoundError, ValidationError } from '../core/domain/errors.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { ConnectionRepository } from '../core/ports.js';
import { SubscribeMessage, subscribe } from '../core/usecases/connections.js';
import { parseOrThrow } from '../core/validation.js';

export function createSubscribeHandler(deps: () => { connections: ConnectionRepository }) {
  return async (
    event: APIGatewayProxyWebsocketEventV2,
    context?: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) logger.addContext(context);
    try {
      const message = parseOrThrow(SubscribeMessage, parseJson(event.body), 'message');
      await subscribe(event.requestContext.connectionId, message, deps());
      return { statusCode: 200 };
    } catch (err) {
      if (err instanceof ValidationError) return reply(400, 'invalid_parameters', err.messages);
      if (err instanceof NotFoundError) return reply(410, 'not_found', ['This connection is closed.']);
      throw err;
    }
  };
}

const reply = (statusCode: number, type: string, messages: string[]) => ({
  statusCode,
  body: JSON.stringify({ error: { type, messages } }),
});

function parseJson(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    throw new ValidationError(['message: is not valid JSON']);
  }
}

export const handler = createSubscribeHandler(
  once(() => ({
    connections: new DynamoConnectionRepository(documentClient(), envFor('wsSubscribe').CONNECTIONS_TABLE),
  })),
);
