/**
 * Shots (Mux's `POST`, `GET` and `DELETE /video/v1/assets/{ASSET_ID}/shots`): a request records `pending` on a
 * ready asset and starts the transcoder in its `shots` mode, which runs ffmpeg's scene-change detection over the
 * smallest stored rung and records `completed` with the shots (or `errored`). GET answers Mux's AssetShots; once
 * completed, its `shots_manifest_url` is a time-limited URL of a JSON manifest whose stills' URLs are time-limited
 * too (SHOTS_LIMITS.urlSeconds), written afresh for each GET, as Mux's artifact URLs carry their own signature.
 */
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { assetOutputPrefix } from '../domain/layout.js';
import {
  SHOTS_FOLDER,
  SHOTS_LIMITS,
  SHOTS_MANIFEST,
  SHOTS_RESTARTABLE,
  type ShotsRecord,
  shotsManifest,
  toMuxShots,
} from '../domain/shots.js';
import type { MediaObjects, MediaRepository, ObjectUrls, ObjectWriter, ShotsRepository } from '../ports.js';
import { type AssetWorkContext, refuseUnderMediaConvert, startAssetWork } from './asset-work.js';
import { ownAsset } from './assets.js';

export interface ShotsContext extends AssetWorkContext {
  env: string;
  media: Pick<MediaRepository, 'getAsset'>;
  shots: ShotsRepository;
  now?: () => number;
}

/** `POST …/shots`: `pending` until the task has run. A second request while pending or completed is a 400. */
export async function requestShots(assetId: string, ctx: ShotsContext) {
  refuseUnderMediaConvert(ctx.transcoder, 'shots', 'shot detection');
  const asset = await ownAsset(assetId, ctx);
  if (asset.status !== 'ready') {
    throw new ValidationError([`The asset is ${asset.status}: shots can be generated once it is ready`]);
  }
  if (!asset.tracks?.some((t) => t.type === 'video')) {
    throw new ValidationError(['The asset has no video track: shots need pictures']);
  }
  const record: ShotsRecord = { status: 'pending', created_at: Math.floor((ctx.now ?? Date.now)() / 1000) };
  if (!(await ctx.shots.requestShots(asset.id, record, SHOTS_RESTARTABLE))) {
    throw new ValidationError([
      `Shots generation has already been requested for this asset (${asset.shots?.status}); delete them to start again`,
    ]);
  }
  await startAssetWork(asset, 'shots', ctx);
  return toMuxShots(record);
}

/** `GET …/shots`: Mux's AssetShots; a 404 when shots were never asked for. */
export async function getShots(
  assetId: string,
  ctx: Pick<ShotsContext, 'env' | 'media' | 'outputBucket'> & { urls: ObjectUrls; writer: ObjectWriter },
) {
  const asset = await ownAsset(assetId, ctx);
  const record = asset.shots;
  if (!record) throw new NotFoundError('shots of asset', assetId);
  if (record.status !== 'completed') return toMuxShots(record);
  const folder = assetOutputPrefix(asset.id);
  const images = new Map(
    await Promise.all(
      (record.shots ?? []).map(
        async (s) =>
          [
            s.image,
            await ctx.urls.presignGet(ctx.outputBucket, `${folder}/${s.image}`, SHOTS_LIMITS.urlSeconds),
          ] as const,
      ),
    ),
  );
  const manifest = shotsManifest(record.shots ?? [], (image) => images.get(image) ?? image);
  const key = `${folder}/${SHOTS_MANIFEST}`;
  await ctx.writer.putText(ctx.outputBucket, key, JSON.stringify(manifest), 'application/json');
  return toMuxShots(record, await ctx.urls.presignGet(ctx.outputBucket, key, SHOTS_LIMITS.urlSeconds));
}

/** `DELETE …/shots`: the shots become `deleted` (a new POST may start again) and their files go. */
export async function deleteShots(
  assetId: string,
  ctx: Pick<ShotsContext, 'env' | 'media' | 'shots' | 'outputBucket' | 'now'> & { objects: MediaObjects },
): Promise<void> {
  const asset = await ownAsset(assetId, ctx);
  const record = asset.shots;
  if (!record || record.status === 'deleted') throw new NotFoundError('shots of asset', assetId);
  if (record.status === 'pending') {
    throw new ValidationError(['Shots are still being generated for this asset; delete them once they are completed']);
  }
  await ctx.shots.settleShots(asset.id, { status: 'deleted', created_at: record.created_at }, ['completed', 'errored']);
  await ctx.objects.deletePrefix(ctx.outputBucket, `${assetOutputPrefix(asset.id)}/${SHOTS_FOLDER}/`);
}
