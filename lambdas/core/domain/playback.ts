/**
 * Playback paths. `/{playbackId}.m3u8` serves the master playlist, rewritten to point at the asset's renditions
 * under `/assets/{assetId}/`; every URI there carries one CloudFront signature for the asset's folder
 * (cdn-signature.ts), and the rendition playlists hand the same signature on to their segments.
 */
import { assetOutputPrefix } from './layout.js';

const PLAYBACK_PATH = /^\/([A-Za-z0-9]{8,64})\.m3u8$/;
const RENDITION_PLAYLIST_PATH = /^\/assets\/([A-Za-z0-9]+)\/((?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+\.m3u8)$/;

/** How long a signature may live at most: a day, rounded up to the hour so it stays the same for an hour. */
export const MAX_SIGNATURE_SECONDS = 24 * 3600;

/** The playback id a request path asks for, or undefined if the path is not a playback path. */
export function playbackIdFromPath(path: string): string | undefined {
  return PLAYBACK_PATH.exec(path)?.[1];
}

/** `/assets/{assetId}/720p/index.m3u8` → the asset and the playlist's key in the output bucket. */
export function renditionPlaylistFromPath(path: string): { assetId: string; key: string } | undefined {
  const match = RENDITION_PLAYLIST_PATH.exec(path);
  if (!match?.[1] || !match[2] || match[2].split('/').includes('..')) return undefined;
  return { assetId: match[1], key: `${assetOutputPrefix(match[1])}/${match[2]}` };
}

/** What one signature grants: every file of the asset, at this stream URL only. */
export const assetResource = (streamUrl: string, assetId: string) =>
  `${streamUrl.replace(/\/+$/, '')}/${assetOutputPrefix(assetId)}/*`;

/**
 * When a signature handed out now expires: at the token's expiry for a signed playback id, and never more than
 * a day ahead (rounded up to the hour: the same signature, and so the same cached playlists, for an hour). A
 * public playback id gets the full day; re-requesting the master playlist gets a fresh one.
 */
export function signatureExpiry(nowSeconds: number, tokenExpiresAt?: number): number {
  const cap = Math.ceil((nowSeconds + MAX_SIGNATURE_SECONDS) / 3600) * 3600;
  return tokenExpiresAt === undefined ? cap : Math.min(tokenExpiresAt, cap);
}

/**
 * The stored master playlist names renditions relative to itself (`720p/index.m3u8`). Served at
 * `/{playbackId}.m3u8`, those URIs must point into the asset's folder instead: `assets/{assetId}/720p/index.m3u8`,
 * still relative, so the same text works behind any host, each with the signature's `query` appended.
 */
export function rewriteMasterPlaylist(master: string, assetId: string, query = ''): string {
  const prefix = `${assetOutputPrefix(assetId)}/`;
  return rewriteUris(master, (uri) => (isAbsolute(uri) ? uri : withQuery(prefix + uri, query)));
}

/**
 * A rendition playlist as stored names its init segment (`EXT-X-MAP`) and segments relative to itself; a relative
 * URI drops the playlist's query string, so each relative one gets the signature's `query` appended.
 */
export function rewriteMediaPlaylist(playlist: string, query: string): string {
  return rewriteUris(playlist, (uri) => (isAbsolute(uri) ? uri : withQuery(uri, query)));
}

/** Applies `rewrite` to every URI line and every `URI="…"` attribute of a playlist. */
function rewriteUris(playlist: string, rewrite: (uri: string) => string): string {
  return playlist
    .split('\n')
    .map((line) => {
      if (line.trim() === '') return line;
      if (line.startsWith('#')) return line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${rewrite(uri)}"`);
      return rewrite(line);
    })
    .join('\n');
}

const withQuery = (uri: string, query: string) => (query ? `${uri}${uri.includes('?') ? '&' : '?'}${query}` : uri);
const isAbsolute = (uri: string) => /^[a-z]+:\/\//i.test(uri) || uri.startsWith('/');
