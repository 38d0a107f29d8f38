/**
 * Drawing Mux's images with sharp (libvips): a thumbnail from a stored still, an animation from preview sheets.
 * images.ts resolves what to draw; this draws it. sharp is native and weighs ~20 MB: loaded on the first image
 * request, never for playlists.
 */
import type { Sharp } from 'sharp';
import {
  type AnimatedParams,
  boundedByStill,
  type FitMode,
  fittedSize,
  rotatedSize,
  type Size,
  type ThumbnailParams,
} from '../domain/image-params.js';
import type { PreviewManifest, previewFramesFor } from '../domain/preview-frames.js';

type SharpConstructor = typeof import('sharp').default;
let sharpModule: Promise<SharpConstructor> | undefined;

/** Loaded once, on the first drawing. */
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
 * stored at most 720p, and nothing is drawn larger than the still), then flip. sharp flips before it rotates, so for
 * a quarter turn the axes swap.
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

/** A stored JPEG (the storyboard sprite) in another of the still formats. */
export async function reencode(jpeg: Uint8Array, format: 'png' | 'webp'): Promise<Uint8Array> {
  return encode((await loadSharp())(jpeg), format);
}
