/**
 * WebSocket `$connect`: browsers cannot set headers on a WebSocket, so the access token comes as the query
 * parameter `token=<id>:<secret>`. A connection without a valid token is refused with 401, one whose token lacks
 * video:read with 403, one past the environment's limit of open connections with 429.
 */
import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoConnectionRepository } from '../core/adapters/dynamo-connections.js';
import { DynamoTokenRepository } from '../core/adapters/dynamo-tokens.js';
import { TooManyRequestsError, UnauthorizedError } from '../core/domain/errors.js';
import { ForbiddenError } from '../core/domain/permissions.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { ConnectionRepository, TokenRepository } from '../core/ports.js';
import { connect } from '../core/usecases/connections.js';

export function createConnectHandler(deps: () => { tokens: TokenRepository; connections: ConnectionRepository }) {
  return async (
    event: APIGatewayProxyWebsocketEventV2,
    context?: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) logger.addContext(context);
    try {
      const { env } = await connect(
        { connectionId: event.requestContext.connectionId, token: event.queryStringParameters?.token },
        deps(),
      );
      logger.info('Connected', { connectionId: event.requestContext.connectionId, env });
      return { statusCode: 200 };
    } catch (err) {
      if (err instanceof UnauthorizedError) return { statusCode: 401 };
      if (err instanceof TooManyRequestsError) return { statusCode: 429 };
      if (err instanceof ForbiddenError) return { statusCode: 403 };
      throw err;
    }
  };
}

export const handler = createConnectHandler(
  once(() => {
    const env = envFor('wsConnect');
    const doc = documentClient();
    return {
      tokens: new DynamoTokenRepository(doc, env.TOKENS_TABLE),
      connections: new DynamoConnectionRepository(doc, env.CONNECTIONS_TABLE),
    };
  }),
);
