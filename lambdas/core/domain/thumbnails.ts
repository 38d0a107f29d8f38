/**
 * Images an asset gets at transcode time, from the same decode as its renditions: stills on a regular grid (what
 * `/{playbackId}/thumbnail.jpg?time=` serves) and a storyboard sprite of small tiles with its WebVTT file (what a
 * player's scrubbing preview reads). The preview frames animations are drawn from are in preview-frames.ts, the
 * image URLs' parameters in image-params.ts. Pure: no SDK, no I/O.
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
