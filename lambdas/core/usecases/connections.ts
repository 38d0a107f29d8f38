import { z } from 'zod';
import { parseCredentials } from '../auth.js';
import { TooManyRequestsError } from '../domain/errors.js';
import { requirePermission } from '../domain/permissions.js';
import type { ConnectionRepository, TokenRepository } from '../ports.js';
import { createWithinLimit } from './limits.js';
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
 * Open WebSocket connections per environment. Every change of an environment is posted to each of them by the one
 * notify function reading the media table's stream, whose shards carry every environment's changes in order: one
 * environment with thousands of sockets would slow (and time out) the pushes of all. A dashboard holds one per tab.
 */
export const MAX_CONNECTIONS_PER_ENVIRONMENT = 100;

const tooManyConnections = () =>
  new TooManyRequestsError(
    `An environment may have at most ${MAX_CONNECTIONS_PER_ENVIRONMENT} open WebSocket connections; close one to open another`,
  );

/**
 * Accepts a connection that presents a valid `<id>:<secret>` token with `video:read` (events carry what it reads;
 * ForbiddenError otherwise) and binds it to the token's environment;
 * until it subscribes it receives every event of that environment. Throws UnauthorizedError.
 */
export async function connect(
  input: { connectionId: string; token: string | undefined },
  ctx: { tokens: TokenRepository; connections: ConnectionRepository; now?: () => number },
): Promise<{ env: string }> {
  const caller = await verifyCredentials(input.token ? parseCredentials(input.token) : undefined, ctx);
  // Events carry assets and uploads (passthrough, playback ids): what video:read reads, which a system token lacks.
  requirePermission(caller.permissions, 'video:read');
  const { env } = caller;
  await createWithinLimit({
    limit: MAX_CONNECTIONS_PER_ENVIRONMENT,
    count: async () => (await ctx.connections.listByEnv(env)).length,
    create: () =>
      ctx.connections.put({
        connectionId: input.connectionId,
        env,
        // Revoking the token closes this connection (tokens.ts revokeAccessToken); its expiry does too (notify.ts).
        token_id: caller.tokenId,
        ...(caller.expiresAt !== undefined && { expires_at: caller.expiresAt }),
        connected_at: Math.floor((ctx.now ?? Date.now)() / 1000),
        subscriptions: [],
      }),
    undo: () => ctx.connections.delete(input.connectionId),
    refusal: tooManyConnections,
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
