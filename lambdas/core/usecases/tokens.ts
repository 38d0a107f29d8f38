import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type Credentials, hashSecret, parseBasicAuthorization, verifySecret } from '../auth.js';
import { NotFoundError, UnauthorizedError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  allows,
  type Caller,
  expand,
  ForbiddenError,
  LEGACY_PERMISSIONS,
  PERMISSIONS,
  type Permission,
  requirePermission,
} from '../domain/permissions.js';
import type { AccessToken, ConnectionRepository, EnvironmentRepository, Pusher, TokenRepository } from '../ports.js';
import { ensureEnvironment } from './environments.js';
import { createWithinLimit } from './limits.js';

export type { Caller } from '../domain/permissions.js';

/** The longest an expiring token may live: a year. */
export const MAX_EXPIRES_IN = 365 * 24 * 3600;

/** The body of `POST /system/v1/access-tokens` (a Gamma extension: Mux creates tokens in its dashboard). */
export const CreateAccessTokenInput = z.strictObject({
  name: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' })
    .optional(),
  permissions: z
    .array(z.enum(PERMISSIONS, { error: `must be one of ${PERMISSIONS.join(', ')}` }))
    .min(1, { error: 'must name at least one permission' }),
  /** Another environment of the deployment (needs organization:write); default the caller's own. */
  environment_id: z.string().min(1, { error: 'must not be empty' }).optional(),
  /** Seconds until the token stops working; default never (until revoked). */
  expires_in: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be an integer' })
    .min(60, { error: 'must be at least 60 seconds' })
    .max(MAX_EXPIRES_IN, { error: `must be at most ${MAX_EXPIRES_IN} seconds (a year)` })
    .optional(),
});
export type CreateAccessTokenInput = z.output<typeof CreateAccessTokenInput>;

/** `GET /system/v1/access-tokens?environment_id=…`: another environment's tokens need organization:read. */
export const ListAccessTokensQuery = z.strictObject({ environment_id: z.string().min(1).optional() });

/** A token as the API shows it: never its secret or hash. Times are unix seconds as strings, as Mux's objects have. */
export interface MuxAccessToken {
  id: string;
  name?: string;
  environment_id: string;
  permissions: Permission[];
  created_at: string;
  expires_at?: string;
}

export const toMuxAccessToken = (token: AccessToken): MuxAccessToken => ({
  id: token.id,
  ...(token.name !== undefined && { name: token.name }),
  environment_id: token.env,
  permissions: expand(token.permissions ?? LEGACY_PERMISSIONS),
  created_at: String(token.created_at),
  ...(token.expires_at !== undefined && { expires_at: String(token.expires_at) }),
});

/**
 * Stores a new token for `env`; the secret is returned here once and only its hash is stored. Also the way in for
 * the first token of a deployment (the CLI and the local platform write the table with AWS credentials), so it
 * records the environment when it is new.
 */
export async function createToken(
  env: string,
  name: string | undefined,
  ctx: { tokens: TokenRepository; environments?: EnvironmentRepository; now?: () => number },
  options: { permissions?: Permission[]; expiresIn?: number; createdBy?: string } = {},
): Promise<Credentials & { token: AccessToken }> {
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  if (ctx.environments) await ensureEnvironment(env, { environments: ctx.environments, now: ctx.now });
  const id = newId();
  const secret = randomBytes(32).toString('base64url');
  const token: AccessToken = {
    id,
    env,
    secret_hash: await hashSecret(secret),
    ...(name !== undefined && { name }),
    created_at: now,
    permissions: [...(options.permissions ?? PERMISSIONS)],
    ...(options.expiresIn !== undefined && { expires_at: now + options.expiresIn }),
    ...(options.createdBy !== undefined && { created_by: options.createdBy }),
  };
  await ctx.tokens.put(token);
  return { id, secret, token };
}

export interface TokensContext {
  tokens: TokenRepository;
  environments: EnvironmentRepository;
  now?: () => number;
}

/**
 * The environment a caller's request about tokens is for: its own, or another one of the deployment when its token
 * has the organization permission (`write` says which: create/revoke or list).
 */
async function targetEnvironment(
  environmentId: string | undefined,
  caller: Caller,
  write: boolean,
  ctx: TokensContext,
): Promise<string> {
  if (environmentId === undefined || environmentId === caller.env) return caller.env;
  requirePermission(caller.permissions, write ? 'organization:write' : 'organization:read');
  if (!(await ctx.environments.get(environmentId))) throw new NotFoundError('environment', environmentId);
  return environmentId;
}

/**
 * Live access tokens per environment. Each create spends a scrypt hash in the API function and adds an item the
 * environment's listing (and the dashboard's tokens view) reads whole: without a bound a loop of creates grows both
 * without end. Expired tokens do not count (the table's TTL removes them).
 */
export const MAX_ACCESS_TOKENS = 1000;

const tooManyTokens = () =>
  new ValidationError([
    `body: an environment has at most ${MAX_ACCESS_TOKENS} access tokens; revoke one (DELETE /system/v1/access-tokens/{ACCESS_TOKEN_ID}) to add another`,
  ]);

/**
 * `POST /system/v1/access-tokens`: a token never gets a permission its creator lacks. Up to MAX_ACCESS_TOKENS live
 * tokens per environment, counted before the secret is hashed and again after the write (of creates racing past
 * the limit, each takes its own back).
 */
export async function createAccessToken(
  input: CreateAccessTokenInput,
  caller: Caller,
  ctx: TokensContext,
): Promise<MuxAccessToken & { secret: string }> {
  const env = await targetEnvironment(input.environment_id, caller, true, ctx);
  const beyond = input.permissions.filter((p) => !allows(caller.permissions, p));
  if (beyond.length > 0) {
    throw new ForbiddenError(`A token cannot grant permissions it does not have: ${beyond.join(', ')}`);
  }
  const expiresIn = lifetimeWithin(input.expires_in, caller, (ctx.now ?? Date.now)() / 1000);
  const live = async () => {
    const now = (ctx.now ?? Date.now)() / 1000;
    return (await ctx.tokens.listByEnv(env)).filter((t) => t.expires_at === undefined || t.expires_at > now).length;
  };
  const { secret, token } = await createWithinLimit({
    limit: MAX_ACCESS_TOKENS,
    count: live,
    create: () =>
      createToken(env, input.name, ctx, {
        permissions: [...new Set(input.permissions)],
        expiresIn,
        createdBy: caller.tokenId,
      }),
    undo: ({ token }) => ctx.tokens.delete(env, token.id),
    refusal: tooManyTokens,
  });
  return { ...toMuxAccessToken(token), secret };
}

/**
 * A new token's lifetime: never past its creator's. A token that expires (the dashboard's 12-hour sign-in token, one
 * made with `expires_in`) could otherwise mint a permanent one and outlive its own expiry and revocation; without
 * `expires_in` the new token ends when its creator does, and an `expires_in` past that is refused.
 */
function lifetimeWithin(expiresIn: number | undefined, caller: Caller, now: number): number | undefined {
  if (caller.expiresAt === undefined) return expiresIn;
  const left = Math.max(1, Math.floor(caller.expiresAt - now));
  if (expiresIn === undefined) return left;
  if (expiresIn > left) {
    throw new ValidationError([
      `expires_in: must be at most ${left} seconds, when the token making it expires (a token cannot outlive its creator)`,
    ]);
  }
  return expiresIn;
}

export async function listAccessTokens(
  query: z.output<typeof ListAccessTokensQuery>,
  caller: Caller,
  ctx: TokensContext,
): Promise<{ data: MuxAccessToken[] }> {
  const env = await targetEnvironment(query.environment_id, caller, false, ctx);
  return { data: (await ctx.tokens.listByEnv(env)).map(toMuxAccessToken) };
}

/** A token of the caller's environment, or of any environment for an organization:read token. */
async function visibleToken(id: string, caller: Caller, ctx: TokensContext, write: boolean): Promise<AccessToken> {
  const token = await ctx.tokens.get(id);
  if (!token) throw new NotFoundError('access_token', id);
  if (token.env !== caller.env && !allows(caller.permissions, write ? 'organization:write' : 'organization:read')) {
    throw new NotFoundError('access_token', id);
  }
  return token;
}

export async function getAccessToken(id: string, caller: Caller, ctx: TokensContext): Promise<MuxAccessToken> {
  return toMuxAccessToken(await visibleToken(id, caller, ctx, false));
}

/**
 * `DELETE /system/v1/access-tokens/{id}`: the token stops authenticating at once (the API reads the token on every
 * request), and so do the tokens it created and theirs, in any environment (each authenticates only while its
 * creator does: `verifyCredentials`); all of them are deleted and their open WebSocket connections closed.
 * A caller revokes only what it could have made (`mayRevoke`); a token it cannot see is not found, as for GET.
 */
export async function revokeAccessToken(
  id: string,
  caller: Caller,
  ctx: TokensContext & { connections: ConnectionRepository; pusher: Pusher },
): Promise<{ closedConnections: number }> {
  const token = await visibleToken(id, caller, ctx, true);
  mayRevoke(token, await madeBy(token, ctx), caller);
  await ctx.tokens.delete(token.env, token.id);
  // Read again once it is gone: a token it made between the check and the delete is revoked too (none after it).
  const revoked = [token, ...(await madeBy(token, ctx))];
  for (const made of revoked.slice(1)) {
    await ctx.tokens.delete(made.env, made.id).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error; // revoked meanwhile
    });
  }
  let closedConnections = 0;
  for (const { env, id: tokenId } of revoked) {
    const open = await ctx.connections.listByToken(env, tokenId);
    await Promise.all(
      open.map(async ({ connectionId }) => {
        await ctx.pusher.close(connectionId);
        await ctx.connections.delete(connectionId);
      }),
    );
    closedConnections += open.length;
  }
  return { closedConnections };
}

/**
 * Throws ForbiddenError unless `caller` could have made `token` and what it made. The environment's tokens are
 * system:write's to manage (the route's permission), but a token holding an organization permission the caller lacks
 * is not (an organization administrator's, or the dashboard's sign-in token), nor one whose revocation would end
 * tokens in another environment: only organization:write mints there. Without this a `system:write` token could end
 * an administrator's token of its environment, and with it every token that one made elsewhere.
 */
function mayRevoke(token: AccessToken, descendants: readonly AccessToken[], caller: Caller): void {
  const beyond = expand(token.permissions ?? LEGACY_PERMISSIONS).filter(
    (p) => p.startsWith('organization:') && !allows(caller.permissions, p),
  );
  if (beyond.length > 0) {
    throw new ForbiddenError(`A token cannot revoke a token with permissions it does not have: ${beyond.join(', ')}`);
  }
  if (descendants.some((t) => t.env !== caller.env) && !allows(caller.permissions, 'organization:write')) {
    throw new ForbiddenError(
      'Revoking this token would also revoke the tokens it made in other environments: that needs the organization:write permission',
    );
  }
}

/** The tokens `token` created, and theirs, in every environment (a revocation: a handful of environments of at most 1,000 tokens each). */
async function madeBy(token: AccessToken, ctx: TokensContext): Promise<AccessToken[]> {
  const envs = new Set([token.env, ...(await ctx.environments.list()).map((e) => e.id)]);
  const all = (await Promise.all([...envs].map((env) => ctx.tokens.listByEnv(env)))).flat();
  const found: AccessToken[] = [];
  const creators = new Set([token.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of all) {
      if (t.created_by !== undefined && creators.has(t.created_by) && !creators.has(t.id)) {
        creators.add(t.id);
        found.push(t);
        grew = true;
      }
    }
  }
  return found;
}

/** How many creators up a token's standing is checked: its own creator and theirs (the dashboard's chain is 2). */
const MAX_CREATOR_DEPTH = 8;

/**
 * Whether the token's creators still stand: each is there and unexpired, up the chain. A token created while its
 * creator was being revoked (missed by `revokeAccessToken`'s sweep) stops here too.
 */
async function creatorsStand(token: AccessToken, ctx: { tokens: TokenRepository }, now: number): Promise<boolean> {
  let creator = token.created_by;
  for (let depth = 0; creator !== undefined; depth++) {
    if (depth === MAX_CREATOR_DEPTH) return false;
    const found = await ctx.tokens.get(creator);
    if (!found || (found.expires_at !== undefined && found.expires_at <= now)) return false;
    creator = found.created_by;
  }
  return true;
}

/**
 * Resolves credentials to their token, or throws UnauthorizedError. The token is read on every call (one
 * eventually consistent GetItem), so a revoked or expired token stops working at once; `verified` remembers which
 * id:secret pairs already passed scrypt against the stored hash, so only the first request of a client pays for it.
 */
export async function verifyCredentials(
  credentials: Credentials | undefined,
  ctx: { tokens: TokenRepository; now?: () => number },
  verified?: VerifiedSecrets,
): Promise<Caller> {
  if (!credentials) throw new UnauthorizedError('Missing or malformed access token');
  const token = await ctx.tokens.get(credentials.id);
  const now = (ctx.now ?? Date.now)() / 1000;
  if (
    !token ||
    (token.expires_at !== undefined && token.expires_at <= now) ||
    !(await creatorsStand(token, ctx, now))
  ) {
    throw new UnauthorizedError('Invalid access token');
  }
  const memo = createHash('sha256').update(`${credentials.id}:${credentials.secret}`).digest('base64');
  if (verified?.get(memo) !== token.secret_hash) {
    if (!(await verifySecret(credentials.secret, token.secret_hash)))
      throw new UnauthorizedError('Invalid access token');
    verified?.remember(memo, token.secret_hash);
  }
  return {
    env: token.env,
    tokenId: token.id,
    permissions: expand(token.permissions ?? LEGACY_PERMISSIONS),
    ...(token.expires_at !== undefined && { expiresAt: token.expires_at }),
  };
}

/** Digests of id:secret pairs that passed scrypt, with the hash they matched; bounded, cleared when full. */
export class VerifiedSecrets {
  private readonly entries = new Map<string, string>();
  constructor(private readonly maxEntries = 1000) {}
  get(digest: string): string | undefined {
    return this.entries.get(digest);
  }
  remember(digest: string, secretHash: string): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(digest, secretHash);
  }
}

/** Authenticates an `Authorization: Basic base64(<id>:<secret>)` header. */
export function authenticate(
  authorization: string | undefined,
  ctx: { tokens: TokenRepository; now?: () => number },
  verified?: VerifiedSecrets,
): Promise<Caller> {
  return verifyCredentials(parseBasicAuthorization(authorization), ctx, verified);
}

/**
 * `authenticate` for one container: scrypt runs once per token and container, the token's record is read on every
 * request, so a revocation takes effect on the next request (within DynamoDB's eventual consistency, about a second)
 * instead of after a cache's lifetime.
 */
export function cachingAuthenticator(ctx: { tokens: TokenRepository; now?: () => number }, maxEntries = 1000) {
  const verified = new VerifiedSecrets(maxEntries);
  return (authorization: string | undefined): Promise<Caller> => authenticate(authorization, ctx, verified);
}
