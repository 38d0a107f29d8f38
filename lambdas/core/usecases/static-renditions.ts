/**
 * Static renditions (MP4/M4A downloads): the request fields the asset and upload schemas share, and
 * `GET {streamUrl}/{playbackId}/{name}` (e.g. `/abc123/highest.mp4`), which checks the playback id as the master
 * playlist does and redirects into the asset's folder with a CloudFront signature for it.
 */
import { z } from 'zod';
import { assetOutputPrefix } from '../domain/layout.js';
import { signatureExpiry } from '../domain/playback.js';
import type { ViewerHeaders } from '../domain/playback-restrictions.js';
import {
  MP4_SUPPORT_VALUES,
  type Mp4Support,
  STATIC_RESOLUTIONS,
  type StaticRenditionRequest,
  staticFileNamed,
} from '../domain/static-renditions.js';
import type { MediaRepository, PlaybackRestrictionRepository, SigningKeyRepository } from '../ports.js';
import { Passthrough } from './assets.js';
import type { AssetUrlSigner } from './playback.js';
import { authorizePlayback } from './signing-keys.js';

/** One requested file (Mux's `CreateStaticRenditionRequest`): in `static_renditions`, and the body of `POST …/static-renditions`. */
export const StaticRenditionRequestInput = z.strictObject({
  resolution: z.enum(STATIC_RESOLUTIONS, { error: `must be one of ${STATIC_RESOLUTIONS.join(', ')}` }),
  passthrough: Passthrough.optional(),
});

/** The request fields, spread into the create-asset and `new_asset_settings` schemas. */
export const staticRenditionFields = {
  static_renditions: z
    .array(StaticRenditionRequestInput)
    .max(STATIC_RESOLUTIONS.length)
    .refine((list) => new Set(list.map((r) => r.resolution)).size === list.length, {
      error: 'must name each resolution at most once',
    })
    .optional(),
  /** Deprecated by Mux; translated into `static_renditions`. */
  mp4_support: z
    .enum(MP4_SUPPORT_VALUES, {
      error: `must be one of ${MP4_SUPPORT_VALUES.join(', ')} (or use static_renditions)`,
    })
    .optional(),
};

/**
 * The deprecated `mp4_support` or `static_renditions`, not both (refused, as Mux does: "you may not enable both").
 * `none` enables nothing, so it goes with either. It is kept as given: an upload's `new_asset_settings` echo the
 * settings sent (Mux's reference answers a create with them, the deprecated `playback_policy` under its current name
 * `playback_policies`), and `none` is one of the values Mux documents there; it makes no file (domain
 * `staticRenditionsFor`).
 */
export function withStaticRenditions<
  T extends { static_renditions?: StaticRenditionRequest[] | undefined; mp4_support?: Mp4Support | undefined },
>({ mp4_support, ...rest }: T, ctx: z.RefinementCtx): Omit<T, 'mp4_support'> & { mp4_support?: Mp4Support } {
  if (mp4_support === undefined) return rest;
  if (mp4_support !== 'none' && rest.static_renditions !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['mp4_support'], message: 'cannot be given with static_renditions' });
    return rest;
  }
  return { ...rest, mp4_support };
}

export type StaticRenditionResult =
  | { status: 302; location: string; cacheControl: string }
  | { status: 403 | 404 | 412; message: string };

/** Signs the query that opens some of an asset's files (usecases/playback.ts `AssetUrlSigner`). */
export type AssetFolderSigner = Pick<AssetUrlSigner, 'sign'>;

/**
 * Resolves `/{playbackId}/{name}`: the playback id must exist, a `signed` one needs a token for audience `v` (as
 * playback does), and the asset must have that file `ready`. Answers a redirect to `/assets/{assetId}/{name}` with a
 * signature for the asset's folder that lives as long as the token (at most a day), so the distribution serves the
 * bytes, with range requests, straight from the output bucket.
 */
export async function resolveStaticRendition(
  request: { playbackId: string; name: string; token?: string; viewer?: ViewerHeaders },
  deps: {
    media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>;
    signer: AssetFolderSigner;
    signingKeys?: Pick<SigningKeyRepository, 'get'>;
    restrictions?: Pick<PlaybackRestrictionRepository, 'get'>;
    nowSeconds?: number;
  },
): Promise<StaticRenditionResult> {
  const { playbackId, name } = request;
  const access = await authorizePlayback(playbackId, 'v', request.token, deps, request.viewer);
  if (!access.ok) return { status: access.status, message: access.message };
  const { asset, tokenExpiresAt } = access;
  const file = staticFileNamed(asset.static_renditions, name);
  if (!file) return { status: 404, message: `The asset has no static rendition ${name}` };
  if (file.status !== 'ready') return { status: 412, message: `The static rendition ${name} is ${file.status}` };
  const now = deps.nowSeconds ?? Math.floor(Date.now() / 1000);
  const expiresAt = signatureExpiry(now, tokenExpiresAt);
  // Signed for this file alone: a `v` token opens its downloads, not the asset's images.
  // The file's own name: Mux's `capped-1080p.mp4` is Gamma's `highest.mp4`.
  const query = await deps.signer.sign(asset.id, file.name, expiresAt);
  return {
    status: 302,
    location: `/${assetOutputPrefix(asset.id)}/${file.name}?${query}`,
    // The redirect may be reused while its signature is valid, but no longer than its token allows.
    cacheControl: tokenExpiresAt === undefined ? 'public, max-age=3600' : 'private, no-store',
  };
}
