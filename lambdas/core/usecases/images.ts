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
 * Decoding, resizing and encoding is sharp's (libvips), loaded on the first image request only.
 */
import { decodeJwt } from 'jose';
import type { Sharp } from 'sharp';
import { canonicalAnimatedQuery, canonicalThumbnailQuery } from '../domain/image-grid.js';
import {
  type AnimatedParams,
  animationFps,
  boundedByStill,
  type FitMode,
  fittedSize,
  IMAGE_PARAMETERS,
  parseAnimatedParams,
  parseThumbnailParams,
  rotatedSize,
  type Size,
  type ThumbnailParams,
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
  const body = format === 'jpg' ? sprite : await encode((await loadSharp())(sprite), format);
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

// Drawing (sharp). -------------------------------------------------------------------------------------------------

type SharpConstructor = typeof import('sharp').default;
let sharpModule: Promise<SharpConstructor> | undefined;

/** sharp is native and weighs ~20 MB: loaded on the first image request, never for playlists. */
function loadSharp(): Promise<SharpConstructor> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

/** sharp's way of filling the box for each of Mux's fit modes (`preserve` is sized exactly beforehand). */
const SHARP_FIT: Record<FitMode, { fit: 'fill' | 'cover' | 'contain'; position?: string }> = {
  preserve: { fit: 'fill' },
  stretch: { fit: 'fill' },
  crop: { fit: 'cover', position: 'centre' },
  // libvips' attention strategy: the region with the most luminance frequency, saturation and skin tone.
  smartcrop: { fit: 'cover', position: 'attention' },
  pad: { fit: 'contain' },
};

/**
 * Rotate the still, fit it into the requested box (sized from the video's own size, as Mux does: the stills are
 * stored at most 720p, and nothing is drawn larger than the still), then flip. sharp flips before it rotates, so for a quarter turn the axes swap.
 */
export async function drawThumbnail(
  still: Uint8Array,
  video: Size,
  params: ThumbnailParams,
  format: 'jpg' | 'png' | 'webp',
  /** The stored still's size: the drawing is never larger (boundedByStill). */
  stillSize: Size = video,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const size = boundedByStill(fittedSize(rotatedSize(video, params.rotate), params, params.fitMode), stillSize);
  const quarter = params.rotate === 90 || params.rotate === 270;
  const flipV = quarter ? params.flipH : params.flipV;
  const flipH = quarter ? params.flipV : params.flipH;
  const { fit, position } = SHARP_FIT[params.fitMode];
  const image = sharp(still)
    .rotate(params.rotate)
    .flip(flipV)
    .flop(flipH)
    .resize(size.width, size.height, { fit, ...(position && { position }), background: '#000000' });
  return encode(image, format);
}

/**
 * Cuts each output frame from its preview sheet, scales it to the requested size (aspect kept, as Mux's animated
 * images do) and encodes them as one looping animation.
 */
export async function drawAnimation(
  sheets: ReadonlyMap<number, Uint8Array>,
  manifest: PreviewManifest,
  frames: ReturnType<typeof previewFramesFor>,
  params: AnimatedParams,
  format: 'gif' | 'webp',
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const size = fittedSize({ width: manifest.width, height: manifest.height }, params, 'preserve');
  const decoded = new Map<number, { data: Buffer; width: number; height: number }>();
  for (const [index, bytes] of sheets) {
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    decoded.set(index, { data, width: info.width, height: info.height });
  }
  const raw = { channels: 3 as const };
  const cut = new Map<string, Buffer>();
  const pictures: Buffer[] = [];
  for (const frame of frames) {
    const key = `${frame.sheet}:${frame.left}:${frame.top}`;
    let picture = cut.get(key);
    if (picture === undefined) {
      const sheet = decoded.get(frame.sheet);
      if (!sheet) throw new Error(`Preview sheet ${frame.sheet} was not loaded`);
      picture = await sharp(sheet.data, { raw: { ...raw, width: sheet.width, height: sheet.height } })
        .extract({ left: frame.left, top: frame.top, width: manifest.width, height: manifest.height })
        .resize(size.width, size.height, { fit: 'fill' })
        .raw()
        .toBuffer();
      cut.set(key, picture);
    }
    pictures.push(picture);
  }
  const strip = sharp(Buffer.concat(pictures), {
    raw: { ...raw, width: size.width, height: size.height * pictures.length, pageHeight: size.height },
  });
  const delay = Array.from({ length: pictures.length }, () => Math.round(1000 / params.fps));
  // The lowest effort: palette search and WebP's method dominate the time and buy little on video frames (libvips
  // defaults take ~7× longer for a GIF of the same size); pixels that barely change between frames stay transparent.
  const animation =
    format === 'gif'
      ? strip.gif({ delay, loop: 0, effort: 1, interFrameMaxError: 8 })
      : strip.webp({ delay, loop: 0, quality: 70, effort: 1 });
  return new Uint8Array(await animation.toBuffer());
}

async function encode(image: Sharp, format: 'jpg' | 'png' | 'webp'): Promise<Uint8Array> {
  const encoded =
    format === 'jpg'
      ? image.jpeg({ quality: 82, mozjpeg: true })
      : format === 'png'
        ? image.png({ compressionLevel: 6 })
        : image.webp({ quality: 80 });
  return new Uint8Array(await encoded.toBuffer());
}
