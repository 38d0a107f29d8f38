/** Signing keys for signed playback (`/system/v1/signing-keys`, as Mux): RSA 2048, the private half shown once. */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { AssetRecord } from '../domain/media.js';
import { checkRestriction, type ViewerHeaders } from '../domain/playback-restrictions.js';
import { type TokenAudience, verifyPlaybackToken } from '../domain/playback-token.js';
import type { MediaRepository, PlaybackRestrictionRepository, SigningKey, SigningKeyRepository } from '../ports.js';
import { createWithinLimit } from './limits.js';
import { pageOfWhole, type WholeListQuery } from './listing.js';

const generateRsa = promisify(generateKeyPair);

export interface SigningKeysContext {
  env: string;
  signingKeys: SigningKeyRepository;
  now?: () => number;
}

const view = (key: SigningKey) => ({ id: key.id, created_at: String(key.created_at) });

/**
 * Signing keys per environment. Each is an item the environment's listing reads whole, and each create spends an
 * RSA key generation in the API function: without a bound a loop of creates grows both without end. Rotation needs
 * two or three; a key per signer still fits.
 */
export const MAX_SIGNING_KEYS = 100;

const tooManyKeys = () =>
  new ValidationError([
    `body: an environment has at most ${MAX_SIGNING_KEYS} signing keys; delete one (DELETE /system/v1/signing-keys/{SIGNING_KEY_ID}) to add another`,
  ]);

/**
 * Creates a key pair, stores the public key, and returns the private key as Mux does: base64 of a PKCS#1 PEM. Up to
 * MAX_SIGNING_KEYS per environment, counted before the key pair is made and again after the write (of creates racing
 * past the limit, each takes its own back).
 */
export async function createSigningKey(ctx: SigningKeysContext) {
  const { key, privateKey } = await createWithinLimit({
    limit: MAX_SIGNING_KEYS,
    count: async () => (await ctx.signingKeys.listByEnv(ctx.env)).length,
    create: async () => {
      const { publicKey, privateKey } = await generateRsa('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      const key: SigningKey = {
        id: newId(),
        env: ctx.env,
        public_key: publicKey,
        created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
      };
      await ctx.signingKeys.put(key);
      return { key, privateKey };
    },
    undo: ({ key }) => ctx.signingKeys.delete(ctx.env, key.id),
    refusal: tooManyKeys,
  });
  return { ...view(key), private_key: Buffer.from(privateKey).toString('base64') };
}

export async function listSigningKeys(query: WholeListQuery, ctx: SigningKeysContext) {
  return { data: pageOfWhole(await ctx.signingKeys.listByEnv(ctx.env), query).map(view) };
}

export async function getSigningKey(id: string, ctx: SigningKeysContext) {
  const key = await ctx.signingKeys.get(id);
  if (!key || key.env !== ctx.env) throw new NotFoundError('signing_key', id);
  return view(key);
}

export async function deleteSigningKey(id: string, ctx: SigningKeysContext): Promise<void> {
  await ctx.signingKeys.delete(ctx.env, id);
}

/** The public key a token's `kid` names, if that key belongs to `env` (a key of another environment is unknown). */
export function publicKeyLookup(env: string, signingKeys: Pick<SigningKeyRepository, 'get'>) {
  return async (keyId: string) => {
    const key = await signingKeys.get(keyId);
    return key?.env === env ? key.public_key : undefined;
  };
}

export type PlaybackAccess =
  | {
      ok: true;
      asset: AssetRecord;
      /** A signed id's token expiry (epoch seconds). */
      tokenExpiresAt?: number;
      /**
       * The token names a playback restriction: the answer was decided on this viewer's Referer and User-Agent, so it
       * must not be cached for anyone else (`RESTRICTED_CACHE_CONTROL`).
       */
      restricted?: true;
    }
  | { ok: false; status: 403 | 404; message: string };

/**
 * The Cache-Control of every answer a playback restriction allowed. The distribution's cache key holds the token but
 * not the Referer or User-Agent (a key per page URL and browser build would cache nothing), so a stored answer
 * could reach a viewer the restriction refuses: such answers are never stored, and a changed or deleted restriction
 * applies from the next request on.
 */
export const RESTRICTED_CACHE_CONTROL = 'private, no-store';

/**
 * Who may use a playback id: an unknown one, or one of a deleted asset, is 404; a `signed` one needs `token`, a
 * playback token for `audience` (`v` video, `t` thumbnail, `g` animated, `s` storyboard) signed by a signing key of
 * the asset's environment, else 403. A token naming a playback restriction plays only for a `viewer` the
 * restriction allows, else 403 (a restriction deleted, or of another environment, refuses every viewer). Mux applies
 * restrictions to signed playback only, so a `public` id reads none. Returns the asset it plays.
 */
export async function authorizePlayback(
  playbackId: string,
  audience: TokenAudience,
  token: string | undefined,
  deps: {
    media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>;
    /** Public keys for `signed` playback ids; without it they never play. */
    signingKeys?: Pick<SigningKeyRepository, 'get'>;
    /** The restrictions tokens may name; without it a token naming one never plays. */
    restrictions?: Pick<PlaybackRestrictionRepository, 'get'>;
    nowSeconds?: number;
  },
  viewer: ViewerHeaders = {},
): Promise<PlaybackAccess> {
  const playback = await deps.media.getPlaybackId(playbackId);
  if (!playback) return { ok: false, status: 404, message: 'Playback ID not found' };
  const asset = await deps.media.getAsset(playback.asset_id);
  if (!asset || asset.status === 'deleted') return { ok: false, status: 404, message: 'Playback ID not found' };
  if (playback.policy === 'public') return { ok: true, asset };
  const check = await verifyPlaybackToken(token, {
    playbackId,
    audience,
    publicKey: publicKeyLookup(asset.env, deps.signingKeys ?? { get: async () => undefined }),
    ...(deps.nowSeconds !== undefined && { nowSeconds: deps.nowSeconds }),
  });
  if (!check.ok) return { ok: false, status: 403, message: check.reason };
  if (check.restrictionId === undefined) return { ok: true, asset, tokenExpiresAt: check.expiresAt };
  const restriction = await deps.restrictions?.get(check.restrictionId);
  if (!restriction || restriction.env !== asset.env) {
    return { ok: false, status: 403, message: 'The playback restriction the token names does not exist' };
  }
  const allowed = checkRestriction(restriction, viewer);
  if (!allowed.ok) return { ok: false, status: 403, message: allowed.reason };
  return { ok: true, asset, tokenExpiresAt: check.expiresAt, restricted: true };
}
