/**
 * Environments: the deployment is one organisation; every asset, upload, signing key, webhook endpoint and access
 * token belongs to exactly one environment, and a token acts only in its own. A token with `organization:read` sees
 * every environment (to offer a switch); `organization:write` creates and renames them and mints tokens for them.
 */
import { z } from 'zod';
import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { allows, type Caller, requirePermission } from '../domain/permissions.js';
import type { Environment, EnvironmentRepository, TokenRepository } from '../ports.js';

export const EnvironmentInput = z.strictObject({
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' }),
});
export type EnvironmentInput = z.output<typeof EnvironmentInput>;

/** What an environment id given by hand (the CLI's `--env`) may be: the API's own ids are 24 base62 characters. */
export const ENVIRONMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface MuxEnvironment {
  id: string;
  name: string;
  created_at: string;
}

const toMux = (e: Environment): MuxEnvironment => ({ id: e.id, name: e.name, created_at: String(e.created_at) });

interface EnvironmentsContext {
  environments: EnvironmentRepository;
  now?: () => number;
}

/**
 * The record of `id`, created (named after its id) when it has none: tokens made before environments were recorded
 * name an environment that has no record yet.
 */
export async function ensureEnvironment(id: string, ctx: EnvironmentsContext): Promise<Environment> {
  const stored = await ctx.environments.get(id);
  if (stored) return stored;
  return ctx.environments.putIfAbsent({ id, name: id, created_at: Math.floor((ctx.now ?? Date.now)() / 1000) });
}

/** `GET /system/v1/environments`: the caller's own, or every one with organization:read. */
export async function listEnvironments(caller: Caller, ctx: EnvironmentsContext): Promise<{ data: MuxEnvironment[] }> {
  if (!allows(caller.permissions, 'organization:read'))
    return { data: [toMux(await ensureEnvironment(caller.env, ctx))] };
  const all = await ctx.environments.list();
  // The caller's own environment is listed even when it predates environment records.
  const own = all.some((e) => e.id === caller.env) ? [] : [await ensureEnvironment(caller.env, ctx)];
  return { data: [...own, ...all].map(toMux) };
}

export async function getEnvironment(id: string, caller: Caller, ctx: EnvironmentsContext): Promise<MuxEnvironment> {
  if (id === caller.env) return toMux(await ensureEnvironment(id, ctx));
  const environment = allows(caller.permissions, 'organization:read') ? await ctx.environments.get(id) : undefined;
  if (!environment) throw new NotFoundError('environment', id);
  return toMux(environment);
}

export async function createEnvironment(
  input: EnvironmentInput,
  caller: Caller,
  ctx: EnvironmentsContext,
): Promise<MuxEnvironment> {
  requirePermission(caller.permissions, 'organization:write');
  const created = await ctx.environments.putIfAbsent({
    id: newId(),
    name: input.name,
    created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
  });
  return toMux(created);
}

export async function renameEnvironment(
  id: string,
  input: EnvironmentInput,
  caller: Caller,
  ctx: EnvironmentsContext,
): Promise<MuxEnvironment> {
  requirePermission(caller.permissions, 'organization:write');
  if (id === caller.env) await ensureEnvironment(id, ctx);
  return toMux(await ctx.environments.rename(id, input.name));
}

/**
 * `GET /system/v1/whoami` (Mux's): the token's name, environment and permissions; every token may call it. Gamma has
 * one organisation per deployment and no environment types, so Mux's organization and environment_type fields are
 * not returned; it adds `expires_at` for a token that expires.
 */
export async function whoami(
  caller: Caller,
  ctx: EnvironmentsContext & { tokens: TokenRepository },
): Promise<{
  access_token_name?: string;
  environment_id: string;
  environment_name: string;
  permissions: string[];
  expires_at?: string;
}> {
  const [token, environment] = await Promise.all([ctx.tokens.get(caller.tokenId), ensureEnvironment(caller.env, ctx)]);
  return {
    ...(token?.name !== undefined && { access_token_name: token.name }),
    environment_id: environment.id,
    environment_name: environment.name,
    permissions: [...caller.permissions],
    // Gamma's: when the token stops working (a token it makes may not outlive it: tokens.ts `lifetimeWithin`).
    ...(caller.expiresAt !== undefined && { expires_at: String(caller.expiresAt) }),
  };
}
