/** HTTP API Lambda REQUEST authorizer (simple responses): `Authorization: Basic base64(<id>:<secret>)`. */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import { DynamoTokenRepository } from '../core/adapters/dynamo-tokens.js';
import { UnauthorizedError } from '../core/domain/errors.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { TokenRepository } from '../core/ports.js';
import { authenticate, type Caller } from '../core/usecases/tokens.js';

type Result = APIGatewaySimpleAuthorizerWithContextResult<Caller | Record<string, never>>;

export function createAuthorizerHandler(deps: () => { tokens: TokenRepository }) {
  return async (event: APIGatewayRequestAuthorizerEventV2, context?: Context): Promise<Result> => {
    if (context) logger.addContext(context);
    try {
      const caller = await authenticate(event.headers?.authorization, deps());
      return { isAuthorized: true, context: caller };
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      logger.info('Access token rejected', { reason: err.message });
      return { isAuthorized: false, context: {} };
    }
  };
}

export const handler = createAuthorizerHandler(
  once(() => ({ tokens: new DynamoTokenRepository(documentClient(), envFor('authorizer').TOKENS_TABLE) })),
);
