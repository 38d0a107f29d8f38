/**
 * Watermarks (Mux's `overlay_settings` inputs) and test mode's "TEST" badge, burned into the picture with ffmpeg's
 * overlay filter right after the decode, before the split into rungs: one decode still feeds every rung, and every
 * rung, still and storyboard shows the same watermark at the same place relative to the frame.
 *
 * Before planning, each image is downloaded from the ingest bucket (the fetch function put it there under the
 * input-URL rules), checked (PNG or JPEG, at most 4096x4096, as Mux allows) and placed on the source's display size
 * by Mux's rules (domain/overlays.ts `placeOverlay`); the placements are data in the plan (`VideoPlan.overlays`).
 * The badge is drawn by ffmpeg from boxes (no font or downloaded image is needed).
 */
import { join } from 'node:path';
import { InvalidInputError } from '../../../../lambdas/core/domain/errors.js';
import {
  MAX_OVERLAY_PIXELS,
  type OverlayPlan,
  type OverlayRecord,
  type OverlaySettings,
  placeOverlay,
} from '../../../../lambdas/core/domain/overlays.js';
import { QUIET } from '../ffmpeg/args.js';
import { ffmpegLimits, runFfmpeg } from '../ffmpeg/run.js';
import { runTool } from '../ffmpeg/tools.js';

/** A watermark image as the task is given it (OVERLAYS): where it is stored and how it is placed. */
export type OverlayJob = Omit<OverlayRecord, 'url'>;

/** The OVERLAYS variable's images; throws with the variable's name when it is not that list. */
export function parseOverlaysVariable(value: string): OverlayJob[] {
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    list = undefined;
  }
  const isJob = (o: unknown): o is OverlayJob => {
    const { bucket, key, settings } = (o ?? {}) as Partial<OverlayJob>;
    return typeof bucket === 'string' && typeof key === 'string' && typeof settings === 'object' && settings !== null;
  };
  if (!Array.isArray(list) || !list.every(isJob)) {
    throw new Error('OVERLAYS must be a JSON list of { bucket, key, settings }');
  }
  return list;
}

/** Test mode's badge: top right, a fifth of the frame's width, slightly see-through (Mux marks test assets alike). */
export const TEST_BADGE_SETTINGS: OverlaySettings = {
  vertical_align: 'top',
  vertical_margin: '4%',
  horizontal_align: 'right',
  horizontal_margin: '3%',
  width: '20%',
  opacity: '85%',
};

/** The badge's size; its letters are drawn on a grid of this unit. */
const BADGE = { width: 300, height: 120, unit: 12 } as const;

/**
 * ffmpeg's arguments that draw the badge as a PNG: white "TEST" in block letters on a half-transparent dark plate.
 * Each letter is a few filled boxes on a 4×7 grid of `unit` pixels (x, y, w, h in units).
 */
export function testBadgeArgs(out: string): string[] {
  const u = BADGE.unit;
  const T = [
    [0, 0, 4, 1],
    [1.5, 0, 1, 7],
  ];
  const E = [
    [0, 0, 1, 7],
    [0, 0, 4, 1],
    [0, 3, 3, 1],
    [0, 6, 4, 1],
  ];
  const S = [
    [0, 0, 4, 1],
    [0, 0, 1, 4],
    [0, 3, 4, 1],
    [3, 3, 1, 4],
    [0, 6, 4, 1],
  ];
  const letters = [T, E, S, T];
  const boxes = letters.flatMap((boxes, i) =>
    boxes.map(([x = 0, y = 0, w = 0, h = 0]) => {
      const left = 2 * u + i * 5.5 * u + x * u;
      return `drawbox=x=${left}:y=${1.5 * u + y * u}:w=${w * u}:h=${h * u}:color=white:t=fill`;
    }),
  );
  // Letters on opaque black, then the alpha: opaque where a letter is, a 55% plate elsewhere (drawbox on an RGBA
  // picture blends instead of replacing the alpha, and its `replace` option crashes ffmpeg 5.1 there).
  const plate = `color=c=black:s=${BADGE.width}x${BADGE.height}`;
  const alpha = "format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(gt(r(X,Y),128),255,140)'";
  return [...QUIET, '-f', 'lavfi', '-i', plate, '-vf', [...boxes, alpha].join(','), '-frames:v', '1', out];
}

/** What ffprobe says of an image: its codec and size. */
async function probeImage(file: string): Promise<{ codec: string; width: number; height: number } | undefined> {
  try {
    // Only image formats: an "image" that is a playlist must not open the files it names (ffmpeg/args.ts).
    const formats = ['-format_whitelist', 'png_pipe,jpeg_pipe'];
    const args = ['-v', 'error', '-protocol_whitelist', 'file', ...formats, '-select_streams', 'v:0'];
    const { stdout } = await runTool('ffprobe', [
      ...args,
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'json',
      file,
    ]);
    const stream = (JSON.parse(stdout) as { streams?: { codec_name?: string; width?: number; height?: number }[] })
      .streams?.[0];
    if (!stream?.codec_name || !stream.width || !stream.height) return undefined;
    return { codec: stream.codec_name, width: stream.width, height: stream.height };
  } catch {
    return undefined;
  }
}

/** Mux takes PNG and JPEG watermarks. */
const IMAGE_CODECS = ['png', 'mjpeg'];

/**
 * Downloads, checks and places the asset's watermarks (and test mode's badge) on a `frame` of the source's display
 * size. Throws InvalidInputError, naming the input, for an image that is not a usable PNG or JPEG.
 */
export async function prepareOverlays(
  images: readonly OverlayJob[],
  test: boolean,
  frame: { width: number; height: number },
  workDir: string,
  download: (bucket: string, key: string, file: string) => Promise<void>,
): Promise<OverlayPlan[]> {
  const plans = await Promise.all(
    images.map(async (image, i) => {
      const file = join(workDir, `overlay-${i}`);
      await download(image.bucket, image.key, file);
      const probed = await probeImage(file);
      const input = `inputs.${i + 1}`;
      if (!probed || !IMAGE_CODECS.includes(probed.codec)) {
        throw new InvalidInputError(`The watermark image of ${input} is not a PNG or JPEG image`);
      }
      if (probed.width > MAX_OVERLAY_PIXELS.width || probed.height > MAX_OVERLAY_PIXELS.height) {
        const max = `${MAX_OVERLAY_PIXELS.width}x${MAX_OVERLAY_PIXELS.height}`;
        throw new InvalidInputError(
          `The watermark image of ${input} is ${probed.width}x${probed.height}; at most ${max}`,
        );
      }
      return { image: file, ...placeOverlay(image.settings, probed, frame) };
    }),
  );
  if (!test) return plans;
  const badge = join(workDir, 'test-badge.png');
  await runFfmpeg(testBadgeArgs(badge), ffmpegLimits(1));
  return [...plans, { image: badge, ...placeOverlay(TEST_BADGE_SETTINGS, BADGE, frame) }];
}
