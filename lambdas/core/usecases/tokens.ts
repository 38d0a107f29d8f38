import { randomBytes } from 'node:crypto';
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
