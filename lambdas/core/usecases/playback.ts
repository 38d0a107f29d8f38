import { decodeJwt } from 'jose';
import { audioRenditions } from '../domain/audio-tracks.js';
import type { SignatureCheck } from '../domain/cdn-signature.js';
import { signatureQuery } from '../domain/cdn-signature.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../domain/layout.js';
import type { AssetRecord } from '../domain/media.js';
import {
  masterPlaylistUris,
  renditionFiles,
  renditionPlaylistFromPath,
  rewriteMasterPlaylist,
  rewriteMediaPlaylist,
  signatureExpiry,
} from '../domain/playback.js';
import {
  CLIP_PARAMETERS,
  type ClipWindow,
  clipQuery,
  clipWindow,
  languageMatches,
  PLAYBACK_MODIFIERS,
  type PlaybackModifiers,
  parsePlaybackModifiers,
} from '../domain/playback-modifiers.js';
import type { ViewerHeaders } from '../domain/playback-restrictions.js';
import { composeMasterPlaylist, parseMasterPlaylist, trimMediaPlaylist } from '../domain/playlist.js';
import { parseTextTrack, toTranscript } from '../domain/text-tracks.js';
import { subtitleRenditions } from '../domain/text-tracks-asset.js';
import { textTrackFile } from '../domain/text-tracks-hls.js';
import type { MediaRepository, PlaybackRestrictionRepository, SigningKeyRepository } from '../ports.js';
import { authorizePlayback, RESTRICTED_CACHE_CONTROL } from './signing-keys.js';

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

export type PlaybackResult =
  | { status: 200; playlist: string; cacheControl: string }
  | { status: 400 | 403 | 404 | 412; message: string };

/**
 * A master playlist is cached briefly (its signatures are valid for a day, rounded to the hour); one a playback
 * restriction allowed is never stored (signing-keys.ts `RESTRICTED_CACHE_CONTROL`).
 */
const MASTER_CACHE_CONTROL = 'public, max-age=10';

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
    /** The playback restrictions a token may name. */
    restrictions?: Pick<PlaybackRestrictionRepository, 'get'>;
  },
  /**
   * The `?token=` a `signed` playback id needs (signing-keys.ts, playback-token.ts), and the rest of the query,
   * where a `public` playback id's modifiers are (playback-modifiers.ts); the viewer's headers, for a restriction.
   */
  request: { token?: string; query?: Readonly<Record<string, string | undefined>>; viewer?: ViewerHeaders } = {},
): Promise<PlaybackResult> {
  const access = await authorizePlayback(playbackId, 'v', request.token, deps, request.viewer);
  if (!access.ok) return { status: access.status, message: access.message };
  const { asset, tokenExpiresAt } = access;
  const modifiers = modifiersOf(request, tokenExpiresAt !== undefined, asset);
  if (!modifiers.ok) return { status: 400, message: modifiers.messages.join('; ') };
  if (asset.status === 'errored') return { status: 412, message: 'The asset is errored' };
  const master = await deps.objects.getText(deps.outputBucket, `${assetOutputPrefix(asset.id)}/${MASTER_PLAYLIST}`);
  if (master === undefined) return { status: 412, message: `The asset is ${asset.status} and not playable yet` };
  const edited = editMasterPlaylist(master, asset, modifiers.value);
  // Each rendition (subtitles included) is signed for its own folder only, so a video token opens no images.
  const expiresAt = signatureExpiry(nowSeconds(), tokenExpiresAt);
  const scopes = [...new Set(masterPlaylistUris(edited).map(renditionFiles))];
  const queries = new Map(
    await Promise.all(
      scopes.map(async (files) => [files, await deps.signer.sign(asset.id, files, expiresAt)] as const),
    ),
  );
  const clip = clipQuery(modifiers.value.clip);
  const queryFor = (uri: string) => [clip, queries.get(renditionFiles(uri)) ?? ''].filter(Boolean).join('&');
  return {
    status: 200,
    playlist: rewriteMasterPlaylist(edited, asset.id, queryFor),
    cacheControl: access.restricted ? RESTRICTED_CACHE_CONTROL : MASTER_CACHE_CONTROL,
  };
}

/**
 * The playback modifiers of a request: a `public` playback id's from its query; a `signed` one's from its token's
 * claims (verified by now), and none in the query, which the viewer could change. A clip must start before the end.
 */
function modifiersOf(
  request: { token?: string; query?: Readonly<Record<string, string | undefined>> },
  signed: boolean,
  asset: AssetRecord,
): { ok: true; value: PlaybackModifiers } | { ok: false; messages: string[] } {
  const query = request.query ?? {};
  if (signed) {
    const inQuery = PLAYBACK_MODIFIERS.filter((name) => query[name] !== undefined);
    if (inQuery.length > 0) {
      return {
        ok: false,
        messages: inQuery.map((name) => `${name}: goes in the token's claims for a signed playback ID, not the URL`),
      };
    }
  }
  const parsed = parsePlaybackModifiers(signed && request.token ? decodeJwt(request.token) : query);
  if (!parsed.ok) return parsed;
  const start = parsed.value.clip?.start;
  if (start !== undefined && asset.duration !== undefined && start >= asset.duration) {
    return { ok: false, messages: [`asset_start_time: must be before the asset's end (${asset.duration} s)`] };
  }
  return parsed;
}

/**
 * The stored master as this request gets it (Mux's playback modifiers): variants limited to `min_resolution` …
 * `max_resolution` by their short side (the nearest one kept when none fits, so the asset still plays), ordered
 * highest first for `rendition_order=desc`, the asset's ready text tracks as its SUBTITLES group (the one in
 * `default_subtitles_lang` DEFAULT), and with `redundant_streams=true` every variant listed twice: the second copy
 * names the same rendition playlist under another URL (`?redundant=1`, its own cache entry), so a player whose
 * playlist request fails — a function error, a 5xx at an edge — fails over to it. Gamma serves from one CloudFront
 * distribution, so that is the redundancy there is: not a second CDN, as Mux's are.
 */
export function editMasterPlaylist(master: string, asset: AssetRecord, modifiers: PlaybackModifiers): string {
  const lang = modifiers.defaultSubtitlesLang;
  const subtitles = subtitleRenditions(asset, lang ? (code) => languageMatches(code, lang) : undefined);
  const audio = audioRenditions(asset);
  const { clip: _clip, redundantStreams, ...filters } = modifiers;
  // Nothing to change: the stored master as written (a MediaConvert master keeps whatever else it carries).
  const extras = subtitles.length + audio.length;
  if (extras === 0 && !redundantStreams && Object.keys(filters).length === 0) return master;
  const { version, variants } = parseMasterPlaylist(master);
  const short = (v: (typeof variants)[number]) =>
    v.resolution ? Math.min(v.resolution.width, v.resolution.height) : 0;
  const video = variants.filter((v) => v.resolution);
  let kept = video.filter(
    (v) => short(v) <= (modifiers.maxHeight ?? Number.POSITIVE_INFINITY) && short(v) >= (modifiers.minHeight ?? 0),
  );
  if (kept.length === 0 && video.length > 0) {
    const byHeight = [...video].sort((a, b) => short(a) - short(b));
    const nearest = modifiers.maxHeight !== undefined ? byHeight[0] : byHeight[byHeight.length - 1];
    kept = nearest ? [nearest] : [];
  }
  if (video.length === 0) kept = variants;
  if (modifiers.renditionOrder === 'desc') kept = [...kept].sort((a, b) => b.bandwidth - a.bandwidth);
  return composeMasterPlaylist({
    version,
    variants: kept,
    subtitles,
    audio,
    ...(redundantStreams && { backupUri: (uri: string) => `${uri}?redundant=1` }),
  });
}

export type RenditionPlaylistResult =
  | { status: 200; playlist: string; cacheControl: string }
  | { status: 400 | 403 | 404; message: string };

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
  const params = new URL(`http://x/?${request.rawQuery}`).searchParams;
  const clip = clipOf(params);
  if (!clip.ok) return { status: 400, message: clip.messages.join('; ') };
  const trimmed = clip.value ? trimMediaPlaylist(playlist, clip.value) : playlist;
  if (trimmed === undefined) return { status: 400, message: 'asset_start_time: is after the end of the asset' };
  const query = signatureQuery(new URL(`http://x/?${request.rawQuery}`));
  const ended = playlist.includes('#EXT-X-ENDLIST');
  return {
    status: 200,
    playlist: rewriteMediaPlaylist(trimmed, query),
    cacheControl: ended ? 'public, max-age=60' : 'public, max-age=2',
  };
}

/**
 * The instant clip a rendition playlist's URL carries (the master put it there). Each parameter at most once: the
 * signature's policy is matched against the whole query, and a second copy must not pick another window.
 */
function clipOf(params: URLSearchParams): { ok: true; value?: ClipWindow } | { ok: false; messages: string[] } {
  const messages: string[] = [];
  const source: Record<string, string> = {};
  for (const name of CLIP_PARAMETERS) {
    const values = params.getAll(name);
    if (values.length > 1) messages.push(`${name}: given more than once`);
    if (values[0] !== undefined) source[name] = values[0];
  }
  const value = clipWindow(source, messages);
  return messages.length > 0 ? { ok: false, messages } : { ok: true, ...(value && { value }) };
}

const TEXT_TRACK_PATH = /^\/([A-Za-z0-9]{8,64})\/text\/([A-Za-z0-9]{1,64})\.(vtt|txt)$/;

export interface TextTrackRequest {
  playbackId: string;
  trackId: string;
  format: 'vtt' | 'txt';
}

/** `/{playbackId}/text/{trackId}.vtt` (or `.txt`) → what it asks for; undefined for other paths. */
export function textTrackFromPath(path: string): TextTrackRequest | undefined {
  const [, playbackId, trackId, format] = TEXT_TRACK_PATH.exec(path) ?? [];
  if (!playbackId || !trackId || !format) return undefined;
  return { playbackId, trackId, format: format as TextTrackRequest['format'] };
}

export type TextTrackResult =
  | { status: 200; contentType: string; body: string; cacheControl: string }
  | { status: 403 | 404 | 412; message: string };

/**
 * Mux's text track downloads: the whole track as one WebVTT file, or as a plain transcript (`.txt`). Mux documents
 * the transcript for generated tracks; Gamma serves it for every ready text track. The playback id is checked as
 * playback does (audience `v` for a `signed` one); a public answer is cached for five minutes, so a deleted track
 * stops being served within that.
 */
export async function resolveTextTrack(
  request: TextTrackRequest & { token?: string; viewer?: ViewerHeaders },
  deps: {
    media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>;
    objects: TextObjects;
    outputBucket: string;
    signingKeys?: Pick<SigningKeyRepository, 'get'>;
    restrictions?: Pick<PlaybackRestrictionRepository, 'get'>;
  },
): Promise<TextTrackResult> {
  const access = await authorizePlayback(request.playbackId, 'v', request.token, deps, request.viewer);
  if (!access.ok) return { status: access.status, message: access.message };
  const track = access.asset.text_tracks?.[request.trackId];
  if (!track) return { status: 404, message: 'The asset has no such text track' };
  if (track.status !== 'ready') return { status: 412, message: `The text track is ${track.status}` };
  const key = `${assetOutputPrefix(access.asset.id)}/${textTrackFile(track.id)}`;
  const vtt = await deps.objects.getText(deps.outputBucket, key);
  if (vtt === undefined) return { status: 404, message: 'The asset has no such text track' };
  const cacheControl = access.tokenExpiresAt === undefined ? 'public, max-age=300' : 'private, no-store';
  if (request.format === 'vtt') return { status: 200, contentType: 'text/vtt; charset=utf-8', body: vtt, cacheControl };
  const parsed = parseTextTrack(new TextEncoder().encode(vtt));
  const body = parsed.ok ? toTranscript(parsed.cues) : '';
  return { status: 200, contentType: 'text/plain; charset=utf-8', body, cacheControl };
}
