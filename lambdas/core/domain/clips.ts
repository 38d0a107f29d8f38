/**
 * Asset clips (Mux's `inputs: [{ url: "mux://assets/{id}", start_time, end_time }]`): a new asset made from part of
 * an existing one, and test mode's 10-second limit, which is the same cut. Pure: the API checks the window against
 * the parent's duration, the transcoder cuts it (options/clip.ts).
 */

/** Mux's clip URL: `mux://assets/{asset_id}`. */
const CLIP_URL = /^mux:\/\/assets\/([A-Za-z0-9]+)$/;

/** The parent asset id of a clip URL; undefined for any other URL. */
export function clipParentId(url: string): string | undefined {
  return CLIP_URL.exec(url)?.[1];
}

export const isClipUrl = (url: string) => url.startsWith('mux://');

/** The part of a source an asset is made from, in seconds of the source. */
export interface ClipWindow {
  startSeconds: number;
  /** Absent: to the end of the source. */
  endSeconds?: number;
}

/** Mux's test assets are at most this long. */
export const TEST_ASSET_MAX_SECONDS = 10;

/** How long a test asset lives before it is deleted with its files (Mux: "deleted after 24 hrs"). */
export const TEST_ASSET_LIFETIME_SECONDS = 24 * 60 * 60;

/** The shortest clip: one frame at 10 fps, so a window always holds a picture. */
export const MIN_CLIP_SECONDS = 0.1;

/**
 * What is wrong with `start_time`/`end_time` on a parent of `duration` seconds, each message naming its field;
 * empty when the window is good. Mux's defaults: start 0, end the parent's duration.
 */
export function clipWindowProblems(
  window: { start_time?: number | undefined; end_time?: number | undefined },
  duration: number,
): string[] {
  const start = window.start_time ?? 0;
  const end = window.end_time ?? duration;
  const problems: string[] = [];
  if (start >= duration) {
    problems.push(`start_time: ${start} is not before the end of the asset (${duration} s)`);
  }
  if (window.end_time !== undefined && window.end_time > duration) {
    problems.push(`end_time: ${window.end_time} is past the end of the asset (${duration} s)`);
  }
  if (end <= start) problems.push(`end_time: ${end} must be after start_time (${start})`);
  else if (end - start < MIN_CLIP_SECONDS) {
    problems.push(`end_time: the clip must be at least ${MIN_CLIP_SECONDS} s long (it is ${end - start} s)`);
  }
  return problems;
}

/**
 * The window an encode reads: the clip's, shortened to test mode's 10 seconds when the asset is a test one; none
 * when neither applies (the whole source).
 */
export function encodeWindow(clip: ClipWindow | undefined, test: boolean): ClipWindow | undefined {
  if (!test) return clip;
  const start = clip?.startSeconds ?? 0;
  const end = start + TEST_ASSET_MAX_SECONDS;
  return { startSeconds: start, endSeconds: Math.min(clip?.endSeconds ?? end, end) };
}

/** A window as the transcoder task's CLIP_WINDOW variable carries it: `<start>,<end>`, end empty for "to the end". */
export function clipWindowVariable(window: ClipWindow): string {
  return `${window.startSeconds},${window.endSeconds ?? ''}`;
}

/** The window of a CLIP_WINDOW value; undefined when it is malformed. */
export function parseClipWindowVariable(value: string): ClipWindow | undefined {
  const m = /^(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)?$/.exec(value);
  if (!m) return undefined;
  const startSeconds = Number(m[1]);
  const endSeconds = m[2] === undefined ? undefined : Number(m[2]);
  if (endSeconds !== undefined && endSeconds <= startSeconds) return undefined;
  return { startSeconds, ...(endSeconds !== undefined && { endSeconds }) };
}
