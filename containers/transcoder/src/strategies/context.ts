/** What every strategy is given, and what it hands back to main.ts. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ReadyPatch } from '../../../../lambdas/core/domain/media.js';
import type {
  ChunkLedger,
  MasterStore,
  MediaRepository,
  StaticRenditionsStore,
  TranscodeRunner,
} from '../../../../lambdas/core/ports.js';
import type { encodeChunkAudio, encodeHls, encodeHlsChunk, encodeStoryboard } from '../encode.js';
import type { TranscoderJob } from '../job.js';
import type { ShotsDeps } from '../options/shots.js';
import type { TrackDeps } from '../options/tracks.js';
import type { keyframesBefore, probe } from '../probe.js';
import type { S3Storage } from '../storage.js';

/** Everything the transcoder talks to; main.ts defaults each to the real thing, tests pass fakes. */
/** The adapters of work on a ready asset (options/ready-asset.ts builds them): tracks and shots. */
export type ReadyAssetDeps = TrackDeps & Omit<ShotsDeps, 'storage' | 'objects'>;

export interface TranscoderDeps {
  env: NodeJS.ProcessEnv;
  repo: MediaRepository;
  s3: S3Client;
  probe: typeof probe;
  /** Looks up the source's keyframes at candidate chunk boundaries (probe.ts). */
  keyframes: typeof keyframesBefore;
  /** The single pass's encoder. */
  encode: typeof encodeHls;
  /** The chunk bookkeeping on the asset (chunk tasks). */
  chunks: ChunkLedger;
  /** Starts chunk tasks (built from the runner's variables when first needed). */
  runner: () => TranscodeRunner;
  chunkEncoders: ChunkEncoders;
  /** Where the static renditions' outcomes are recorded. */
  staticRenditions: Pick<StaticRenditionsStore, 'record'>;
  /** Where the master MP4 is recorded (options/master.ts). */
  master: Pick<MasterStore, 'settleMaster'>;
  /** Tracks and shots on a ready asset (options/ready-asset.ts); built from the job when absent. */
  readyAsset?: ReadyAssetDeps;
}

/** The ffmpeg steps of the chunk-task strategies (encode.ts); tests pass fakes. */
export interface ChunkEncoders {
  audio: typeof encodeChunkAudio;
  chunk: typeof encodeHlsChunk;
  storyboard: typeof encodeStoryboard;
}

export interface StrategyContext {
  job: TranscoderJob;
  deps: TranscoderDeps;
  storage: S3Storage;
  /** Scratch folder, removed by main.ts whatever happens. */
  workDir: string;
  logger: Logger;
  /** Marks the asset playable once its first segments and a master playlist are published. */
  markPlayable: () => Promise<void>;
}

/**
 * What a strategy returns: what the asset becomes ready with (main.ts writes it), and what to do once it is ready
 * (the downloads, cleaning up); or that another task finishes the asset (a chunk that did not complete the set).
 */
export type Outcome =
  | { ready: ReadyPatch; afterReady?: () => Promise<void> }
  | { finishedBy: 'another chunk task' }
  /** Longer than the transcode function takes on (job.ts `handoffAfterSeconds`): nothing written, for a worker. */
  | { handoff: string };
