import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_CONNECTIONS_PER_ENVIRONMENT } from '../../lambdas/core/usecases/connections.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import { createConnectHandler } from '../../lambdas/handlers/ws-connect.js';
import { createDisconnectHandler } from '../../lambdas/handlers/ws-disconnect.js';
import { createSubscribeHandler } from '../../lambdas/handlers/ws-subscribe.js';
import { InMemoryConnections, InMemoryTokens } from './fakes.js';

const wsEvent = (connectionId: string, extra: Partial<APIGatewayProxyWebsocketEventV2> = {}) =>
  ({ requestContext: { connectionId }, isBase64Encoded: false, ...extra }) as APIGatewayProxyWebsocketEventV2;

let tokens: InMemoryTokens;
let connections: InMemoryConnections;
let credentials: { id: string; secret: string };

beforeEach(async () => {
  tokens = new InMemoryTokens();
  connections = new InMemoryConnections();
  credentials = await createToken('env1', 'test', { tokens });
});

describe('WebSocket handlers', () => {
  const connect = createConnectHandler(() => ({ tokens, connections }));
  const subscribe = createSubscribeHandler(() => ({ connections }));
  const disconnect = createDisconnectHandler(() => ({ connections }));

  it('connects with ?token=<id>:<secret>, subscribes, and disconnects', async () => {
    const token = `${credentials.id}:${credentials.secret}`;
    expect(await connect(wsEvent('c1', { queryStringParameters: { token } }))).toEqual({ statusCode: 200 });
    expect(connections.connections.get('c1')?.env).toBe('env1');

    const body = JSON.stringify({ action: 'subscribe', ids: ['asset1'] });
    expect(await subscribe(wsEvent('c1', { body }))).toEqual({ statusCode: 200 });
    expect(connections.connections.get('c1')?.subscriptions).toEqual(['asset1']);

    expect(await disconnect(wsEvent('c1'))).toEqual({ statusCode: 200 });
    expect(connections.connections.has('c1')).toBe(false);
  });

  it('refuses a connection without a valid token with 401', async () => {
    expect(await connect(wsEvent('c1'))).toEqual({ statusCode: 401 });
    const wrong = { token: `${credentials.id}:wrong` };
    expect(await connect(wsEvent('c1', { queryStringParameters: wrong }))).toEqual({ statusCode: 401 });
    expect(connections.connections.size).toBe(0);
  });

  it("answers 403 to a token without video:read and 429 past the environment's open connections", async () => {
    const system = await createToken('env1', 'system', { tokens }, { permissions: ['system:write'] });
    const token = `${system.id}:${system.secret}`;
    expect(await connect(wsEvent('s1', { queryStringParameters: { token } }))).toEqual({ statusCode: 403 });
    for (let i = 0; i < MAX_CONNECTIONS_PER_ENVIRONMENT; i++) {
      await connections.put({ connectionId: `c${i}`, env: 'env1', connected_at: 1 });
    }
    const full = { token: `${credentials.id}:${credentials.secret}` };
    expect(await connect(wsEvent('over', { queryStringParameters: full }))).toEqual({ statusCode: 429 });
    expect(connections.connections.has('s1') || connections.connections.has('over')).toBe(false);
  });

  it('answers 400 to a malformed subscribe message and 410 for a closed connection', async () => {
    const bad = await subscribe(wsEvent('c1', { body: '{"action":"subscribe","ids":"asset1"}' }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '')).toEqual({
      error: { type: 'invalid_parameters', messages: [expect.stringMatching(/^ids: /)] },
    });
    expect((await subscribe(wsEvent('c1', { body: 'nope' }))).statusCode).toBe(400);

    const closed = await subscribe(wsEvent('gone', { body: JSON.stringify({ action: 'subscribe', ids: ['a'] }) }));
    expect(closed.statusCode).toBe(410);
  });
});
