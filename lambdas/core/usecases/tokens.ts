import { createHash, randomBytes } from 'node:crypto';
import { type Credentials, hashSecret, parseBasicAuthorization, verifySecret } from '../auth.js';
import { UnauthorizedError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { TokenRepository } from '../ports.js';

export interface Caller {
  env: string;
  tokenId: string;
}

/** Creates an access token for `env`. The secret is returned here once and only its hash is stored. */
export async function createToken(
  env: string,
  name: string | undefined,
  ctx: { tokens: TokenRepository; now?: () => number },
): Promise<Credentials> {
  const id = newId();
  const secret = randomBytes(32).toString('base64url');
  await ctx.tokens.put({
    id,
    env,
    secret_hash: await hashSecret(secret),
    ...(name !== undefined && { name }),
    created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
  });
  return { id, secret };
}

/** Resolves credentials to the environment they belong to, or throws UnauthorizedError. */
export async function verifyCredentials(
  credentials: Credentials | undefined,
  ctx: { tokens: TokenRepository },
): Promise<Caller> {
  if (!credentials) throw new UnauthorizedError('Missing or malformed access token');
  const token = await ctx.tokens.get(credentials.id);
  if (!token || !(await verifySecret(credentials.secret, token.secret_hash))) {
    throw new UnauthorizedError('Invalid access token');
  }
  return { env: token.env, tokenId: token.id };
}

/** Authenticates an `Authorization: Basic base64(<id>:<secret>)` header. */
export function authenticate(authorization: string | undefined, ctx: { tokens: TokenRepository }): Promise<Caller> {
  return verifyCredentials(parseBasicAuthorization(authorization), ctx);
}

/**
 * `authenticate` with the outcome of successful checks remembered for `ttlMs` (per container), so a client's
 * burst of requests pays for one scrypt, as an authorizer's result cache would. Keyed by a hash of the header,
 * never the secret itself; failures are not cached.
 */
export function cachedAuthenticator(ctx: { tokens: TokenRepository }, ttlMs = 5 * 60_000, maxEntries = 1000) {
  const verified = new Map<string, { caller: Caller; until: number }>();
  return async (authorization: string | undefined, now = Date.now()): Promise<Caller> => {
    const key = createHash('sha256')
      .update(authorization ?? '')
      .digest('base64');
    const hit = verified.get(key);
    if (hit && hit.until > now) return hit.caller;
    const caller = await authenticate(authorization, ctx);
    if (verified.size >= maxEntries) verified.clear();
    verified.set(key, { caller, until: now + ttlMs });
    return caller;
  };
}
