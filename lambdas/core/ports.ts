/**
 * Ports: what the use cases need from the outside world. Adapters in ./adapters implement them over AWS SDK
 * clients; tests implement them with fakes. Nothing here imports an SDK.
 */
import type { AssetRecord, MediaError, PlaybackId, ReadyPatch, UploadRecord } from './domain/media.js';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, absent on the last one. */
  next?: string;
}

/** Uploads, assets and playback ids. Every status change is a guarded (conditional) write. */
export interface MediaRepository {
  putUpload(upload: UploadRecord): Promise<void>;
  getUpload(id: string): Promise<UploadRecord | undefined>;
  listUploads(env: string, limit: number, cursor?: string): Promise<Page<UploadRecord>>;
  /** waiting → asset_created (with asset_id) | errored | cancelled | timed_out. Throws TransitionError. */
  transitionUpload(
    id: string,
    to: Exclude<UploadRecord['status'], 'waiting'>,
    patch?: Partial<UploadRecord>,
  ): Promise<UploadRecord>;

  /** Creates the asset if no asset with its id exists; returns the stored one and whether it was created now. */
  createAsset(asset: AssetRecord): Promise<{ asset: AssetRecord; created: boolean }>;
  getAsset(id: string): Promise<AssetRecord | undefined>;
  listAssets(env: string, limit: number, cursor?: string): Promise<Page<AssetRecord>>;
  /** preparing → ready. Throws TransitionError (e.g. the asset was deleted meanwhile). */
  markReady(id: string, patch: ReadyPatch): Promise<AssetRecord>;
  /** preparing → errored with a readable reason. Throws TransitionError. */
  markErrored(id: string, error: MediaError): Promise<AssetRecord>;
  /**
   * Claims the right to start the transcode of an asset: succeeds for exactly one caller, unless an earlier
   * claim is older than `staleAfterSeconds` (its holder died before starting the job). Returns false if claimed.
   */
  claimDispatch(id: string, staleAfterSeconds: number): Promise<boolean>;
  /** Records the started job on the asset (the claim holder calls this after the runner accepted the job). */
  recordJob(id: string, jobId: string): Promise<void>;
  /** Drops a claim so a retry can dispatch again (the runner refused the job). */
  releaseDispatch(id: string): Promise<void>;
  /** Resolves a playback id to its asset id and policy. */
  getPlaybackId(playbackId: string): Promise<(PlaybackId & { asset_id: string }) | undefined>;
}

/** One transcode of one asset. */
export interface TranscodeJob {
  assetId: string;
  source: { bucket: string; key: string };
  outputBucket: string;
  maxResolutionTier?: string;
}

/** Starts a transcode somewhere (Fargate task or MediaConvert job); returns the job's id. */
export interface TranscodeRunner {
  start(job: TranscodeJob): Promise<{ jobId: string }>;
}

/** Presigned direct-upload URLs and object access. */
export interface UploadUrls {
  /** A presigned PUT URL for `key` in the ingest bucket, valid for `expiresIn` seconds. */
  presignPut(key: string, expiresIn: number, contentType?: string): Promise<string>;
}

export interface ConnectionRecord {
  connectionId: string;
  env: string;
  connected_at: number;
  /** Asset/upload ids the client asked for; empty means every event of the environment. */
  subscriptions?: string[];
}

export interface ConnectionRepository {
  put(connection: ConnectionRecord): Promise<void>;
  delete(connectionId: string): Promise<void>;
  subscribe(connectionId: string, ids: string[]): Promise<void>;
  listByEnv(env: string): Promise<ConnectionRecord[]>;
}

/** Pushes a message to one WebSocket connection; `gone` means the client has disconnected. */
export interface Pusher {
  post(connectionId: string, message: unknown): Promise<'sent' | 'gone'>;
}

export interface AccessToken {
  id: string;
  env: string;
  /** scrypt hash of the secret, `salt:hash` in hex. */
  secret_hash: string;
  name?: string;
  created_at: number;
}

export interface TokenRepository {
  get(id: string): Promise<AccessToken | undefined>;
  put(token: AccessToken): Promise<void>;
}
