/**
 * Ports: what the use cases need from the outside world. Adapters in ./adapters implement them over AWS SDK
 * clients; tests implement them with fakes. Nothing here imports an SDK.
 */
import type { ChunkPlanRecord, ChunkState } from './domain/chunks.js';
import type {
  AssetRecord,
  MasterAccess,
  MediaError,
  MultipartState,
  PlaybackId,
  ReadyPatch,
  UploadRecord,
  VideoQuality,
} from './domain/media.js';
import type { StaticRenditionOutcome, StaticResolution } from './domain/static-renditions.js';

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

  /** Sets `passthrough` and `meta` of an asset that is not deleted. NotFoundError otherwise. */
  updateAsset(id: string, patch: Pick<AssetRecord, 'passthrough' | 'meta'>): Promise<AssetRecord>;
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

/** Removes stored media objects (the asset's renditions, its source). Missing objects are not an error. */
export interface MediaObjects {
  deletePrefix(bucket: string, prefix: string): Promise<number>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/** One transcode of one asset. */
export interface TranscodeJob {
  assetId: string;
  source: { bucket: string; key: string };
  outputBucket: string;
  maxResolutionTier?: string;
  /** The static renditions (MP4/M4A downloads) to write after the ladder, e.g. ['highest', 'audio-only']. */
  staticRenditions?: StaticResolution[];
  /** One chunk of a chunked transcode (its plan is recorded on the asset, see ChunkLedger); absent: the whole job. */
  chunk?: { index: number };
  /** Mux's `video_quality` the asset was created with; absent means `basic` (today's ladder). */
  videoQuality?: VideoQuality;
  /** Mux's `normalize_audio`: loudness-normalise the audio (EBU R128). Absent means false. */
  normalizeAudio?: boolean;
  /** Mux's `master_access`: `temporary` also writes the full-quality master MP4. Absent means `none`. */
  masterAccess?: MasterAccess;
  /** Mux's test mode: at most 10 seconds, watermarked. Absent means false. */
  test?: boolean;
  /**
   * What the task does. `transcode` (the default) is the whole pipeline; on an asset that is already `ready`,
   * `static_renditions` only remuxes `staticRenditions` from the stored rungs (added after creation), and `master`
   * only writes the master MP4 (`master_access` turned on after creation).
   */
  mode?: 'transcode' | 'static_renditions' | 'master';
}

/** Records what became of an asset's static renditions once the transcoder has written them. */
export interface StaticRenditionsStore {
  /**
   * Applies the outcomes to the asset's `static_renditions` files (matched by resolution). Throws TransitionError
   * when the asset is not `ready` (deleted meanwhile).
   */
  record(assetId: string, outcomes: readonly StaticRenditionOutcome[]): Promise<void>;
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

/** An asset still `preparing`, with the bookkeeping of its transcode attempts. */
export interface PreparingAsset {
  asset: AssetRecord;
  /** The job (task ARN) of the current attempt; absent between a claim and the runner accepting the job. */
  jobId?: string;
  /** Attempts started so far (the first dispatch is attempt 1). */
  attempts: number;
  /** Unix seconds of the current dispatch claim, if one is held. */
  claimedAt?: number;
}

/**
 * The retry budget of transcodes, kept on the asset item: a crashed attempt is retried by exactly one caller, and
 * never more than the budget allows.
 */
export interface TranscodeAttempts {
  /**
   * Claims the next attempt after `failedJobId` (or after a dispatch that never recorded a job, when undefined):
   * succeeds for exactly one caller while the asset is preparing, that job is still its current one, and fewer
   * than `maxAttempts` attempts were made. The claim removes the failed job id; record the new one with
   * `MediaRepository.recordJob`.
   */
  claimRetry(
    assetId: string,
    failedJobId: string | undefined,
    maxAttempts: number,
    claimStaleAfterSeconds: number,
  ): Promise<{ attempt: number } | { refused: 'not_current' | 'exhausted'; attempts: number }>;
  /** Assets that have been preparing since before `createdBefore` (unix seconds). */
  listPreparing(createdBefore: number): Promise<PreparingAsset[]>;
}

/**
 * The bookkeeping of a chunked transcode, on the asset's item: the plan (written once), the task of each chunk, its
 * attempts, and the set of chunks done. Every write is conditional, so a chunk that finishes twice counts once and
 * exactly one caller learns that it completed the set.
 */
export interface ChunkLedger {
  /**
   * Records the plan on a preparing asset that has none; returns the stored plan — the first writer's, also when this
   * call lost the race (a retried first task must encode the cut the chunk tasks already use).
   * Throws TransitionError when the asset is no longer preparing.
   */
  recordPlan(assetId: string, plan: ChunkPlanRecord): Promise<ChunkPlanRecord>;
  get(assetId: string): Promise<ChunkState | undefined>;
  /** Records the task that runs chunk `index` (the current attempt). */
  recordChunkJob(assetId: string, index: number, jobId: string): Promise<void>;
  /**
   * Adds chunk `index` to the done set while the asset is preparing. `counted` is false when it was already there (a
   * chunk that finished twice) or the asset has left preparing; `complete` is true for exactly the call that made
   * the set whole.
   */
  completeChunk(assetId: string, index: number): Promise<{ counted: boolean; complete: boolean; done: number }>;
  /**
   * Claims the next attempt of chunk `index` after its task `failedJobId` died: succeeds for one caller while the
   * asset is preparing, the chunk is not done (or every chunk is, and the asset still waits for its playlists), that
   * task is still the chunk's current one, and it has had fewer than `maxAttempts` attempts.
   */
  claimChunkRetry(
    assetId: string,
    index: number,
    failedJobId: string,
    maxAttempts: number,
  ): Promise<{ attempt: number } | { refused: 'not_current' | 'done' | 'exhausted'; attempts: number }>;
}

/** Where an environment's events are POSTed. `secret` signs each delivery (`mux-signature`). */
export interface WebhookEndpoint {
  id: string;
  env: string;
  url: string;
  secret: string;
  created_at: number;
}

/** One attempt to deliver one event to one endpoint. */
export interface WebhookDelivery {
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  /** Unix milliseconds. */
  attempted_at: number;
  outcome: 'delivered' | 'failed';
  /** The receiver's HTTP status, absent when no response arrived. */
  response_status?: number;
  error?: string;
  duration_ms: number;
}

export interface WebhookRepository {
  putEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(env: string, id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(env: string): Promise<WebhookEndpoint[]>;
  /** NotFoundError when the environment has no such endpoint. */
  deleteEndpoint(env: string, id: string): Promise<void>;
  recordDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Newest first. */
  listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
}

/** One event on its way to one endpoint: the webhook queue's message. */
export interface WebhookJob {
  endpoint_id: string;
  env: string;
  /** Jobs with the same key (one endpoint, one upload or asset) are delivered one at a time, in the order queued. */
  order_key: string;
  /** The Mux envelope (notify.ts `MediaEventMessage`), posted as is. */
  event: { id: string; type: string } & Record<string, unknown>;
}

export interface WebhookQueue {
  enqueue(jobs: WebhookJob[]): Promise<void>;
  /** Keeps a received message hidden for `delaySeconds` more: its next attempt comes after that. */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
}

/** POSTs a body; resolves with the response status, rejects when no response arrived (network, timeout). */
export interface WebhookSender {
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}

/** A signing key: Gamma keeps only the public half; the private key is returned once, at creation. */
export interface SigningKey {
  id: string;
  env: string;
  /** SPKI PEM. */
  public_key: string;
  created_at: number;
}

export interface SigningKeyRepository {
  put(key: SigningKey): Promise<void>;
  get(id: string): Promise<SigningKey | undefined>;
  listByEnv(env: string): Promise<SigningKey[]>;
  /** NotFoundError when the environment has no such key. */
  delete(env: string, id: string): Promise<void>;
}

/** An asset whose source is fetched from a URL: the input queue's message. */
export interface InputJob {
  assetId: string;
  url: string;
}

export interface InputQueue {
  submit(job: InputJob): Promise<void>;
}

/**
 * Copies what a URL serves into the ingest bucket. Throws InvalidInputError when the URL cannot give a file (refused
 * address, 4xx, too many redirects) and other errors when a retry may succeed (5xx, network).
 */
export interface InputFetcher {
  fetchTo(url: string, bucket: string, key: string): Promise<{ bytes: number }>;
}
