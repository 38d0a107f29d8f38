/**
 * Mux's image parameters (https://docs.mux.com/guides/get-images-from-a-video), parsed and checked here so the
 * playback function only has to draw. Pure: no SDK, no I/O.
 */

export const FIT_MODES = ['preserve', 'stretch', 'crop', 'smartcrop', 'pad'] as const;
export type FitMode = (typeof FIT_MODES)[number];
export type Rotation = 0 | 90 | 180 | 270;

export interface Size {
  width: number;
  height: number;
}

export interface ThumbnailParams {
  /** Seconds into the video; undefined: the middle. */
  time?: number;
  width?: number;
  height?: number;
  fitMode: FitMode;
  /** Clockwise, applied before fitting (so width and height are those of the delivered image). */
  rotate: Rotation;
  /** Mirror top-bottom / left-right, after every other transformation. */
  flipV: boolean;
  flipH: boolean;
}

export interface AnimatedParams {
  start: number;
  end: number;
  width?: number;
  height?: number;
  fps: number;
}

/**
 * The box a thumbnail is drawn into, bounded by the stored still (at most 720p): a larger box would only upscale it,
 * and would cost seconds of encoding (a 4096 × 4096 WebP took 5 s). Scaled down, aspect kept, so neither side
 * exceeds the still's long side: no request costs more than a still-sized image.
 */
export function boundedByStill(size: Size, still: Size): Size {
  const scale = Math.min(1, Math.max(still.width, still.height) / Math.max(size.width, size.height));
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

/** The largest thumbnail side accepted in a request (4K, the largest source accepted); drawn at most still-sized. */
export const MAX_THUMBNAIL_SIDE = 4096;
/** Mux's limits for animated images. */
export const ANIMATED_MAX_SIDE = 640;
export const ANIMATED_DEFAULT_WIDTH = 320;
export const ANIMATED_MAX_SECONDS = 10;
export const ANIMATED_DEFAULT_SECONDS = 5;
export const ANIMATED_DEFAULT_FPS = 15;
export const ANIMATED_MAX_FPS = 30;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

type Query = Readonly<Record<string, string | undefined>>;

class ParamError extends Error {}

function seconds(query: Query, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new ParamError(`${name} must be a number of seconds ≥ 0`);
  }
  return value;
}

function pixels(query: Query, name: string, max: number): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max)
    throw new ParamError(`${name} must be a whole number from 1 to ${max}`);
  return value;
}

function flag(query: Query, name: string): boolean {
  const raw = query[name];
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1' || raw === '') return true;
  throw new ParamError(`${name} must be true or false`);
}

function parsing<T>(parse: () => T): Parsed<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof ParamError) return { ok: false, message: error.message };
    throw error;
  }
}

/** `thumbnail.{jpg,png,webp}`: time, width, height, fit_mode, rotate, flip_v, flip_h. */
export function parseThumbnailParams(query: Query): Parsed<ThumbnailParams> {
  return parsing(() => {
    const fitMode = query.fit_mode ?? 'preserve';
    if (!(FIT_MODES as readonly string[]).includes(fitMode)) {
      throw new ParamError(`fit_mode must be one of ${FIT_MODES.join(', ')}`);
    }
    const rotate = Number(query.rotate ?? 0);
    if (![0, 90, 180, 270].includes(rotate) || (query.rotate !== undefined && !/^\d+$/.test(query.rotate))) {
      throw new ParamError('rotate must be 90, 180 or 270');
    }
    const time = seconds(query, 'time');
    const width = pixels(query, 'width', MAX_THUMBNAIL_SIDE);
    const height = pixels(query, 'height', MAX_THUMBNAIL_SIDE);
    return {
      ...(time !== undefined && { time }),
      ...(width !== undefined && { width }),
      ...(height !== undefined && { height }),
      fitMode: fitMode as FitMode,
      rotate: rotate as Rotation,
      flipV: flag(query, 'flip_v'),
      flipH: flag(query, 'flip_h'),
    };
  });
}

/**
 * `animated.{gif,webp}`: start (default 0), end (default start + 5 s, at most start + 10 s), width/height (at most
 * 640; neither given: 320 wide), fps (default 15, at most 30). `end` is clamped to the video's duration.
 */
export function parseAnimatedParams(query: Query, durationSeconds: number): Parsed<AnimatedParams> {
  return parsing(() => {
    const start = seconds(query, 'start') ?? 0;
    if (start >= durationSeconds)
      throw new ParamError(`start must be before the end of the video (${durationSeconds} s)`);
    const end = seconds(query, 'end') ?? start + ANIMATED_DEFAULT_SECONDS;
    if (end <= start) throw new ParamError('end must be after start');
    if (end - start > ANIMATED_MAX_SECONDS)
      throw new ParamError(`end may be at most ${ANIMATED_MAX_SECONDS} s after start`);
    const fps = query.fps === undefined ? ANIMATED_DEFAULT_FPS : Number(query.fps);
    if (!Number.isFinite(fps) || fps <= 0 || fps > ANIMATED_MAX_FPS || query.fps?.trim() === '') {
      throw new ParamError(`fps must be a number above 0 and at most ${ANIMATED_MAX_FPS}`);
    }
    const width = pixels(query, 'width', ANIMATED_MAX_SIDE);
    const height = pixels(query, 'height', ANIMATED_MAX_SIDE);
    return {
      start,
      end: Math.min(end, durationSeconds),
      fps,
      ...(width !== undefined && { width }),
      ...(height !== undefined && { height }),
      ...(width === undefined && height === undefined && { width: ANIMATED_DEFAULT_WIDTH }),
    };
  });
}

/**
 * The delivered image's size for a source of `source` size (already rotated) and the requested box, as Mux fits
 * it: no width and height, the source's size; one of them, the other follows the aspect ratio (every mode);
 * both: `preserve` fits inside the box keeping the aspect ratio, the other modes fill it exactly (`stretch`
 * distorts, `crop` and `smartcrop` cut the overflow, `pad` adds black bars).
 */
export function fittedSize(source: Size, box: { width?: number; height?: number }, fitMode: FitMode): Size {
  const aspect = source.width / source.height;
  const atLeastOne = (n: number) => Math.max(1, Math.round(n));
  const { width, height } = box;
  if (width === undefined && height === undefined) return { ...source };
  if (width === undefined) return { width: atLeastOne((height as number) * aspect), height: height as number };
  if (height === undefined) return { width, height: atLeastOne(width / aspect) };
  if (fitMode !== 'preserve') return { width, height };
  const scale = Math.min(width / source.width, height / source.height);
  return { width: atLeastOne(source.width * scale), height: atLeastOne(source.height * scale) };
}

/**
 * Frames × output pixels one animation may hold, per format, checked before any frame is cut, so a request past it
 * costs nothing to refuse: the frame rate is lowered to fit, the window and size kept. Derived from the worst case,
 * noise frames (measured on a loaded 2-core machine): a GIF costs about 1.3 bytes and 1.4 µs a pixel-frame, a WebP
 * about 0.55 bytes and 0.3 µs. WebP: 7 M pixel-frames stays under the 4 MB response limit (MAX_IMAGE_BYTES, under
 * the 6 MB a function response carries) and about 2 s of CPU. GIF: Mux's default animation (5 s of 320 × 180 at
 * 15 fps, 4.32 M) must draw at its rate, which bounds the CPU to about 6 s; noise that large may still exceed the
 * 4 MB and answer 413, but after seconds, not the 31 s a 640-wide 10 s GIF of noise took.
 */
export const ANIMATED_MAX_PIXEL_FRAMES = { gif: 320 * 180 * 15 * 5, webp: 7_000_000 } as const;

/** The frame rate an animation of `size` over `params`' window is drawn at: the asked one, or less past the budget. */
export function animationFps(
  params: Pick<AnimatedParams, 'start' | 'end' | 'fps'>,
  size: Size,
  format: 'gif' | 'webp',
): number {
  const pixelSeconds = size.width * size.height * (params.end - params.start);
  return Math.min(params.fps, ANIMATED_MAX_PIXEL_FRAMES[format] / pixelSeconds);
}

/** A size turned by `rotate` degrees. */
export const rotatedSize = (size: Size, rotate: Rotation): Size =>
  rotate === 90 || rotate === 270 ? { width: size.height, height: size.width } : size;

/** Mux's image parameters: the query of an image URL, or claims of a signed playback id's token (which win). */
export const IMAGE_PARAMETERS = [
  // The sprite format `storyboard.json` points at.
  'format',
  'time',
  'width',
  'height',
  'fit_mode',
  'rotate',
  'flip_v',
  'flip_h',
  'start',
  'end',
  'fps',
] as const;
