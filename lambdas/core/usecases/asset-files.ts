/**
 * An asset's downloadable files after creation, as Mux's API changes them:
 *
 * - `POST /video/v1/assets/{id}/static-renditions` (`{ resolution, passthrough }`) and
 *   `DELETE …/static-renditions/{STATIC_RENDITION_ID}`; `PUT …/mp4-support`, Mux's deprecated switch, translated
 *   into the same files as at creation (`capped-1080p` → `highest`, or `1080p` above a 1080p ladder; `audio-only` →
 *   the M4A; `none` removes the files `mp4_support` stands for); an asset has one kind of files or the other;
 * - `PUT …/master-access` (`temporary` | `none`): the master MP4 (domain/master.ts), and its expiry after 24 hours.
 *
 * A file is recorded `preparing` and a transcoder task for the ready asset is started to write it (TranscodeJob
 * `mode`): static renditions are remuxed from the stored rung, the master from the source. A file the asset cannot
 * have is recorded `skipped` at once, as Mux reports it, and costs no task.
 */
import { z } from 'zod';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../domain/errors.js';
import { assetOutputPrefix } from '../domain/layout.js';
import { MASTER_FILE } from '../domain/master.js';
import { type AssetRecord, MASTER_ACCESSES, type MuxAsset, toMuxAsset } from '../domain/media.js';
import {
  cappedResolution,
  isCappedMp4,
  MP4_SUPPORT_VALUES,
  newStaticRenditionFile,
  ONE_KIND_OF_FILES,
  requestsForMp4Support,
  type StaticRenditionFile,
  type StaticResolution,
  storedRenditionSource,
} from '../domain/static-renditions.js';
import type { MasterStore, MediaObjects, MediaRepository, StaticRenditionsStore, TranscodeRunner } from '../ports.js';
import { StaticRenditionRequestInput } from './static-renditions.js';

export const CreateStaticRenditionInput = StaticRenditionRequestInput;

/** Mux's `standard` (several MP4s of lower sizes) was deprecated in 2024 and is not offered, as at creation. */
export const UpdateMp4SupportInput = z.strictObject({
  mp4_support: z
    .enum([...MP4_SUPPORT_VALUES, 'standard'], { error: `must be one of ${MP4_SUPPORT_VALUES.join(', ')}` })
    .refine((v) => v !== 'standard', {
      error: 'standard is deprecated by Mux and not offered here: use capped-1080p or static renditions',
    })
    .transform((v) => v as Exclude<typeof v, 'standard'>),
});

export const UpdateMasterAccessInput = z.strictObject({
  master_access: z.enum(MASTER_ACCESSES, { error: 'must be temporary or none' }),
});

export interface AssetFilesContext {
  env: string;
  media: Pick<MediaRepository, 'getAsset'>;
  files: StaticRenditionsStore & MasterStore;
  /** Starts the transcoder task that writes the files of a ready asset. */
  runner: TranscodeRunner;
  objects: Pick<MediaObjects, 'deleteObject'>;
  outputBucket: string;
}

/** The caller's asset, ready: files are made from what a ready asset stored. */
async function readyAsset(id: string, ctx: AssetFilesContext, what: string): Promise<AssetRecord> {
  const asset = await ctx.media.getAsset(id);
  if (!asset || asset.env !== ctx.env || asset.status === 'deleted') throw new NotFoundError('asset', id);
  if (asset.status !== 'ready') {
    throw new ValidationError([`${what}: the asset is ${asset.status}; this can be changed once it is ready`]);
  }
  return asset;
}

export async function createStaticRendition(
  assetId: string,
  input: z.output<typeof CreateStaticRenditionInput>,
  ctx: AssetFilesContext,
): Promise<StaticRenditionFile> {
  const asset = await readyAsset(assetId, ctx, 'resolution');
  // An asset with mp4_support's files is refused by the list's rewrite (domain withAddedFiles), before any task.
  const [file] = await addFiles(asset, [input], ctx);
  if (!file) throw new Error(`asset ${assetId}: the static rendition was not added`);
  return file;
}

export async function deleteStaticRendition(assetId: string, fileId: string, ctx: AssetFilesContext): Promise<void> {
  const asset = await readyAsset(assetId, ctx, 'static rendition');
  // mp4_support's files are not the Static Renditions API's to delete (Mux gives them no id): its `none` removes them.
  const file = asset.static_renditions?.find((f) => f.id === fileId && !f.fromMp4Support);
  if (!file) throw new NotFoundError('static_rendition', fileId);
  await removeFiles(asset, [file], ctx);
}

/**
 * `PUT …/mp4-support`: the asset's `mp4_support` files become the ones the value stands for (domain
 * `requestsForMp4Support`), the capped MP4 at the rung the asset's stored ladder gives (`cappedResolution`: the
 * renditions it recorded, not `max_resolution_tier` alone — a 720p source made with `2160p` stops at 720p); `none`
 * (or a value that no longer names one) removes each file it made, object and record.
 *
 * An asset has the files of `mp4_support` or of the Static Renditions API, never both: Mux refuses both at creation
 * ("You may not enable both `static_renditions` and the deprecated `mp4_support`"), and here after it, both ways. A
 * file of each kind of the same resolution would be one object with two owners (a `none` deleting the other API's
 * file, a DELETE by id the capped MP4).
 *
 * A capped MP4 the asset's own transcode is still writing counts as the one asked for: it was recorded before the
 * ladder was known, and the task gives it the rung `cappedResolution` gives here.
 */
export async function updateMp4Support(
  assetId: string,
  input: z.output<typeof UpdateMp4SupportInput>,
  ctx: AssetFilesContext,
): Promise<MuxAsset> {
  const asset = await readyAsset(assetId, ctx, 'mp4_support');
  const value = input.mp4_support;
  const stored = asset.static_renditions ?? [];
  if (value !== 'none' && stored.some((f) => !f.fromMp4Support)) {
    throw new ValidationError([ONE_KIND_OF_FILES.mp4Support]);
  }
  const wanted = requestsForMp4Support(value, cappedResolution(asset.renditions ?? []));
  const keeps = (f: StaticRenditionFile) =>
    wanted.some((w) => w.resolution === f.resolution) ||
    (value.includes('capped-1080p') && isCappedMp4(f) && f.status === 'preparing');
  const ours = stored.filter((f) => f.fromMp4Support);
  const unwanted = ours.filter((f) => !keeps(f));
  // What is asked for is there when a file of mp4_support's that stays is it (the capped MP4, at whichever rung).
  const isThere = (w: { resolution: StaticResolution }) =>
    ours.some((f) => keeps(f) && (f.resolution === w.resolution || (w.resolution !== 'audio-only' && isCappedMp4(f))));
  const missing = wanted.filter((w) => !isThere(w));
  // Removed first: a capped MP4 replaced at another rung keeps its id (derived from `capped-1080p`). So a switch
  // (capped-1080p to audio-only) tells `static_renditions.deleted`, then `preparing` for the new file.
  if (unwanted.length > 0) await removeFiles(asset, unwanted, ctx);
  if (missing.length > 0) await addFiles(asset, missing, ctx, true);
  return toMuxAsset((await ctx.media.getAsset(assetId)) ?? asset);
}

export async function updateMasterAccess(
  assetId: string,
  input: z.output<typeof UpdateMasterAccessInput>,
  ctx: AssetFilesContext,
): Promise<MuxAsset> {
  const asset = await readyAsset(assetId, ctx, 'master_access');
  if (input.master_access === 'none') {
    // Not while its task runs: `none` then `temporary` would start a second full-quality task, and so on in a loop.
    const removed = await ctx.files.removeMaster(assetId, 'settled');
    const now = removed ?? (await ctx.media.getAsset(assetId)) ?? asset;
    if (now.master?.status === 'preparing') {
      throw new ValidationError([
        'master_access: the master is still being prepared; set none once it is ready or errored',
      ]);
    }
    await ctx.objects.deleteObject(ctx.outputBucket, `${assetOutputPrefix(assetId)}/${MASTER_FILE}`);
    return toMuxAsset(now);
  }
  const requested = await ctx.files.requestMaster(assetId);
  if (requested.started) {
    await startOrSettle(
      () => ctx.runner.start({ assetId, source: asset.source, outputBucket: ctx.outputBucket, mode: 'master' }),
      () => ctx.files.removeMaster(assetId),
      () => ctx.files.settleMaster(assetId, { status: 'errored' }),
    );
  }
  return toMuxAsset(requested.asset);
}

/** Records the files `preparing` (or `skipped` when the asset has no such rung) and starts the task that writes them. */
async function addFiles(
  asset: AssetRecord,
  requests: { resolution: StaticResolution; passthrough?: string | undefined }[],
  ctx: AssetFilesContext,
  fromMp4Support = false,
): Promise<StaticRenditionFile[]> {
  const files = requests.map(({ resolution, passthrough }) => {
    const request = { resolution, ...(passthrough !== undefined && { passthrough }) };
    const file = newStaticRenditionFile(asset.id, request, fromMp4Support);
    return storedRenditionSource(resolution, asset) ? file : { ...file, status: 'skipped' as const };
  });
  try {
    await ctx.files.addStaticRenditions(asset.id, files);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    throw new ValidationError([`resolution: the asset already has a ${err.id} static rendition`]);
  }
  const toWrite = files.filter((f) => f.status === 'preparing');
  if (toWrite.length > 0) {
    const ids = toWrite.map((f) => f.id);
    await startOrSettle(
      () =>
        ctx.runner.start({
          ...{ assetId: asset.id, source: asset.source, outputBucket: ctx.outputBucket },
          ...{ mode: 'static_renditions', staticRenditions: toWrite.map((f) => f.resolution) },
        }),
      () => ctx.files.removeStaticRenditions(asset.id, ids),
      () =>
        ctx.files.record(
          asset.id,
          toWrite.map((f) => ({ resolution: f.resolution, status: 'errored' })),
        ),
    );
  }
  return files;
}

async function removeFiles(asset: AssetRecord, files: StaticRenditionFile[], ctx: AssetFilesContext): Promise<void> {
  // A file still preparing is refused: its task runs, and a new request for it would start another.
  await ctx.files.removeStaticRenditions(
    asset.id,
    files.map((f) => f.id),
    true,
  );
  for (const file of files) {
    await ctx.objects.deleteObject(ctx.outputBucket, `${assetOutputPrefix(asset.id)}/${file.name}`);
  }
}

/**
 * Starts the task. A runner that cannot do such a job (MediaConvert) refuses with a ValidationError: the record is
 * undone and the caller gets the 400. Any other failure leaves the record `errored` (the client sees why) and is
 * rethrown.
 */
async function startOrSettle(
  start: () => Promise<unknown>,
  undo: () => Promise<unknown>,
  errored: () => Promise<unknown>,
): Promise<void> {
  try {
    await start();
  } catch (err) {
    await (err instanceof ValidationError ? undo() : errored());
    throw err;
  }
}

/**
 * The sweep after 24 hours: every master past its expiry is removed, object and record, and `master_access` goes
 * back to `none` (Mux: "After 24 hours Master Access will revert to none"); the change sends
 * `video.asset.master.deleted`. A master made again meanwhile (a later expiry) is kept.
 */
export async function expireMasters(ctx: {
  files: Pick<MasterStore, 'listExpiredMasters' | 'removeMaster'>;
  objects: Pick<MediaObjects, 'deleteObject'>;
  outputBucket: string;
  now?: () => number;
}): Promise<string[]> {
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  const expired: string[] = [];
  for (const asset of await ctx.files.listExpiredMasters(now)) {
    const expiresAt = asset.master?.expires_at;
    if (expiresAt === undefined || !(await ctx.files.removeMaster(asset.id, { expiresAt }))) continue;
    await ctx.objects.deleteObject(ctx.outputBucket, `${assetOutputPrefix(asset.id)}/${MASTER_FILE}`);
    expired.push(asset.id);
  }
  return expired;
}
