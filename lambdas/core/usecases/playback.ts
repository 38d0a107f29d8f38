import type { SignatureCheck } from '../domain/cdn-signature.js';
import { signatureQuery } from '../domain/cdn-signature.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../domain/layout.js';
import {
  masterPlaylistUris,
  renditionFiles,
  renditionPlaylistFromPath,
  rewriteMasterPlaylist,
  rewriteMediaPlaylist,
  signatureExpiry,
} from '../domain/playback.js';
import type { MediaRepository, SigningKeyRepository } from '../ports.js';
import { authorizePlayback } from './signing-keys.js';

/** Reads a text object; undefined when it does not exist. */
export interface TextObjects {
  getText(bucket: string, key: string): Promise<string | undefined>;
}

/**
 * Signs and checks the CloudFront signatures that open an asset's files under `/assets/{assetId}/`
 * (domain/cdn-signature.ts; adapters/cdn-signer.ts holds the key).
 */
export interface AssetUrlSigner {
  /**
   * The query string that grants the asset's `files` (relative to its folder, `*` a wildcard: `720p/*`,
   * `highest.mp4`; domain/playback.ts `assetResource`) until `expiresAt` (epoch seconds).
   */
  sign(assetId: string, files: string, expiresAt: number): Promise<string>;
  /** Checks a request for one of those files: its path and raw query string as the distribution received them. */
  verify(path: string, rawQuery: string, nowSeconds?: number): Promise<SignatureCheck>;
}

export type PlaybackResult = { status: 200; playlist: string } | { status: 403 | 404 | 412; message: string };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Resolves `/{playbackId}.m3u8`: the playback id must exist, a `signed` one needs a valid token, and its asset must
 * be playable: ready, or still preparing once the transcoder has published a first master playlist (fast start).
 * The transcoder writes the master only after its renditions' first segments, so an asset without one is not
 * served. Every rendition URI carries a signature for its rendition's folder that expires with the token (at most
 * a day ahead): without one, the distribution refuses the asset's playlists and segments, and with one a viewer
 * still cannot reach the asset's stills, storyboard or preview frames, which need their own token audiences.
 */
export async function resolvePlayback(
  playbackId: string,
  deps: {
    media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>;
    objects: TextObjects;
    outputBucket: string;
    signer: Pick<AssetUrlSigner, 'sign'>;
    /** Public keys for `signed` playback ids; without it they never play. */
    signingKeys?: Pick<SigningKeyRepository, 'get'>;
  },
  /** The `?token=` a `signed` playback id needs (signing-keys.ts, playback-token.ts). */
  request: { token?: string } = {},
): Promise<PlaybackResult> {
  const access = await authorizePlayback(playbackId, 'v', request.token, deps);
  if (!access.ok) return { status: access.status, message: access.message };
  const { asset, tokenExpiresAt } = access;
  if (asset.status === 'errored') return { status: 412, message: 'The asset is errored' };
  const master = await deps.objects.getText(deps.outputBucket, `${assetOutputPrefix(asset.id)}/${MASTER_PLAYLIST}`);
  if (master === undefined) return { status: 412, message: `The asset is ${asset.status} and not playable yet` };
  const expiresAt = signatureExpiry(nowSeconds(), tokenExpiresAt);
  const scopes = [...new Set(masterPlaylistUris(master).map(renditionFiles))];
  const queries = new Map(
    await Promise.all(
      scopes.map(async (files) => [files, await deps.signer.sign(asset.id, files, expiresAt)] as const),
    ),
  );
  const queryFor = (uri: string) => queries.get(renditionFiles(uri)) ?? '';
  return { status: 200, playlist: rewriteMasterPlaylist(master, asset.id, queryFor) };
}

export type RenditionPlaylistResult =
  | { status: 200; playlist: string; cacheControl: string }
  | { status: 403 | 404; message: string };

/**
 * Serves `/assets/{assetId}/…/index.m3u8` (the distribution routes it here after checking the signature, and it is
 * checked again): the stored rendition playlist with the request's signature appended to its segment and init
 * segment URIs. A playlist still growing (fast start) is cached for 2 s, as stored; a finished one for a minute.
 */
export async function resolveRenditionPlaylist(
  request: { path: string; rawQuery: string },
  deps: { objects: TextObjects; outputBucket: string; signer: Pick<AssetUrlSigner, 'verify'> },
): Promise<RenditionPlaylistResult> {
  const target = renditionPlaylistFromPath(request.path);
  if (!target) return { status: 404, message: 'Not found' };
  const check = await deps.signer.verify(request.path, request.rawQuery);
  if (!check.ok) return { status: 403, message: check.reason };
  const playlist = await deps.objects.getText(deps.outputBucket, target.key);
  if (playlist === undefined) return { status: 404, message: 'Not found' };
  const query = signatureQuery(new URL(`http://x/?${request.rawQuery}`));
  const ended = playlist.includes('#EXT-X-ENDLIST');
  return {
    status: 200,
    playlist: rewriteMediaPlaylist(playlist, query),
    cacheControl: ended ? 'public, max-age=60' : 'public, max-age=2',
  };
}
