/**
 * Images an asset gets at transcode time, from the same decode as its renditions: stills on a regular grid (what
 * `/{playbackId}/thumbnail.jpg?time=` serves) and a storyboard sprite of small tiles with its WebVTT file (what a
 * player's scrubbing preview reads). Pure: no SDK, no I/O.
 */

/** Stills, relative to the asset's folder: `thumbnails/0000.jpg` is the frame at 0 s, then one per interval. */
export const STILLS_DIR = 'thumbnails';
export const STORYBOARD_IMAGE = 'storyboard.jpg';
export const STORYBOARD_VTT = 'storyboard.vtt';

export interface ImagePlan {
  /** Seconds between two stills (and two storyboard tiles). */
  intervalSeconds: number;
  /** Stills the source yields at most: one at 0 s and one per interval after. */
  count: number;
  still: { width: number; height: number };
  tile: { width: number; height: number };
  columns: number;
  rows: number;
}

/** Storyboards with more tiles than this get a longer interval (Mux's storyboards stay near this size too). */
const MAX_TILES = 100;
/** Stills are stored at most this big on their short side; thumbnails are served at or below it. */
const STILL_SHORT_SIDE = 720;
const TILE_LONG_SIDE = 256;
const MAX_COLUMNS = 10;

export const stillFile = (index: number) => `${STILLS_DIR}/${String(index).padStart(4, '0')}.jpg`;

export function planImages(durationSeconds: number, video: { width: number; height: number }): ImagePlan {
  const intervalSeconds = Math.max(1, Math.ceil(durationSeconds / MAX_TILES));
  const count = Math.max(1, Math.ceil(durationSeconds / intervalSeconds - 1e-6));
  const columns = Math.min(MAX_COLUMNS, count);
  return {
    intervalSeconds,
    count,
    still: sizedTo(video, Math.min(STILL_SHORT_SIDE, Math.min(video.width, video.height)), 'short'),
    tile: sizedTo(video, TILE_LONG_SIDE, 'long'),
    columns,
    rows: Math.ceil(count / columns),
  };
}

/** The size with its short (or long) side `side`, aspect kept, both even. */
function sizedTo(size: { width: number; height: number }, side: number, which: 'short' | 'long') {
  const reference = which === 'short' ? Math.min(size.width, size.height) : Math.max(size.width, size.height);
  const scale = side / reference;
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(size.width), height: even(size.height) };
}

/** The index of the still nearest to `seconds` (clamped to the ones that exist). */
export function stillIndexAt(plan: Pick<ImagePlan, 'intervalSeconds' | 'count'>, seconds: number): number {
  const index = Math.round(Math.max(0, seconds) / plan.intervalSeconds);
  return Math.min(index, plan.count - 1);
}

/**
 * The storyboard's WebVTT: one cue per tile, each pointing into the sprite with a media fragment
 * (`storyboard.jpg#xywh=x,y,w,h`). `tiles` is how many stills were actually written; `imageUri` the sprite's URI.
 */
export function storyboardVtt(plan: ImagePlan, tiles: number, durationSeconds: number, imageUri: string): string {
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < tiles; i++) {
    const start = i * plan.intervalSeconds;
    const end = Math.min(durationSeconds, start + plan.intervalSeconds);
    if (end <= start) break;
    const x = (i % plan.columns) * plan.tile.width;
    const y = Math.floor(i / plan.columns) * plan.tile.height;
    cues.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${imageUri}#xywh=${x},${y},${plan.tile.width},${plan.tile.height}`,
      '',
    );
  }
  return cues.join('\n');
}

/** Mux's `storyboard.json`: the same tiles as the stored storyboard WebVTT, as data. */
export function storyboardMetadata(vtt: string, url: string, durationSeconds: number) {
  const tiles: { start: number; x: number; y: number }[] = [];
  let size = { width: 0, height: 0 };
  const cue = /(\d+):(\d{2}):(\d{2})\.(\d{3}) --> [^\n]*\n[^\n#]*#xywh=(\d+),(\d+),(\d+),(\d+)/g;
  for (const m of vtt.matchAll(cue)) {
    const [h, min, s, ms, x, y, w, hh] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    tiles.push({ start: h * 3600 + min * 60 + s + ms / 1000, x, y });
    size = { width: w, height: hh };
  }
  return { url, tile_width: size.width, tile_height: size.height, duration: durationSeconds, tiles };
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/**
 * Preview frames: what animated GIF/WebP previews are assembled from. The transcoder cuts the video at `fps` frames
 * a second, each `width` pixels wide (Mux's default animated width, so the default preview is never upscaled), and
 * packs every PREVIEW_SHEET_FRAMES consecutive frames into one JPEG sheet (`preview/00000.jpg`, …; 6 × 5 tiles,
 * row by row), so a 10-second window at 30 fps reads at most 11 objects. A manifest (`preview/index.json`)
 * records what was cut, so the playback function never has to re-derive it.
 *
 * Storage is bounded: at most PREVIEW_FRAME_BUDGET frames (10 minutes at 30 fps); longer videos get a lower
 * frame rate (never below 1 fps), so an asset stores at most max(18,000, its duration in seconds) frames, about
 * 8 KB each at 320 × 180.
 */
export const PREVIEW_DIR = 'preview';
export const PREVIEW_MANIFEST = `${PREVIEW_DIR}/index.json`;
export const PREVIEW_MAX_FPS = 30;
export const PREVIEW_FRAME_BUDGET = 18_000;
export const PREVIEW_WIDTH = 320;
const PREVIEW_MAX_HEIGHT = 640;
export const PREVIEW_COLUMNS = 6;
export const PREVIEW_ROWS = 5;
export const PREVIEW_SHEET_FRAMES = PREVIEW_COLUMNS * PREVIEW_ROWS;

/** What `preview/index.json` holds. */
export interface PreviewManifest {
  /** Frames a second: frame k shows the moment k / fps. */
  fps: number;
  /** Frames cut (the last sheet may hold fewer than PREVIEW_SHEET_FRAMES). */
  frames: number;
  width: number;
  height: number;
  columns: number;
  rows: number;
  /**
   * A chunked transcode's frames: each chunk's run of frames on sheets of its own, in order (absent: one run from
   * frame 0 on sheet 0). A frame between two runs (a chunk that cut fewer than planned) shows its run's last.
   */
  parts?: PreviewPart[];
}

export interface PreviewPart {
  /** The run's first frame (frame k shows k / fps), its frames, and the sheet it starts on. */
  frame: number;
  frames: number;
  sheet: number;
}

export const previewSheetFile = (index: number) => `${PREVIEW_DIR}/${String(index).padStart(5, '0')}.jpg`;

/** The preview frames to cut from a video (`frames` is the planned count; the manifest records the real one). */
export function planPreviewFrames(
  durationSeconds: number,
  video: { width: number; height: number; fps: number },
): PreviewManifest {
  // A source that does not state its rate (fps 0) is cut at the most the previews use.
  const sourceFps = video.fps > 0 ? Math.max(1, Math.round(video.fps)) : PREVIEW_MAX_FPS;
  const fps = Math.max(1, Math.min(PREVIEW_MAX_FPS, sourceFps, Math.floor(PREVIEW_FRAME_BUDGET / durationSeconds)));
  const height = Math.min(
    PREVIEW_MAX_HEIGHT,
    Math.max(2, 2 * Math.round((PREVIEW_WIDTH * video.height) / video.width / 2)),
  );
  return {
    fps,
    frames: Math.max(1, Math.ceil(durationSeconds * fps - 1e-6)),
    width: PREVIEW_WIDTH,
    height,
    columns: PREVIEW_COLUMNS,
    rows: PREVIEW_ROWS,
  };
}

/** Where a stored preview frame is: its sheet and its tile's top-left corner in it. */
export interface FrameLocation {
  sheet: number;
  left: number;
  top: number;
}

/**
 * The stored frames an animation of `[start, end)` at `fps` shows, one per output frame (a stored frame repeats
 * when `fps` is above the stored rate). Each output frame i shows the stored frame nearest to start + i / fps.
 */
export function previewFramesFor(
  manifest: PreviewManifest,
  window: { start: number; end: number; fps: number },
): FrameLocation[] {
  const count = Math.max(1, Math.round((window.end - window.start) * window.fps));
  const perSheet = manifest.columns * manifest.rows;
  return Array.from({ length: count }, (_, i) => {
    const stored = Math.min(manifest.frames - 1, Math.round((window.start + i / window.fps) * manifest.fps));
    const parts = manifest.parts ?? [{ frame: 0, frames: manifest.frames, sheet: 0 }];
    const part = parts.findLast((p) => p.frame <= stored) ?? parts[0] ?? { frame: 0, frames: 1, sheet: 0 };
    const inPart = Math.max(0, Math.min(stored - part.frame, part.frames - 1));
    const slot = inPart % perSheet;
    return {
      sheet: part.sheet + Math.floor(inPart / perSheet),
      left: (slot % manifest.columns) * manifest.width,
      top: Math.floor(slot / manifest.columns) * manifest.height,
    };
  });
}

/*
 * Mux's image parameters (https://docs.mux.com/guides/get-images-from-a-video), parsed and checked here so the
 * playback function only has to draw.
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
