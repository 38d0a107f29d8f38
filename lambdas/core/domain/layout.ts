/** Where things live in the buckets. One place, so the API, ingest, transcoder and stream agree. */

/** Ingest bucket key of a direct upload's file. */
export const uploadObjectKey = (uploadId: string) => `uploads/${uploadId}`;

/**
 * Ingest bucket key of an asset's source fetched from an input URL. Under uploads/ (where sources live, so the same
 * grants apply) but not an upload key: `uploadIdFromKey` does not match it, so ingest ignores its S3 event.
 */
export const inputObjectKey = (assetId: string) => `uploads/input-${assetId}`;

/** The upload id an ingest-bucket key belongs to, or undefined for keys that are not direct uploads. */
export function uploadIdFromKey(key: string): string | undefined {
  const m = /^uploads\/([A-Za-z0-9]+)$/.exec(key);
  return m?.[1];
}

/** Output bucket prefix of an asset's renditions, playlists and thumbnails (no trailing slash). */
export const assetOutputPrefix = (assetId: string) => `assets/${assetId}`;

/**
 * The master playlist. With fast start a provisional one is published once every rendition has its first segments
 * (the asset gains `playable_at`); the final one (measured bit rates) is written last, just before `ready`.
 */
export const MASTER_PLAYLIST = 'master.m3u8';
