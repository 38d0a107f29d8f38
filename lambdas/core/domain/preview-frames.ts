/**
 * Preview frames: what animated GIF/WebP previews are assembled from. The transcoder cuts the video at `fps` frames
 * a second, each `width` pixels wide (Mux's default animated width, so the default preview is never upscaled), and
 * packs every PREVIEW_SHEET_FRAMES consecutive frames into one JPEG sheet (`preview/00000.jpg`, …; 6 × 5 tiles,
 * row by row), so a 10-second window at 30 fps reads at most 11 objects. A manifest (`preview/index.json`)
 * records what was cut, so the playback function never has to re-derive it.
 *
 * Storage is bounded: at most PREVIEW_FRAME_BUDGET frames (10 minutes at 30 fps); longer videos get a lower
 * frame rate (never below 1 fps), so an asset stores at most max(18,000, its duration in seconds) frames, about
 * 8 KB each at 320 × 180. Pure: no SDK, no I/O.
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
