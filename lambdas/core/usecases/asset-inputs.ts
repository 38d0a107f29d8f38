/**
 * The inputs of `POST /video/v1/assets` beyond a plain URL: a clip of an existing asset (`mux://assets/{id}` with
 * `start_time`/`end_time`) and watermark images (`overlay_settings`). The schemas check each field where it is
 * written; `resolveInputs` turns the checked list into what the new asset records: its source (a URL to fetch, or
 * the parent's file), its clip window and its overlays.
 */
import { z } from 'zod';
import { clipParentId, clipWindowProblems, isClipUrl } from '../domain/clips.js';
import { ValidationError } from '../domain/errors.js';
import { inputObjectKey } from '../domain/layout.js';
import type { AssetRecord } from '../domain/media.js';
import {
  HORIZONTAL_ALIGNS,
  MAX_OVERLAYS,
  type OverlayRecord,
  type OverlaySettings,
  parseLength,
  parseOpacity,
  VERTICAL_ALIGNS,
} from '../domain/overlays.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import type { MediaRepository } from '../ports.js';

/** The largest size or margin accepted: Mux's largest image side in pixels, or the whole frame and no more. */
const MAX_LENGTH = { px: 4096, '%': 100 } as const;

const LENGTH_FORMAT = 'a percent ("10%") or pixels ("100px")';

const Length = (positive: boolean) =>
  z.string({ error: `must be a string: ${LENGTH_FORMAT}` }).superRefine((value, ctx) => {
    const length = parseLength(value);
    if (!length) return void ctx.addIssue({ code: 'custom', message: `must be ${LENGTH_FORMAT}` });
    if (positive && length.value <= 0) ctx.addIssue({ code: 'custom', message: 'must be greater than 0' });
    if (Math.abs(length.value) > MAX_LENGTH[length.unit]) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_LENGTH[length.unit]}${length.unit}` });
    }
  });

/** Mux's `overlay_settings`: every field checked, none ignored. */
export const OverlaySettingsInput = z.strictObject({
  vertical_align: z.enum(VERTICAL_ALIGNS, { error: 'must be top, middle or bottom' }).optional(),
  vertical_margin: Length(false).optional(),
  horizontal_align: z.enum(HORIZONTAL_ALIGNS, { error: 'must be left, center or right' }).optional(),
  horizontal_margin: Length(false).optional(),
  width: Length(true).optional(),
  height: Length(true).optional(),
  opacity: z
    .string({ error: 'must be a string: a percent ("50%")' })
    .refine((v) => parseOpacity(v) !== undefined, { error: 'must be a percent from 0% to 100%' })
    .optional(),
});

/** `start_time`/`end_time` of a clip input: seconds of the parent asset. */
export const ClipSeconds = z
  .number({ error: 'must be a number of seconds' })
  .min(0, { error: 'must be at least 0' })
  .refine(Number.isFinite, { error: 'must be a number of seconds' });

/** One checked input entry, as far as this module reads it (no `url`: a direct upload's own file). */
interface InputEntry {
  url?: string | undefined;
  overlay_settings?: OverlaySettings | undefined;
  start_time?: number | undefined;
  end_time?: number | undefined;
}

/**
 * The rules between the entries of `inputs` (a path prefix `field` names the list; `offset` is added to each index
 * named, for a list whose first entry the caller implied; `upload`: a direct upload's, whose video is its file): the
 * first is the video (a URL, a clip, or a direct upload's file: no URL), a further one with `overlay_settings` a watermark image. Issues go to `ctx`, each naming
 * its field.
 */
export function checkInputList(
  list: readonly InputEntry[],
  field: string,
  ctx: z.RefinementCtx,
  offset = 0,
  upload = false,
): void {
  list.forEach((entry, i) => {
    const at = (name: string) => [field, i + offset, name];
    const clip = entry.url !== undefined && isClipUrl(entry.url);
    if (clip && (i > 0 || clipParentId(entry.url ?? '') === undefined)) {
      const message =
        i === 0
          ? 'must be mux://assets/{asset_id}'
          : upload
            ? "a direct upload's video is its file: a clip is made with POST /video/v1/assets"
            : 'only the first input can be a clip';
      ctx.addIssue({ code: 'custom', path: at('url'), message });
    }
    for (const time of ['start_time', 'end_time'] as const) {
      if (entry[time] !== undefined && !clip) {
        const message = 'applies only to a clip input (url mux://assets/{asset_id})';
        ctx.addIssue({ code: 'custom', path: at(time), message });
      }
    }
    if (i === 0 && entry.overlay_settings) {
      const message = 'the first input is the video; a watermark image is a further input';
      ctx.addIssue({ code: 'custom', path: at('overlay_settings'), message });
    }
    // A further input without overlay_settings is a text or audio track: input-tracks.ts checks it.
  });
  if (list.filter((entry) => entry.overlay_settings).length > MAX_OVERLAYS) {
    const message = `at most ${MAX_OVERLAYS} watermark images per asset`;
    ctx.addIssue({ code: 'custom', path: [field, MAX_OVERLAYS + 1 + offset], message });
  }
}

/** Ingest bucket key of an asset's `index`-th watermark image (under uploads/, which ingest does not act on). */
export const overlayObjectKey = (assetId: string, index: number) => `uploads/overlay-${assetId}-${index}`;

export interface ResolvedInputs {
  /** The new asset's source and what it came from. */
  fields: Pick<AssetRecord, 'source' | 'input_url' | 'source_asset_id' | 'clip' | 'overlays'>;
  /** The parent's test flag: a clip of a test asset is a test asset too (it could otherwise outlive the limit). */
  parentIsTest: boolean;
}

/**
 * The new asset's watermark records: each image fetched (by the input fetch function) into the ingest bucket under
 * the asset's key for it before the transcode starts.
 */
export function overlayRecords(
  images: readonly { url: string; overlay_settings?: OverlaySettings | undefined }[],
  assetId: string,
  ingestBucket: string,
): OverlayRecord[] {
  return images.map((image, i) => ({
    url: image.url,
    bucket: ingestBucket,
    key: overlayObjectKey(assetId, i),
    settings: image.overlay_settings ?? {},
  }));
}

/**
 * Every URL the entries name (a clip's own excepted) checked against the address rules; the problems, each naming
 * `<field>.<i>.url`.
 */
export async function refusedInputUrls(
  inputs: readonly { url?: string | undefined }[],
  field: string,
  ctx: { resolve: Resolve; policy?: AddressPolicy },
  offset = 0,
): Promise<string[]> {
  const refused = await Promise.all(
    inputs.map((e) => (e.url === undefined || isClipUrl(e.url) ? '' : refusedInputUrl(e.url, ctx.resolve, ctx.policy))),
  );
  return refused.flatMap((why, i) => (why ? [`${field}.${i + offset}.url: ${why}`] : []));
}

/**
 * What the new asset `id` is made from. A clip's parent must be a ready asset of the caller's environment (anything
 * else, missing included, is a 400 naming `inputs.0.url`, as Mux answers) and the window must lie within it; the
 * clip reads the parent's source and, unless `copy_overlays` is false (Mux's default is true), its watermarks too.
 * Every URL to fetch passes the address rules.
 */
export async function resolveInputs(
  inputs: readonly (InputEntry & { url: string })[],
  copyOverlays: boolean,
  id: string,
  ctx: { env: string; media: MediaRepository; ingestBucket: string; resolve: Resolve; policy?: AddressPolicy },
): Promise<ResolvedInputs> {
  const [video, ...images] = inputs;
  if (!video) throw new ValidationError(['inputs: is required']);
  const problems = await refusedInputUrls(inputs, 'inputs', ctx);
  if (problems.length > 0) throw new ValidationError(problems);
  const overlays = overlayRecords(images, id, ctx.ingestBucket);
  const parentId = clipParentId(video.url);
  if (parentId === undefined) {
    const source = { bucket: ctx.ingestBucket, key: inputObjectKey(id) };
    return { fields: { source, input_url: video.url, ...(overlays.length > 0 && { overlays }) }, parentIsTest: false };
  }
  const parent = await ctx.media.getAsset(parentId);
  if (!parent || parent.env !== ctx.env || parent.status === 'deleted') {
    throw new ValidationError([`inputs.0.url: there is no asset ${parentId} in this environment to clip`]);
  }
  if (parent.status !== 'ready' || parent.duration === undefined) {
    throw new ValidationError([
      `inputs.0.url: asset ${parentId} is ${parent.status}; only a ready asset can be clipped`,
    ]);
  }
  const window = clipWindowProblems(video, parent.duration);
  if (window.length > 0) throw new ValidationError(window.map((problem) => `inputs.0.${problem}`));
  const copied = copyOverlays ? (parent.overlays ?? []).map(({ url: _fetchedBy, ...kept }) => kept) : [];
  const all = [...copied, ...overlays];
  return {
    fields: {
      source: parent.source,
      input_url: video.url,
      source_asset_id: parent.id,
      clip: {
        startSeconds: video.start_time ?? 0,
        ...(video.end_time !== undefined && { endSeconds: video.end_time }),
      },
      ...(all.length > 0 && { overlays: all }),
    },
    parentIsTest: parent.test === true,
  };
}
