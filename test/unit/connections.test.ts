import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, TooManyRequestsError, UnauthorizedError } from '../../lambdas/core/domain/errors.js';
import { ForbiddenError } from '../../lambdas/core/domain/permissions.js';
import {
  connect,
  disconnect,
  MAX_CONNECTIONS_PER_ENVIRONMENT,
  SubscribeMessage,
  subscribe,
} from '../../lambdas/core/usecases/connections.js';
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

  it('refuses a token without video:read: the events carry assets, uploads and their playback ids', async () => {
    const { id, secret } = await createToken('env1', 'system only', { tokens }, { permissions: ['system:write'] });
    await expect(
      connect({ connectionId: 'sys', token: `${id}:${secret}` }, { tokens, connections }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(connections.connections.has('sys')).toBe(false);
    const reader = await createToken('env1', 'reader', { tokens }, { permissions: ['video:read'] });
    await connect({ connectionId: 'r', token: `${reader.id}:${reader.secret}` }, { tokens, connections });
  });

  it('records when an expiring token stops working, so its socket stops with it', async () => {
    const now = 1_000_000;
    const { id, secret } = await createToken('env1', 'short', { tokens, now: () => now }, { expiresIn: 60 });
    await connect({ connectionId: 'c2', token: `${id}:${secret}` }, { tokens, connections, now: () => now });
    expect(connections.connections.get('c2')?.expires_at).toBe(now / 1000 + 60);
  });

  it(`refuses open connection number ${MAX_CONNECTIONS_PER_ENVIRONMENT + 1} of an environment (each change is pushed to every one)`, async () => {
    for (let i = 0; i < MAX_CONNECTIONS_PER_ENVIRONMENT; i++) {
      await connections.put({ connectionId: `c${i}`, env: 'env1', token_id: tokenId, connected_at: 1 });
    }
    await expect(connect({ connectionId: 'over', token }, { tokens, connections })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(connections.connections.has('over')).toBe(false);
    expect(connections.connections.size).toBe(MAX_CONNECTIONS_PER_ENVIRONMENT);
    // Another environment is not held back by this one's sockets; a closed one frees a place.
    const other = await createToken('env2', 'other', { tokens });
    await connect({ connectionId: 'elsewhere', token: `${other.id}:${other.secret}` }, { tokens, connections });
    await disconnect('c0', { connections });
    await connect({ connectionId: 'again', token }, { tokens, connections });
  });

  it('validates the subscribe message', () => {
    expect(SubscribeMessage.safeParse({ action: 'subscribe', ids: [] }).success).toBe(false);
    expect(SubscribeMessage.safeParse({ action: 'subscribe', ids: ['../x'] }).success).toBe(false);
    expect(SubscribeMessage.safeParse({ action: 'subscribe', ids: ['abc'], extra: 1 }).success).toBe(false);
  });
});
