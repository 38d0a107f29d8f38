import { z } from 'zod';
import { parseCredentials } from '../auth.js';
import type { ConnectionRepository, TokenRepository } from '../ports.js';
import { verifyCredentials } from './tokens.js';

/** A client's `{"action":"subscribe","ids":[...]}`: narrow the connection to these assets and uploads. */
export const SubscribeMessage = z.strictObject({
  action: z.literal('subscribe'),
  ids: z
    .array(z.string().regex(/^[A-Za-z0-9]{1,64}$/, { error: 'must be asset or upload ids' }))
    .min(1, { error: 'must name at least one id' })
    .max(100, { error: 'must name at most 100 ids' }),
});
export type SubscribeMessage = z.output<typeof SubscribeMessage>;

/**
 * Accepts a connection that presents a valid `<id>:<secret>` token (any permission: events carry what
 * `video:read` can read, and every token can read something) and binds it to the token's environment;
 * until it subscribes it receives every event of that environment. Throws UnauthorizedError.
 */
export async function connect(
  input: { connectionId: string; token: string | undefined },
  ctx: { tokens: TokenRepository; connections: ConnectionRepository; now?: () => number },
): Promise<{ env: string }> {
  const { env, tokenId } = await verifyCredentials(input.token ? parseCredentials(input.token) : undefined, ctx);
  await ctx.connections.put({
    connectionId: input.connectionId,
    env,
    // Revoking the token closes this connection (tokens.ts revokeAccessToken).
    token_id: tokenId,
    connected_at: Math.floor((ctx.now ?? Date.now)() / 1000),
    subscriptions: [],
  });
  return { env };
}

export async function disconnect(connectionId: string, ctx: { connections: ConnectionRepository }): Promise<void> {
  await ctx.connections.delete(connectionId);
}

export async function subscribe(
  connectionId: string,
  message: SubscribeMessage,
  ctx: { connections: ConnectionRepository },
): Promise<void> {
  await ctx.connections.subscribe(connectionId, message.ids);
}
