/**
 * Watermarks: Mux's `overlay_settings` on an image input, and where the image lands on a frame. Pure: the API checks
 * the settings with these types, the transcoder places the image with `placeOverlay` (options/watermark.ts).
 *
 * Mux's rules, as its API reference states them: `width`/`height`/margins are a percent ("10%") or pixels ("100px");
 * a percent of the frame's width (horizontal) or height (vertical); pixels are applied as if the video had been
 * scaled to fit a 1920x1080 frame. With neither `width` nor `height` the image keeps its own pixels (in that
 * 1920x1080 frame); with one of them the other follows the image's aspect ratio. `vertical_align` defaults to top,
 * `horizontal_align` to left, margins to 0, `opacity` to 100%. A margin is the distance from the aligned edge to the
 * image's nearest edge; for `middle`/`center` it shifts the centred image (positive: down, right). Negative margins
 * move it off the frame.
 */

export const VERTICAL_ALIGNS = ['top', 'middle', 'bottom'] as const;
export const HORIZONTAL_ALIGNS = ['left', 'center', 'right'] as const;

/** Mux's `overlay_settings`, as the request gave them (the API checked each length and the opacity). */
export interface OverlaySettings {
  vertical_align?: (typeof VERTICAL_ALIGNS)[number];
  vertical_margin?: string;
  horizontal_align?: (typeof HORIZONTAL_ALIGNS)[number];
  horizontal_margin?: string;
  width?: string;
  height?: string;
  opacity?: string;
}

/** A watermark image of an asset: where it is stored (the ingest bucket, fetched from `url`), and its settings. */
export interface OverlayRecord {
  /** The URL it was fetched from (absent when copied from a clip's parent, whose image it reuses). */
  url?: string;
  bucket: string;
  key: string;
  settings: OverlaySettings;
}

/** At most this many watermarks on one asset: each is one more input and one more overlay filter per frame. */
export const MAX_OVERLAYS = 5;

/** Mux's largest watermark image (its API reference: "The maximum size is 4096x4096"). */
export const MAX_OVERLAY_PIXELS = { width: 4096, height: 4096 } as const;

/** The largest watermark file fetched: a 4096x4096 PNG of real artwork stays well under it. */
export const MAX_OVERLAY_BYTES = 16 * 1024 * 1024;

/** The frame Mux's pixel values are measured in. */
export const REFERENCE_FRAME = { width: 1920, height: 1080 } as const;

const LENGTH = /^(-?\d+(?:\.\d+)?)(%|px)$/;
const PERCENT = /^(\d+(?:\.\d+)?)%$/;

/** A length as Mux writes it: "10%" or "-100px"; undefined when it is neither. */
export function parseLength(value: string): { value: number; unit: '%' | 'px' } | undefined {
  const m = LENGTH.exec(value.trim());
  if (!m) return undefined;
  return { value: Number(m[1]), unit: m[2] as '%' | 'px' };
}

/** Opacity "0%" … "100%" as 0 … 1; undefined when it is not such a percent. */
export function parseOpacity(value: string): number | undefined {
  const m = PERCENT.exec(value.trim());
  const percent = m ? Number(m[1]) : Number.NaN;
  return percent >= 0 && percent <= 100 ? percent / 100 : undefined;
}

/** Where an image goes on a frame: its size and top-left corner in the frame's pixels, and its opacity (0–1). */
export interface OverlayPlacement {
  width: number;
  height: number;
  x: number;
  y: number;
  opacity: number;
}

/** A watermark as an encode burns it: the image file on local disk, placed on the frame. */
export interface OverlayPlan extends OverlayPlacement {
  image: string;
}

interface Size {
  width: number;
  height: number;
}

/**
 * Places an image of `image` pixels on a `frame` (the video's display size) by Mux's rules above. Sizes are at
 * least one pixel; positions are whole pixels (negative or past the frame when the margins say so).
 */
export function placeOverlay(settings: OverlaySettings, image: Size, frame: Size): OverlayPlacement {
  // Pixels are measured on the video scaled to fit 1920x1080: one such pixel is 1/fit frame pixels.
  const fit = Math.min(REFERENCE_FRAME.width / frame.width, REFERENCE_FRAME.height / frame.height);
  const along = (value: string | undefined, extent: number) => {
    const length = value === undefined ? undefined : parseLength(value);
    if (!length) return undefined;
    return length.unit === '%' ? (length.value / 100) * extent : length.value / fit;
  };
  const givenWidth = along(settings.width, frame.width);
  const givenHeight = along(settings.height, frame.height);
  const aspect = image.width / image.height;
  const width = givenWidth ?? (givenHeight === undefined ? image.width / fit : givenHeight * aspect);
  const height = givenHeight ?? (givenWidth === undefined ? image.height / fit : givenWidth / aspect);
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const dx = along(settings.horizontal_margin, frame.width) ?? 0;
  const dy = along(settings.vertical_margin, frame.height) ?? 0;
  const x = { left: dx, center: (frame.width - w) / 2 + dx, right: frame.width - w - dx };
  const y = { top: dy, middle: (frame.height - h) / 2 + dy, bottom: frame.height - h - dy };
  return {
    width: w,
    height: h,
    x: Math.round(x[settings.horizontal_align ?? 'left']),
    y: Math.round(y[settings.vertical_align ?? 'top']),
    opacity: settings.opacity === undefined ? 1 : (parseOpacity(settings.opacity) ?? 1),
  };
}
