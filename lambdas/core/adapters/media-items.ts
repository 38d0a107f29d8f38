/**
 * How uploads, assets and playback ids are stored as items of the media table (keys from tables.ts).
 * Records are read and written through explicit field lists, so storage-only attributes (keys, dispatch claim)
 * never leak into a record and no record field is stored by accident.
 */
import type { AssetRecord, PlaybackId, UploadRecord } from '../domain/media.js';
import { envIndexKey, envIndexSort, MEDIA_TABLE, mediaKey } from '../tables.js';

type Item = Record<string, unknown>;

const UPLOAD_FIELDS = {
  id: true,
  env: true,
  status: true,
  created_at: true,
  timeout: true,
  url: true,
  cors_origin: true,
  new_asset_settings: true,
  asset_id: true,
  error: true,
  test: true,
  multipart: true,
} as const satisfies Record<keyof UploadRecord, true>;

const ASSET_FIELDS = {
  id: true,
  env: true,
  status: true,
  created_at: true,
  upload_id: true,
  source: true,
  playback_ids: true,
  passthrough: true,
  meta: true,
  max_resolution_tier: true,
  duration: true,
  max_stored_resolution: true,
  max_stored_frame_rate: true,
  resolution_tier: true,
  aspect_ratio: true,
  tracks: true,
  input_file: true,
  input_url: true,
  errors: true,
  renditions: true,
  playable_at: true,
  static_renditions: true,
  text_tracks: true,
  audio_tracks: true,
  primary_audio: true,
  shots: true,
  video_quality: true,
  per_title_encode: true,
  normalize_audio: true,
  master_access: true,
  master: true,
  test: true,
  source_asset_id: true,
  clip: true,
  overlays: true,
  thumbnail_time: true,
  generate_shots: true,
} as const satisfies Record<keyof AssetRecord, true>;

function pick<T>(source: object, fields: Record<keyof T, true>): T {
  const values = source as Item;
  const out: Item = {};
  for (const key of Object.keys(fields)) if (values[key] !== undefined) out[key] = values[key];
  return out as T;
}

export const uploadFromItem = (item: Item): UploadRecord => pick<UploadRecord>(item, UPLOAD_FIELDS);
export const assetFromItem = (item: Item): AssetRecord => pick<AssetRecord>(item, ASSET_FIELDS);

export function uploadToItem(upload: UploadRecord): Item {
  return {
    ...pick<UploadRecord>(upload, UPLOAD_FIELDS),
    [MEDIA_TABLE.partitionKey]: mediaKey('upload', upload.id),
    kind: 'upload',
    [MEDIA_TABLE.byEnvPartitionKey]: envIndexKey(upload.env, 'upload'),
    [MEDIA_TABLE.byEnvSortKey]: envIndexSort(upload.created_at, upload.id),
  };
}

export function assetToItem(asset: AssetRecord): Item {
  return {
    ...pick<AssetRecord>(asset, ASSET_FIELDS),
    [MEDIA_TABLE.partitionKey]: mediaKey('asset', asset.id),
    kind: 'asset',
    [MEDIA_TABLE.byEnvPartitionKey]: envIndexKey(asset.env, 'asset'),
    [MEDIA_TABLE.byEnvSortKey]: envIndexSort(asset.created_at, asset.id),
  };
}

export function playbackToItem(playback: PlaybackId, assetId: string): Item {
  return {
    [MEDIA_TABLE.partitionKey]: mediaKey('playback', playback.id),
    kind: 'playback',
    id: playback.id,
    policy: playback.policy,
    asset_id: assetId,
  };
}

/** The opaque list cursor: base64url of the query's LastEvaluatedKey. */
export const encodeCursor = (lastEvaluatedKey: Item): string =>
  Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');

/**
 * The key a cursor stands for, if it is an object of exactly these string attributes (a query's LastEvaluatedKey),
 * else undefined.
 */
export function decodeKey(cursor: string, names: readonly string[]): Record<string, string> | undefined {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof key !== 'object' || key === null) return undefined;
  const entries = Object.entries(key);
  const wellFormed =
    entries.length === names.length &&
    entries.every(([name, value]) => names.includes(name) && typeof value === 'string');
  return wellFormed ? (key as Record<string, string>) : undefined;
}

/**
 * The LastEvaluatedKey a cursor stands for, if it is a well-formed key of the listing it is used with
 * (a cursor from another environment's or another kind's listing is not), else undefined.
 */
export function decodeCursor(cursor: string, listing: string): Record<string, string> | undefined {
  const key = decodeKey(cursor, [MEDIA_TABLE.partitionKey, MEDIA_TABLE.byEnvPartitionKey, MEDIA_TABLE.byEnvSortKey]);
  return key?.[MEDIA_TABLE.byEnvPartitionKey] === listing ? key : undefined;
}
