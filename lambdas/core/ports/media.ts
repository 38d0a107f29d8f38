/** Uploads, assets and their objects: the media table and the buckets as the use cases see them. */
import type { AssetRecord, MediaError, MultipartState, PlaybackId, ReadyPatch, UploadRecord } from '../domain/media.js';
import type { PreparingAsset } from './transcode.js';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, absent on the last one. */
  next?: string;
}

/** Uploads and assets (with their playback ids), for the use cases that need both. */
export interface MediaRepository extends UploadRepository, AssetRepository {}

/** Direct uploads. Every status change is a guarded (conditional) write. */
export interface UploadRepository {
  putUpload(upload: UploadRecord): Promise<void>;
  getUpload(id: string): Promise<UploadRecord | undefined>;
  listUploads(env: string, limit: number, cursor?: string): Promise<Page<UploadRecord>>;
  /** waiting → asset_created (with asset_id) | errored | cancelled | timed_out. Throws TransitionError. */
  transitionUpload(
    id: string,
    to: Exclude<UploadRecord['status'], 'waiting'>,
    patch?: Partial<UploadRecord>,
  ): Promise<UploadRecord>;

  /**
   * Records the multipart upload of a waiting upload: when it has none yet, or to renew the one it has (same S3
   * upload id). Returns the upload as stored, which names another multipart upload when a concurrent start won.
   * Throws TransitionError when the upload is no longer waiting.
   */
  recordMultipart(id: string, multipart: MultipartState): Promise<UploadRecord>;
  /** Uploads of every environment still `waiting` (for the sweep that times them out). */
  listWaitingUploads(): Promise<UploadRecord[]>;
}

/** Assets and their playback ids. Every status change is a guarded (conditional) write. */
export interface AssetRepository {
  /** Creates the asset if no asset with its id exists; returns the stored one and whether it was created now. */
  createAsset(asset: AssetRecord): Promise<{ asset: AssetRecord; created: boolean }>;
  getAsset(id: string): Promise<AssetRecord | undefined>;
  listAssets(env: string, limit: number, cursor?: string): Promise<Page<AssetRecord>>;
  /** preparing → ready. Throws TransitionError (e.g. the asset was deleted meanwhile). */
  markReady(id: string, patch: ReadyPatch): Promise<AssetRecord>;
  /**
   * Records that a preparing asset can already be played (its master playlist and first segments are published):
   * sets `playable_at`, status stays preparing. Throws TransitionError when the asset is no longer preparing.
   */
  markPlayable(id: string): Promise<AssetRecord>;
  /** preparing → errored with a readable reason. Throws TransitionError. */
  markErrored(id: string, error: MediaError): Promise<AssetRecord>;
  /**
   * Claims the right to start the transcode of an asset for `holdSeconds`, no longer than its caller can still run
   * (its invocation's remaining time): succeeds for exactly one caller, unless the earlier claim's time has run out
   * (its holder died before starting the job). Returns false if claimed.
   */
  claimDispatch(id: string, holdSeconds: number): Promise<boolean>;
  /** Records the started job on the asset (the claim holder calls this after the runner accepted the job). */
  recordJob(id: string, jobId: string): Promise<void>;
  /** Drops a claim so a retry can dispatch again (the runner refused the job). */
  releaseDispatch(id: string): Promise<void>;
  /** The asset with its dispatch bookkeeping (job, claim, attempts) while it is `preparing`; undefined otherwise. */
  getPreparing(id: string): Promise<PreparingAsset | undefined>;
  /** Resolves a playback id to its asset id and policy. */
  getPlaybackId(playbackId: string): Promise<(PlaybackId & { asset_id: string }) | undefined>;

  /**
   * Sets `passthrough`, `meta` and `thumbnail_time` of an asset that is not deleted, and removes the fields `unset`
   * names. NotFoundError otherwise.
   */
  updateAsset(
    id: string,
    patch: Pick<AssetRecord, 'passthrough' | 'meta' | 'thumbnail_time'>,
    unset?: readonly 'thumbnail_time'[],
  ): Promise<AssetRecord>;
  /**
   * any → deleted: the asset leaves its environment's listing and its playback-id items are removed (the item
   * itself stays as a tombstone, so a transcode still running can never mark it ready). Throws TransitionError
   * when it is already deleted, NotFoundError when there is no such asset.
   */
  deleteAsset(id: string): Promise<AssetRecord>;
  /** Adds a playback id to an asset that is not deleted (the asset's list and the lookup item). */
  addPlaybackId(assetId: string, playback: PlaybackId): Promise<void>;
  /** Removes a playback id from its asset; NotFoundError when the asset does not have it. */
  removePlaybackId(assetId: string, playbackId: string): Promise<void>;
}

/**
 * The search index of assets (domain/search.ts): entries kept beside the assets, written when an asset is created,
 * edited or deleted. A search reads entries, then the assets, and keeps only those that still match, so an entry
 * left behind can cost a read but never give a wrong result.
 */
/** An asset an index read found, and the cursor that resumes the read right after it. */
export interface SearchHit {
  id: string;
  after: string;
}

export interface AssetSearchIndex {
  /** Moves the asset's entries from what `before` had to what `after` has (absent or deleted: none). */
  sync(before: AssetRecord | undefined, after: AssetRecord | undefined): Promise<void>;
  /** The environment's assets with an entry starting with `query` (normalised, 3+ characters), in index order. */
  find(env: string, query: string, limit: number, cursor?: string): Promise<Page<SearchHit>>;
  /** The assets with these ids that exist (any order). */
  getAssets(ids: string[]): Promise<AssetRecord[]>;
  /** The environment's assets in one status, newest first: a filtered read of its listing (pages may come short). */
  listByStatus(env: string, status: AssetRecord['status'], limit: number, cursor?: string): Promise<Page<AssetRecord>>;
}

/** Removes stored media objects (the asset's renditions, its source). Missing objects are not an error. */
/** Test assets past their life (Mux deletes them after 24 hours): found by the sweeper, which deletes them. */
export interface TestAssetExpiry {
  /** Ids of test assets, not deleted, created before `createdBefore` (unix seconds). */
  listExpiredTests(createdBefore: number): Promise<string[]>;
}

export interface MediaObjects {
  deletePrefix(bucket: string, prefix: string): Promise<number>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/** Presigned direct-upload URLs and object access. */
export interface UploadUrls {
  /** A presigned PUT URL for `key` in the ingest bucket, valid for `expiresIn` seconds. */
  presignPut(key: string, expiresIn: number, contentType?: string): Promise<string>;
}

/** One part S3 holds of a multipart upload. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/**
 * S3 multipart uploads into the ingest bucket, for files too large for one PUT (over 5 GB) or sent resumably. Parts
 * are PUT by the client to presigned URLs; each URL is signed for an exact Content-Length.
 */
export interface MultipartUploads {
  /** CreateMultipartUpload; returns S3's UploadId. */
  create(key: string): Promise<string>;
  /** A presigned UploadPart URL for exactly `size` bytes, valid for `expiresIn` seconds. */
  presignPart(key: string, uploadId: string, partNumber: number, size: number, expiresIn: number): Promise<string>;
  /** Every part stored so far (ListParts, all pages), by part number. NotFoundError when the upload is gone. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  /** CompleteMultipartUpload: the object appears and S3 sends its ObjectCreated event. */
  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  /** AbortMultipartUpload; an upload that is already gone is not an error. */
  abort(key: string, uploadId: string): Promise<void>;
}
