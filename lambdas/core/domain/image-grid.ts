/**
 * The canonical parameters of a public image URL. Every image parameter is part of the image cache key, so a URL
 * whose parameters take any float (`start=0.001`) or any pixel count misses the cache and draws; a flood of such
 * variants draws without end. A public request whose parameters are not on the grid below is redirected (302) to
 * the one that is, so equivalent requests share one cache entry and a variant costs a redirect, not a drawing.
 * Signed ones are left as their token's claims say: their cache key holds the token anyway. Pure: no SDK, no I/O.
 */
import {
  ANIMATED_MAX_SECONDS,
  ANIMATED_MAX_SIDE,
  MAX_THUMBNAIL_SIDE,
  parseAnimatedParams,
  parseThumbnailParams,
} from './image-params.js';

/** Width and height are multiples of this (a 32-pixel step is invisible in a preview, and 640 = 20 × 32). */
export const IMAGE_SIZE_STEP = 32;
/** The frame rates an animation is drawn at: the common video rates up to the stored 30 fps. */
export const ANIMATED_FPS_STEPS = [5, 10, 15, 24, 30] as const;

type Query = Readonly<Record<string, string | undefined>>;

/** `value` on the size grid: the nearest multiple of IMAGE_SIZE_STEP, within [IMAGE_SIZE_STEP, max]. */
export function sizeOnGrid(value: number, max: number): number {
  return Math.min(max, Math.max(IMAGE_SIZE_STEP, IMAGE_SIZE_STEP * Math.round(value / IMAGE_SIZE_STEP)));
}

/** The nearest of ANIMATED_FPS_STEPS (the lower one on a tie). */
export function fpsOnGrid(fps: number): number {
  return ANIMATED_FPS_STEPS.reduce((best, step) => (Math.abs(step - fps) < Math.abs(best - fps) ? step : best));
}

/**
 * Public thumbnails: `time` is the time of the still it draws (`stillTime`), `width`/`height` on the size grid.
 * The parameters to change, or undefined when the query is canonical (or invalid: that answers 400 as it is).
 */
export function canonicalThumbnailQuery(
  query: Query,
  stillTime: (seconds: number) => number,
): Record<string, string> | undefined {
  const parsed = parseThumbnailParams(query);
  if (!parsed.ok) return undefined;
  const { time, width, height } = parsed.value;
  return changed(query, {
    ...(time !== undefined && { time: stillTime(time) }),
    ...(width !== undefined && { width: sizeOnGrid(width, MAX_THUMBNAIL_SIDE) }),
    ...(height !== undefined && { height: sizeOnGrid(height, MAX_THUMBNAIL_SIDE) }),
  });
}

/**
 * Public animations: `start` and `end` in whole seconds (the stored preview frames are cut at a fixed rate from
 * 0 s, so whole seconds are on every asset's frame grid; a second is also the thumbnail stills' finest step),
 * `end` at least a second after `start` and at most the video's end rounded up; `fps` one of ANIMATED_FPS_STEPS;
 * `width`/`height` on the size grid up to 640.
 */
export function canonicalAnimatedQuery(query: Query, durationSeconds: number): Record<string, string> | undefined {
  const parsed = parseAnimatedParams(query, durationSeconds);
  if (!parsed.ok) return undefined;
  const { start, end, fps } = parsed.value;
  // Rounding up could pass the video's end, where no animation starts.
  const wholeStart = Math.round(start) < durationSeconds ? Math.round(start) : Math.floor(start);
  const wholeEnd = Math.min(
    wholeStart + ANIMATED_MAX_SECONDS,
    Math.max(wholeStart + 1, Math.min(Math.round(end), Math.ceil(durationSeconds))),
  );
  return changed(query, {
    ...(query.start !== undefined && { start: wholeStart }),
    ...(query.end !== undefined && { end: wholeEnd }),
    ...(query.fps !== undefined && { fps: fpsOnGrid(fps) }),
    ...(query.width !== undefined && { width: sizeOnGrid(Number(query.width), ANIMATED_MAX_SIDE) }),
    ...(query.height !== undefined && { height: sizeOnGrid(Number(query.height), ANIMATED_MAX_SIDE) }),
  });
}

/** The entries of `canonical` whose text differs from the query's (`1.0` is not `1`), or undefined if none do. */
function changed(query: Query, canonical: Record<string, number>): Record<string, string> | undefined {
  const changes = Object.entries(canonical).filter(([name, value]) => query[name] !== String(value));
  return changes.length === 0 ? undefined : Object.fromEntries(changes.map(([name, value]) => [name, String(value)]));
}
