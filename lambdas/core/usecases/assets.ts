import { z } from 'zod';
import { NotFoundError, TransitionError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assetOutputPrefix } from '../domain/layout.js';
import { type AssetRecord, type MuxAsset, type PlaybackId, toMuxAsset, toMuxInputInfo } from '../domain/media.js';
import type { MediaObjects, MediaRepository } from '../ports.js';
import { unsupported } from '../validation.js';
import { type ListQuery, listBody, pageOf } from './listing.js';

/** Mux's asset `meta`: free-form labels the platform stores and returns. */
export const AssetMetaInput = z.strictObject({
  title: z.string().max(512, { error: 'must be at most 512 characters' }).optional(),
  creator_id: z.string().max(128, { error: 'must be at most 128 characters' }).optional(),
  external_id: z.string().max(128, { error: 'must be at most 128 characters' }).optional(),
});

export const Passthrough = z.string().max(255, { error: 'must be at most 255 characters' });

/** One playback policy: `drm` is Mux's, but needs DRM licensing this deployment does not have. */
export const PlaybackPolicyInput = z
  .enum(['public', 'signed', 'drm'], { error: 'must be "public" or "signed"' })
  .refine((p) => p !== 'drm', { error: 'drm is not supported by this deployment (no DRM licensing)' })
  .transform((p) => p as 'public' | 'signed');

/** The body of `PATCH /video/v1/assets/{id}`. */
export const UpdateAssetInput = z.strictObject({
  passthrough: Passthrough.optional(),
  meta: AssetMetaInput.optional(),
  /** Mux's default thumbnail time: what `thumbnail.jpg` without `time` shows (within the asset: checked below). */
  thumbnail_time: z.number({ error: 'must be a number of seconds' }).min(0, { error: 'must be at least 0' }).optional(),
});
export type UpdateAssetInput = z.output<typeof UpdateAssetInput>;

/** The body of `POST /video/v1/assets/{id}/playback-ids`. */
export const CreatePlaybackIdInput = z.strictObject({
  policy: PlaybackPolicyInput.default('public'),
  drm_configuration_id: unsupported('no DRM configurations'),
});
export type CreatePlaybackIdInput = z.output<typeof CreatePlaybackIdInput>;

export interface AssetsContext {
  /** The caller's environment: an asset of another environment is not found. */
  env: string;
  media: MediaRepository;
}

/** The caller's asset, not deleted; NotFoundError otherwise. */
export async function ownAsset(
  id: string,
  ctx: { env: string; media: Pick<MediaRepository, 'getAsset'> },
): Promise<AssetRecord> {
  const asset = await ctx.media.getAsset(id);
  if (!asset || asset.env !== ctx.env || asset.status === 'deleted') throw new NotFoundError('asset', id);
  return asset;
}

export async function getAsset(id: string, ctx: AssetsContext): Promise<MuxAsset> {
  return toMuxAsset(await ownAsset(id, ctx));
}

/** `GET /video/v1/assets/{id}/input-info`: the input's settings and the file as the transcoder probed it. */
export async function getAssetInputInfo(id: string, ctx: AssetsContext): Promise<ReturnType<typeof toMuxInputInfo>> {
  return toMuxInputInfo(await ownAsset(id, ctx));
}

/**
 * Query of `GET /video/v1/assets`: the list query and Mux's filters. `upload_id` gives the asset made from that
 * upload (none yet, or another environment's: an empty list); `live_stream_id` always gives an empty list, because
 * this deployment has no live streams and so no asset was recorded from one.
 */
/** Mux's filters of the assets list (search.ts adds Gamma's `search` and `status` and parses them all). */
export type AssetListFilters = ListQuery & { upload_id?: string | undefined; live_stream_id?: string | undefined };

export async function listAssets(query: AssetListFilters, ctx: AssetsContext) {
  if (query.live_stream_id !== undefined) return listBody({ items: [] }, toMuxAsset);
  if (query.upload_id !== undefined) {
    const upload = await ctx.media.getUpload(query.upload_id);
    const asset = upload?.env === ctx.env && upload.asset_id ? await ctx.media.getAsset(upload.asset_id) : undefined;
    const listed = asset && asset.status !== 'deleted' ? [asset] : [];
    return listBody({ items: listed }, toMuxAsset);
  }
  const page = await pageOf((limit, cursor) => ctx.media.listAssets(ctx.env, limit, cursor), query);
  return listBody(page, toMuxAsset);
}

/**
 * Sets `passthrough` and `thumbnail_time` and merges `meta` (fields not named keep their values), as Mux's update
 * does. As Mux, a thumbnail time needs a ready asset (its duration known) and is before its end: at or past it, or
 * on an asset not ready, a 400 ("Set a default thumbnail").
 */
export async function updateAsset(id: string, input: UpdateAssetInput, ctx: AssetsContext): Promise<MuxAsset> {
  const asset = await ownAsset(id, ctx);
  const time = input.thumbnail_time;
  if (time !== undefined && (asset.status !== 'ready' || asset.duration === undefined)) {
    throw new ValidationError([`thumbnail_time: can be set only on a ready asset (this one is ${asset.status})`]);
  }
  if (time !== undefined && asset.duration !== undefined && time >= asset.duration) {
    throw new ValidationError([`thumbnail_time: must be less than the asset's duration (${asset.duration} seconds)`]);
  }
  const updated = await ctx.media.updateAsset(id, {
    ...(input.passthrough !== undefined && { passthrough: input.passthrough }),
    ...(input.meta && { meta: { ...asset.meta, ...input.meta } }),
    ...(time !== undefined && { thumbnail_time: time }),
  });
  return toMuxAsset(updated);
}

/** `DELETE /video/v1/assets/{id}/thumbnail-time`: thumbnails without `time` show the middle again (Mux's default). */
export async function deleteThumbnailTime(id: string, ctx: AssetsContext): Promise<void> {
  await ownAsset(id, ctx);
  await ctx.media.updateAsset(id, {}, ['thumbnail_time']);
}

/**
 * Deletes an asset: marks it deleted (so it stops listing and playing, and a transcode still running cannot
 * mark it ready), removes its playback ids, then every stored object — the renditions under `assets/<id>/`, the
 * uploaded source and the watermark images.
 */
export async function deleteAsset(
  id: string,
  ctx: AssetsContext & { objects: MediaObjects; outputBucket: string },
): Promise<void> {
  await ownAsset(id, ctx);
  await deleteAssetAndFiles(id, ctx);
}

/** The deletion itself, for an asset already known to be the caller's (or the sweeper's, for expired test assets). */
export async function deleteAssetAndFiles(
  id: string,
  ctx: { media: MediaRepository; objects: MediaObjects; outputBucket: string },
): Promise<void> {
  let deleted: AssetRecord;
  try {
    deleted = await ctx.media.deleteAsset(id);
  } catch (err) {
    // Deleted concurrently by another request: for this caller it is gone either way.
    if (err instanceof TransitionError) throw new NotFoundError('asset', id);
    throw err;
  }
  await ctx.objects.deletePrefix(ctx.outputBucket, `${assetOutputPrefix(deleted.id)}/`);
  // A clip's source and copied watermarks are its parent's (no `url`: not fetched for it): they stay with the parent.
  const own = [...(deleted.source_asset_id ? [] : [deleted.source]), ...(deleted.overlays ?? []).filter((o) => o.url)];
  for (const object of own) await ctx.objects.deleteObject(object.bucket, object.key);
}

export async function createPlaybackId(
  assetId: string,
  input: CreatePlaybackIdInput,
  ctx: AssetsContext,
): Promise<PlaybackId> {
  await ownAsset(assetId, ctx);
  const playback: PlaybackId = { id: newId(), policy: input.policy };
  await ctx.media.addPlaybackId(assetId, playback);
  return playback;
}

export async function getPlaybackIdOfAsset(assetId: string, playbackId: string, ctx: AssetsContext) {
  const asset = await ownAsset(assetId, ctx);
  const playback = asset.playback_ids.find((p) => p.id === playbackId);
  if (!playback) throw new NotFoundError('playback_id', playbackId);
  return playback;
}

export async function deletePlaybackId(assetId: string, playbackId: string, ctx: AssetsContext): Promise<void> {
  await ownAsset(assetId, ctx);
  await ctx.media.removePlaybackId(assetId, playbackId);
}

/** `GET /video/v1/playback-ids/{id}`: the playback id and the asset it plays. */
export async function getPlaybackIdObject(playbackId: string, ctx: AssetsContext) {
  const playback = await ctx.media.getPlaybackId(playbackId);
  if (!playback) throw new NotFoundError('playback_id', playbackId);
  await ownAsset(playback.asset_id, ctx).catch((err) => {
    throw err instanceof NotFoundError ? new NotFoundError('playback_id', playbackId) : err;
  });
  return { id: playback.id, policy: playback.policy, object: { type: 'asset', id: playback.asset_id } };
}
