import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, UnauthorizedError } from '../../lambdas/core/domain/errors.js';
import { connect, disconnect, SubscribeMessage, subscribe } from '../../lambdas/core/usecases/connections.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import { InMemoryConnections, InMemoryTokens } from './fakes.js';

let tokens: InMemoryTokens;
let connections: InMemoryConnections;
let token: string;
let tokenId: string;

beforeEach(async () => {
  tokens = new InMemoryTokens();
  connections = new InMemoryConnections();
  const { id, secret } = await createToken('env1', 'browser', { tokens });
  tokenId = id;
  token = `${id}:${secret}`;
});

describe('WebSocket connections', () => {
  it('accepts a connection with a valid token and binds it to the token environment', async () => {
    expect(await connect({ connectionId: 'c1', token }, { tokens, connections, now: () => 9_000 })).toEqual({
      env: 'env1',
    });
    expect(connections.connections.get('c1')).toEqual({
      connectionId: 'c1',
      env: 'env1',
      token_id: tokenId,
      connected_at: 9,
      subscriptions: [],
    });
  });

  it.each([undefined, 'no-colon', 'id:wrong'])('refuses token %s', async (bad) => {
    await expect(connect({ connectionId: 'c1', token: bad }, { tokens, connections })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(connections.connections.size).toBe(0);
  });

  it('adds subscriptions and forgets the connection on disconnect', async () => {
    await connect({ connectionId: 'c1', token }, { tokens, connections });
    await subscribe('c1', { action: 'subscribe', ids: ['a1'] }, { connections });
    await subscribe('c1', { action: 'subscribe', ids: ['a1', 'u2'] }, { connections });
    expect(connections.connections.get('c1')?.subscriptions).toEqual(['a1', 'u2']);

    await disconnect('c1', { connections });
    await expect(subscribe('c1', { action: 'subscribe', ids: ['a1'] }, { connections })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('validates the subscribe message', () => {
    expect(SubscribeMessage.safeParse({ action: 'subscribe', ids: [] }).success).toBe(false);
    expect(SubscribeMessage.safeParse({ action: 'subscribe', ids: ['../x'] }).success).toBe(false);
    expect(SubscribeMessage.safeParse({ action: 'subscribe', ids: ['abc'], extra: 1 }).success).toBe(false);
  });
});
