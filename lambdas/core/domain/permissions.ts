import { DomainError } from './errors.js';

/**
 * What an access token may do. Mux scopes tokens with `video:read` / `video:write` (assets, uploads, playback ids)
 * and `system:read` / `system:write` (signing keys, webhooks, access tokens); Gamma adds `organization:read` /
 * `organization:write` for what spans environments (listing, creating and renaming environments; tokens for another
 * environment of the deployment). Write includes read, as Mux's "Read and Write" does.
 */
export const PERMISSIONS = [
  'video:read',
  'video:write',
  'system:read',
  'system:write',
  'organization:read',
  'organization:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Tokens stored before permissions existed have none recorded: they keep full access (every permission), so an
 * existing deployment's clients keep working after the upgrade. Revoke them and mint scoped ones to narrow them.
 */
export const LEGACY_PERMISSIONS: readonly Permission[] = PERMISSIONS;

/** Who is calling: the environment the token belongs to and what it may do there. */
export interface Caller {
  env: string;
  tokenId: string;
  permissions: readonly Permission[];
  /** When the token stops working (unix seconds), if it expires: what lives beyond the request (a socket) ends then. */
  expiresAt?: number;
}

/** The read permission a write permission includes. */
const READ_OF: Partial<Record<Permission, Permission>> = {
  'video:write': 'video:read',
  'system:write': 'system:read',
  'organization:write': 'organization:read',
};

/** What a route needs: a permission, or `any` (every valid token, as Mux's whoami). */
export type Requirement = Permission | 'any';

/** Whether a token holding `held` may do what `required` guards. */
export function allows(held: readonly Permission[], required: Requirement): boolean {
  return required === 'any' || held.some((p) => p === required || READ_OF[p] === required);
}

/** Every permission `held` grants, reads implied by writes included, in PERMISSIONS order. */
export function expand(held: readonly Permission[]): Permission[] {
  return PERMISSIONS.filter((p) => allows(held, p));
}

/** The caller's token may not do this (it lacks a permission): 403 in Mux's error shape. */
export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
}

/** Throws ForbiddenError unless `held` allows `required`. */
export function requirePermission(held: readonly Permission[], required: Requirement): void {
  if (!allows(held, required)) throw new ForbiddenError(`This access token does not have the ${required} permission`);
}
