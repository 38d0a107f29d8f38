/**
 * Playback paths. `/{playbackId}.m3u8` serves the master playlist, rewritten to point at the asset's renditions
 * under `/assets/{assetId}/`; every URI there carries a CloudFront signature for its rendition's folder only
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

/**
 * What one signature grants: the asset's files matching `files` (relative to its folder, e.g. `720p/*` for a
 * rendition and its segments, `highest.mp4` for a download), at this stream URL only. Never the whole folder:
 * stills, the storyboard and preview frames live there too, and a video (`v`) token must not open them (they need
 * `t`, `s` or `g` tokens, checked by the playback function).
 */
export const assetResource = (streamUrl: string, assetId: string, files: string) =>
  `${streamUrl.replace(/\/+$/, '')}/${assetOutputPrefix(assetId)}/${files}`;

/**
 * The files a master playlist's relative URI needs signed: its folder (`720p/index.m3u8` → `720p/*`, which holds
 * the playlist's segments), or, for a playlist at the top of the asset's folder (MediaConvert's
 * `master_720p.m3u8` beside `master_720p_00001.ts`), the files named like it (`master_720p*`).
 */
export function renditionFiles(uri: string): string {
  const slash = uri.lastIndexOf('/');
  if (slash >= 0) return `${uri.slice(0, slash)}/*`;
  const dot = uri.lastIndexOf('.');
  return `${dot > 0 ? uri.slice(0, dot) : uri}*`;
}

/** The relative URIs of a master playlist, each once: what `rewriteMasterPlaylist` will sign. */
export function masterPlaylistUris(master: string): string[] {
  const uris = new Set<string>();
  rewriteUris(master, (uri) => {
    if (!isAbsolute(uri)) uris.add(uri);
    return uri;
  });
  return [...uris];
}

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
 * still relative, so the same text works behind any host, each with its signature's query (`queryFor`) appended.
 */
export function rewriteMasterPlaylist(
  master: string,
  assetId: string,
  queryFor: (uri: string) => string = () => '',
): string {
  const prefix = `${assetOutputPrefix(assetId)}/`;
  return rewriteUris(master, (uri) => (isAbsolute(uri) ? uri : withQuery(prefix + uri, queryFor(uri))));
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
