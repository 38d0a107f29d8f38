/**
 * Mux's image URLs of a playback id (https://docs.mux.com/guides/get-images-from-a-video), drawn by the playback
 * function from what the transcoder cut (domain/thumbnails.ts, domain/preview-frames.ts), with the parameters
 * domain/image-params.ts checks, and returned as bytes:
 * - `/{playbackId}/thumbnail.{jpg,png,webp}` — `time`, `width`, `height`, `fit_mode`, `rotate`, `flip_v`, `flip_h`,
 *   from the still nearest `time` (default: the middle);
 * - `/{playbackId}/animated.{gif,webp}` — `start`, `end`, `width`, `height`, `fps`, from the preview frames;
 * - `/{playbackId}/storyboard.{jpg,png,webp}` — the storyboard sprite, and `storyboard.vtt` its WebVTT, whose tile
 *   URIs point at `/{playbackId}/storyboard.jpg` (with the same `token`).
 * A `signed` playback id needs `?token=` with Mux's audience for the image (`t` thumbnail, `g` animated, `s`
 * storyboard); as in Mux, the image's parameters may then be claims of the token, which win over the query.
 * Decoding, resizing and encoding is sharp's (libvips), loaded on the first image request only (image-drawing.ts).
 */
import { decodeJwt } from 'jose';
import { canonicalAnimatedQuery, canonicalThumbnailQuery } from '../domain/image-grid.js';
import {
  animationFps,
  fittedSize,
  IMAGE_PARAMETERS,
  parseAnimatedParams,
  parseThumbnailParams,
  type Size,
} from '../domain/image-params.js';
import { assetOutputPrefix } from '../domain/layout.js';
import type { AssetRecord } from '../domain/media.js';
import type { ViewerHeaders } from '../domain/playback-restrictions.js';
import type { TokenAudience } from '../domain/playback-token.js';
import {
  PREVIEW_MANIFEST,
  type PreviewManifest,
  previewFramesFor,
  previewSheetFile,
} from '../domain/preview-frames.js';
import {
  planImages,
  STORYBOARD_IMAGE,
  STORYBOARD_VTT,
  stillFile,
  stillIndexAt,
  storyboardMetadata,
} from '../domain/thumbnails.js';
import type { MediaRepository, PlaybackRestrictionRepository, SigningKeyRepository } from '../ports.js';
import { drawAnimation, drawThumbnail, reencode } from './image-drawing.js';
import type { TextObjects } from './playback.js';
import { authorizePlayback, RESTRICTED_CACHE_CONTROL } from './signing-keys.js';

const IMAGE_PATH = /^\/([A-Za-z0-9]{8,64})\/(thumbnail|animated|storyboard)\.(jpg|png|webp|gif|vtt|json)$/;

const FORMATS = {
  thumbnail: ['jpg', 'png', 'webp'],
  animated: ['gif', 'webp'],
  storyboard: ['jpg', 'png', 'webp', 'vtt', 'json'],
} as const;

export type ImageRequest =
  | { playbackId: string; kind: 'thumbnail'; format: 'jpg' | 'png' | 'webp' }
  | { playbackId: string; kind: 'animated'; format: 'gif' | 'webp' }
  | { playbackId: string; kind: 'storyboard'; format: 'jpg' | 'png' | 'webp' | 'vtt' | 'json' };

type ImageFormat = 'jpg' | 'png' | 'webp' | 'gif';

/** The image a path asks for, or undefined if it is not an image path of a playback id. */
export function imageRequestFromPath(path: string): ImageRequest | undefined {
  const match = IMAGE_PATH.exec(path);
  const [, playbackId, kind, format] = match ?? [];
  if (!playbackId || !kind || !format) return undefined;
  const formats: readonly string[] = FORMATS[kind as keyof typeof FORMATS];
  if (!formats.includes(format)) return undefined;
  return { playbackId, kind, format } as ImageRequest;
}

/** Reads objects as bytes; undefined when they do not exist. */
export interface ObjectBytes {
  getBytes(bucket: string, key: string): Promise<Uint8Array | undefined>;
}

export type ImageResult =
  | { status: 200; contentType: string; body: Uint8Array | string; cacheControl: string }
  | { status: 302; location: string; cacheControl: string }
  | { status: 400 | 403 | 404 | 412 | 413; message: string };

export interface ImageDeps {
  media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>;
  objects: TextObjects;
  bytes: ObjectBytes;
  outputBucket: string;
  /** Public keys for `signed` playback ids; without it their images are never served. */
  signingKeys?: Pick<SigningKeyRepository, 'get'>;
  /** The playback restrictions a token may name. */
  restrictions?: Pick<PlaybackRestrictionRepository, 'get'>;
  nowSeconds?: () => number;
}

/**
 * A Function URL response carries at most 6 MB, base64 included; an image larger than this is refused (413)
 * rather than cut off.
 */
export const MAX_IMAGE_BYTES = 4_000_000;

/** Every input of an image is immutable once the asset is ready, so an image never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A public thumbnail at the asset's default time: a change of `thumbnail_time` shows within a minute. */
const DEFAULT_TIME_CACHE = 'public, max-age=60';

const AUDIENCE: Record<ImageRequest['kind'], TokenAudience> = { thumbnail: 't', animated: 'g', storyboard: 's' };

const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

export async function resolveImage(
  request: ImageRequest,
  query: Readonly<Record<string, string | undefined>>,
  deps: ImageDeps,
  viewer: ViewerHeaders = {},
): Promise<ImageResult> {
  const access = await authorizePlayback(
    request.playbackId,
    AUDIENCE[request.kind],
    query.token,
    {
      media: deps.media,
      ...(deps.signingKeys && { signingKeys: deps.signingKeys }),
      ...(deps.restrictions && { restrictions: deps.restrictions }),
      ...(deps.nowSeconds && { nowSeconds: deps.nowSeconds() }),
    },
    viewer,
  );
  if (!access.ok) return { status: access.status, message: access.message };
  const { asset } = access;
  let params = query;
  let cacheControl = IMMUTABLE;
  if (access.tokenExpiresAt !== undefined) {
    const claims = decodeJwt(query.token as string); // verified above, `exp` included
    params = { ...query, ...claimParameters(claims) };
    // Cached for as long as the token is valid (the cache key includes the token).
    const now = deps.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
    cacheControl = access.restricted
      ? RESTRICTED_CACHE_CONTROL
      : `public, max-age=${Math.max(0, (claims.exp ?? now) - now)}`;
  }
  if (asset.status !== 'ready') return { status: 412, message: `The asset is ${asset.status}, not ready` };
  const video = asset.tracks?.find((t) => t.type === 'video');
  if (!video || asset.duration === undefined) return { status: 404, message: 'The asset has no video' };
  const context: DrawContext = {
    asset: asset as AssetRecord & { duration: number },
    video: { width: video.max_width, height: video.max_height },
    deps,
    folder: assetOutputPrefix(asset.id),
    cacheControl,
  };
  const redirect = access.tokenExpiresAt === undefined ? canonicalRedirect(context, request, query) : undefined;
  if (redirect) return redirect;
  switch (request.kind) {
    case 'thumbnail':
      return thumbnail(context, params, request.format);
    case 'animated':
      return animated(context, params, request.format);
    case 'storyboard':
      if (request.format === 'json')
        return storyboardJson(context, request.playbackId, { ...params, token: query.token });
      return request.format === 'vtt'
        ? storyboardVtt(context, request.playbackId, query.token)
        : storyboard(context, request.format);
  }
}

interface DrawContext {
  asset: AssetRecord & { duration: number };
  /** The video's display size (its top rendition). */
  video: Size;
  deps: ImageDeps;
  folder: string;
  cacheControl: string;
}

function claimParameters(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of IMAGE_PARAMETERS) {
    const value = claims[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
  }
  return out;
}

/**
 * A public image whose parameters are not on their grid (domain/image-grid.ts: a thumbnail's `time` is its still's
 * own, animation windows in whole seconds, sizes and rates on a few steps) is redirected to the URL that is:
 * equivalent requests share one cache entry, and a flood of `time=0.<n>` or `start=0.<n>` variants costs a
 * redirect each (no drawing). Signed ones are not redirected: their cache key holds the token anyway.
 */
function canonicalRedirect(
  context: DrawContext,
  request: ImageRequest,
  query: Readonly<Record<string, string | undefined>>,
): ImageResult | undefined {
  let changes: Record<string, string> | undefined;
  if (request.kind === 'thumbnail') {
    const plan = planImages(context.asset.duration, context.video);
    changes = canonicalThumbnailQuery(query, (time) => stillIndexAt(plan, time) * plan.intervalSeconds);
  } else if (request.kind === 'animated') {
    changes = canonicalAnimatedQuery(query, context.asset.duration);
  }
  if (changes === undefined) return undefined;
  const search = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  for (const [name, value] of Object.entries(changes)) search.set(name, value);
  return {
    status: 302,
    location: `/${request.playbackId}/${request.kind}.${request.format}?${search.toString()}`,
    cacheControl: IMMUTABLE,
  };
}

async function thumbnail(
  context: DrawContext,
  query: Readonly<Record<string, string | undefined>>,
  format: 'jpg' | 'png' | 'webp',
): Promise<ImageResult> {
  const parsed = parseThumbnailParams(query);
  if (!parsed.ok) return { status: 400, message: parsed.message };
  const params = parsed.value;
  const { asset, video, deps, folder } = context;
  const plan = planImages(asset.duration, video);
  // Without `time`: the asset's thumbnail_time (Mux), else the middle.
  const index = stillIndexAt(plan, params.time ?? asset.thumbnail_time ?? asset.duration / 2);
  const still = await deps.bytes.getBytes(deps.outputBucket, `${folder}/${stillFile(index)}`);
  if (!still) return { status: 404, message: 'The asset has no thumbnails' };
  const body = await drawThumbnail(still, video, params, format, plan.still);
  // A public thumbnail without `time` follows thumbnail_time, which may change: cached briefly, not for a year.
  const cacheControl =
    params.time === undefined && context.cacheControl === IMMUTABLE ? DEFAULT_TIME_CACHE : context.cacheControl;
  return imageOf(body, format, cacheControl);
}

async function storyboard(context: DrawContext, format: 'jpg' | 'png' | 'webp'): Promise<ImageResult> {
  const { deps, folder } = context;
  const sprite = await deps.bytes.getBytes(deps.outputBucket, `${folder}/${STORYBOARD_IMAGE}`);
  if (!sprite) return { status: 404, message: 'The asset has no storyboard' };
  const body = format === 'jpg' ? sprite : await reencode(sprite, format);
  return imageOf(body, format, context.cacheControl);
}

async function storyboardVtt(context: DrawContext, playbackId: string, token?: string): Promise<ImageResult> {
  const { deps, folder } = context;
  const vtt = await deps.objects.getText(deps.outputBucket, `${folder}/${STORYBOARD_VTT}`);
  if (vtt === undefined) return { status: 404, message: 'The asset has no storyboard' };
  const uri = `/${playbackId}/storyboard.jpg${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const body = vtt.replaceAll(`${STORYBOARD_IMAGE}#`, `${uri}#`);
  return { status: 200, contentType: 'text/vtt; charset=utf-8', body, cacheControl: context.cacheControl };
}

/**
 * Mux's storyboard metadata as JSON (`storyboard.json`): the sprite's URL (in `format`, jpg by default), the tile
 * size, the duration, and each tile's start and position — read from the stored WebVTT, so the two always agree.
 */
async function storyboardJson(
  context: DrawContext,
  playbackId: string,
  query: Readonly<Record<string, string | undefined>>,
): Promise<ImageResult> {
  const format = query.format ?? 'jpg';
  if (!['jpg', 'png', 'webp'].includes(format)) return { status: 400, message: 'format: must be jpg, png or webp' };
  const { deps, folder } = context;
  const vtt = await deps.objects.getText(deps.outputBucket, `${folder}/${STORYBOARD_VTT}`);
  if (vtt === undefined) return { status: 404, message: 'The asset has no storyboard' };
  const url = `/${playbackId}/storyboard.${format}${query.token ? `?token=${encodeURIComponent(query.token)}` : ''}`;
  const body = JSON.stringify(storyboardMetadata(vtt, url, context.asset.duration));
  return { status: 200, contentType: 'application/json', body, cacheControl: context.cacheControl };
}

async function animated(
  context: DrawContext,
  query: Readonly<Record<string, string | undefined>>,
  format: 'gif' | 'webp',
): Promise<ImageResult> {
  const parsed = parseAnimatedParams(query, context.asset.duration);
  if (!parsed.ok) return { status: 400, message: parsed.message };
  const { deps, folder } = context;
  const manifestText = await deps.objects.getText(deps.outputBucket, `${folder}/${PREVIEW_MANIFEST}`);
  if (manifestText === undefined) return { status: 404, message: 'The asset has no preview frames' };
  const manifest = JSON.parse(manifestText) as PreviewManifest;
  const size = fittedSize({ width: manifest.width, height: manifest.height }, parsed.value, 'preserve');
  const params = { ...parsed.value, fps: animationFps(parsed.value, size, format) };
  const frames = previewFramesFor(manifest, params);
  const sheetIndexes = [...new Set(frames.map((f) => f.sheet))];
  const sheets = new Map(
    await Promise.all(
      sheetIndexes.map(async (i) => {
        const bytes = await deps.bytes.getBytes(deps.outputBucket, `${folder}/${previewSheetFile(i)}`);
        return [i, bytes] as const;
      }),
    ),
  );
  if ([...sheets.values()].some((b) => b === undefined)) return { status: 404, message: 'A preview sheet is missing' };
  const body = await drawAnimation(sheets as Map<number, Uint8Array>, manifest, frames, params, format);
  return imageOf(body, format, context.cacheControl);
}

function imageOf(body: Uint8Array, format: ImageFormat, cacheControl: string): ImageResult {
  if (body.byteLength > MAX_IMAGE_BYTES) {
    return {
      status: 413,
      message: `The image would be ${body.byteLength} bytes, over the ${MAX_IMAGE_BYTES} a response can carry: ask for a smaller size${format === 'gif' || format === 'webp' ? ', a shorter window or a lower fps' : ' or jpg/webp'}`,
    };
  }
  return { status: 200, contentType: CONTENT_TYPES[format], body, cacheControl };
}
