/** Who may do what: access tokens, environments and playback signing keys. */
import type { Permission } from '../domain/permissions.js';
import type { PlaybackRestrictionRules } from '../domain/playback-restrictions.js';

export interface AccessToken {
  id: string;
  env: string;
  /** scrypt hash of the secret, `salt:hash` in hex. */
  secret_hash: string;
  name?: string;
  created_at: number;
  /** Absent on tokens stored before permissions existed: they have full access (LEGACY_PERMISSIONS). */
  permissions?: Permission[];
  /** Unix seconds after which the token no longer authenticates (absent: until revoked). */
  expires_at?: number;
  /**
   * The token that created it through the API (`POST /system/v1/access-tokens`): it authenticates only while that one
   * does, so revoking a token revokes what it made, and what they made. Absent on a token made at deploy time, by
   * the dashboard's sign-in or before this was recorded.
   */
  created_by?: string;
}

/** Access tokens by id. Revoking deletes the token, so the next lookup of its id finds nothing. */
export interface TokenRepository {
  get(id: string): Promise<AccessToken | undefined>;
  /** AlreadyExistsError when the id is taken. */
  put(token: AccessToken): Promise<void>;
  /** The environment's tokens, oldest first. */
  listByEnv(env: string): Promise<AccessToken[]>;
  /** NotFoundError when the environment has no such token. */
  delete(env: string, id: string): Promise<void>;
}

/** An environment of the deployment: assets, uploads, keys, webhooks and tokens belong to exactly one. */
export interface Environment {
  id: string;
  name: string;
  created_at: number;
}

export interface EnvironmentRepository {
  get(id: string): Promise<Environment | undefined>;
  /** Creates the environment unless one with its id exists; returns the stored one. */
  putIfAbsent(environment: Environment): Promise<Environment>;
  /** Oldest first. */
  list(): Promise<Environment[]>;
  /** NotFoundError when there is no such environment. */
  rename(id: string, name: string): Promise<Environment>;
}

/** A signing key: Gamma keeps only the public half; the private key is returned once, at creation. */
export interface SigningKey {
  id: string;
  env: string;
  /** SPKI PEM. */
  public_key: string;
  created_at: number;
}

export interface SigningKeyRepository {
  put(key: SigningKey): Promise<void>;
  get(id: string): Promise<SigningKey | undefined>;
  listByEnv(env: string): Promise<SigningKey[]>;
  /** NotFoundError when the environment has no such key. */
  delete(env: string, id: string): Promise<void>;
}

/** A playback restriction (domain/playback-restrictions.ts) of an environment; created_at/updated_at in epoch seconds. */
export interface PlaybackRestriction extends PlaybackRestrictionRules {
  id: string;
  env: string;
  created_at: number;
  updated_at: number;
}

export interface PlaybackRestrictionRepository {
  put(restriction: PlaybackRestriction): Promise<void>;
  /** Read consistently: the playback function applies a changed restriction from the next request on. */
  get(id: string): Promise<PlaybackRestriction | undefined>;
  /** Every restriction of the environment (there are at most MAX_PLAYBACK_RESTRICTIONS), newest first. */
  listByEnv(env: string): Promise<PlaybackRestriction[]>;
  /** Replaces one rule; NotFoundError when the environment has no such restriction. */
  replaceRule<K extends keyof PlaybackRestrictionRules>(
    env: string,
    id: string,
    rule: K,
    value: PlaybackRestrictionRules[K],
    updatedAt: number,
  ): Promise<PlaybackRestriction>;
  /** NotFoundError when the environment has no such restriction. */
  delete(env: string, id: string): Promise<void>;
}
