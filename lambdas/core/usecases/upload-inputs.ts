/**
 * A direct upload's `new_asset_settings.inputs` (Mux's InputSettings, as for `POST /video/v1/assets`, where the
 * uploaded file is the first input: an entry without `url`, or implied before the first entry with one): its
 * watermark images and text and audio tracks. Checked by the same parser as an asset's inputs when the upload is
 * made, stored as given with the upload, and applied when ingest makes its asset: the tracks are recorded
 * `preparing` (the transcoder prepares them once the asset is ready), and the watermark images are fetched by the
 * input fetch function, which then starts the transcode, as for an asset made from a URL.
 */
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import type { AssetRecord, NewAssetSettings } from '../domain/media.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import { parseOrThrow } from '../validation.js';
import { overlayRecords } from './asset-inputs.js';
import type { TranscoderKind } from './asset-work.js';
import { checkedInputs, checkTrackInputs, InputEntry, trackRecordsFor } from './input-tracks.js';

const FIELD = 'new_asset_settings.inputs';

/** The list as `new_asset_settings` takes it (Mux's `inputs`, or its older `input`); uploads.ts checks it. */
export const UploadInputList = z.array(InputEntry).max(64, { error: 'must have at most 64 entries' });

/** The stored list, checked again as it was at creation: the upload's own entry and its watermarks, the tracks. */
const StoredInputs = z
  .object({ inputs: UploadInputList })
  .transform(({ inputs }, ctx) => checkedInputs(inputs, 'inputs', ctx, 'upload'));

const checked = (settings: NewAssetSettings) =>
  settings.inputs ? parseOrThrow(StoredInputs, { inputs: settings.inputs }, 'new_asset_settings') : undefined;

/**
 * What the request alone cannot tell: every URL under the input-URL address rules, the track limits, and the
 * deployment's transcoder (MediaConvert refuses track inputs: no task runs on the asset once it is ready).
 */
export async function checkUploadInputs(
  settings: NewAssetSettings,
  ctx: { transcoder: TranscoderKind; resolve: Resolve; policy?: AddressPolicy },
): Promise<void> {
  const inputs = checked(settings);
  if (!inputs) return;
  const [, ...images] = inputs.entries;
  for (const image of images) {
    const refused = image.url && (await refusedInputUrl(image.url, ctx.resolve, ctx.policy));
    if (refused) throw new ValidationError([`${FIELD}: ${image.url}: ${refused}`]);
  }
  await checkTrackInputs(inputs.tracks, ctx);
}

/** The fields the upload's inputs give its new asset: the watermarks to fetch, and the tracks, `preparing`. */
export function uploadInputFields(
  settings: NewAssetSettings,
  assetId: string,
  ingestBucket: string,
  nowMs: number,
): Pick<AssetRecord, 'overlays' | 'text_tracks' | 'audio_tracks' | 'primary_audio'> {
  const inputs = checked(settings);
  if (!inputs) return {};
  const images = inputs.entries.slice(1).flatMap((e) => (e.url ? [{ ...e, url: e.url }] : []));
  const overlays = overlayRecords(images, assetId, ingestBucket);
  return { ...(overlays.length > 0 && { overlays }), ...trackRecordsFor(inputs.tracks, nowMs) };
}
