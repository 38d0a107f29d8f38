/** A transcode: the job, what starts it, and the bookkeeping on the asset while it runs. */
import type { ChunkPlanRecord, ChunkState } from '../domain/chunks.js';
import type { ClipWindow } from '../domain/clips.js';
import type { AssetRecord, MasterAccess, MasterFile, SourceObject, VideoQuality } from '../domain/media.js';
import type { OverlayRecord } from '../domain/overlays.js';
import type { StaticRenditionFile, StaticRenditionKey, StaticRenditionOutcome } from '../domain/static-renditions.js';

/** One transcode of one asset. */
export interface TranscodeJob {
  assetId: string;
  /** Read exactly this object: its version and ETag, when pinned (domain/media.ts `SourceObject`). */
  source: SourceObject;
  outputBucket: string;
  maxResolutionTier?: string;
  /**
   * The static renditions (MP4/M4A downloads) to write after the ladder, e.g. ['highest', 'audio-only'];
   * `capped-1080p` is `mp4_support`'s capped MP4, whose rung the task picks from its ladder (domain `cappedResolution`).
   */
  staticRenditions?: StaticRenditionKey[];
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
  /** A clip: the part of the source to encode (domain/clips.ts). Absent: the whole source. */
  clip?: ClipWindow;
  /** Watermark images (in the ingest bucket) burned into every rung (domain/overlays.ts). */
  overlays?: Omit<OverlayRecord, 'url'>[];
  /**
   * What the task does. `transcode` (the default) is the whole pipeline; on an asset that is already `ready`,
   * `static_renditions` only remuxes `staticRenditions` from the stored rungs (added after creation), and `master`
   * only writes the master MP4 (`master_access` turned on after creation), `tracks` only prepares the tracks still
   * `preparing` (alternate audio added later), `shots` only detects the shots, `subtitles` only transcribes the
   * generated text tracks still `preparing` (with `TRANSCRIBER=pocketsphinx`).
   */
  mode?: 'transcode' | 'static_renditions' | 'master' | 'tracks' | 'shots' | 'subtitles';
}

/**
 * Starts a sandbox of the transcode function ahead of a job that is coming (a direct upload created, its file still
 * to be sent; an input URL still to be fetched), so the job's first segment does not wait for the image's cold
 * start (README, How fast). Resolves once the request is accepted, not when the sandbox has started. Best effort:
 * never throws, since a ping that fails only leaves that job its cold start.
 */
export interface SandboxWarmer {
  warm(): Promise<void>;
}

/** What the transcode function is invoked with to start (or keep) a sandbox: answered at once, no job run. */
export const KEEP_WARM_EVENT = { keepWarm: true } as const;

/** Records what became of an asset's static renditions once the transcoder has written them. */
export interface StaticRenditionsStore {
  /**
   * Applies the outcomes to the asset's `static_renditions` files (matched by resolution). Throws TransitionError
   * when the asset is not `ready` (deleted meanwhile).
   */
  record(assetId: string, outcomes: readonly StaticRenditionOutcome[]): Promise<void>;
  /**
   * Adds files to a ready asset's `static_renditions` (after creation); returns the asset as written. Throws
   * TransitionError when the asset is not ready, AlreadyExistsError when it has a file of that resolution.
   */
  addStaticRenditions(assetId: string, files: readonly StaticRenditionFile[]): Promise<AssetRecord>;
  /**
   * Removes files by id from a ready asset; returns the asset as written. Throws TransitionError when not ready;
   * with `settledOnly`, ValidationError when one of them is still preparing (domain `withoutFiles`).
   */
  removeStaticRenditions(assetId: string, fileIds: readonly string[], settledOnly?: boolean): Promise<AssetRecord>;
}

/** Which master `removeMaster` may remove. */
export type MasterRemoval = 'any' | 'settled' | { expiresAt: number };

/** The asset's master MP4 (domain/master.ts): requested, written, removed. */
export interface MasterStore {
  /**
   * `master_access` → temporary and the master `preparing` on a ready asset that has no master (or an errored one);
   * `started` is false when it already had one preparing or ready (nothing to do). TransitionError when not ready.
   */
  requestMaster(assetId: string): Promise<{ asset: AssetRecord; started: boolean }>;
  /** A preparing master → ready (with its URL) or errored. TransitionError when it is no longer preparing. */
  settleMaster(assetId: string, master: MasterFile): Promise<void>;
  /**
   * Removes the master and sets `master_access` back to `none`: `any` master (the undo of a task that could not
   * start), a `settled` one (not preparing: a client's `none` may not free the way for a second task while one runs),
   * or only the one that expires at `expiresAt` (a newer one is kept). Returns the asset as written, or undefined
   * when nothing was removed.
   */
  removeMaster(assetId: string, which?: MasterRemoval): Promise<AssetRecord | undefined>;
  /** Assets of every environment whose master expired before `now` (unix seconds), for the sweep. */
  listExpiredMasters(now: number): Promise<AssetRecord[]>;
}

/** Starts a transcode somewhere (Fargate task or MediaConvert job); returns the job's id. */
export interface TranscodeRunner {
  /** Throws ValidationError for a job this runner cannot do (MediaConvert has no `mode` but `transcode`). */
  start(job: TranscodeJob): Promise<{ jobId: string }>;
}

/** An asset still `preparing`, with the bookkeeping of its transcode attempts. */
export interface PreparingAsset {
  asset: AssetRecord;
  /** The job (task ARN) of the current attempt; absent between a claim and the runner accepting the job. */
  jobId?: string;
  /** Attempts started so far (the first dispatch is attempt 1). */
  attempts: number;
  /** Unix seconds until which the current dispatch claim is held, if one is. */
  claimedUntil?: number;
}

/**
 * The retry budget of transcodes, kept on the asset item: a crashed attempt is retried by exactly one caller, and
 * never more than the budget allows.
 */
export interface TranscodeAttempts {
  /**
   * Claims the next attempt after `failedJobId` (or after a dispatch that never recorded a job, when undefined):
   * succeeds for exactly one caller while the asset is preparing, that job is still its current one, and fewer
   * than `maxAttempts` attempts were made. The claim removes the failed job id and is held for `holdSeconds` (as
   * `MediaRepository.claimDispatch`); record the new job with `MediaRepository.recordJob`.
   */
  claimRetry(
    assetId: string,
    failedJobId: string | undefined,
    maxAttempts: number,
    holdSeconds: number,
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
