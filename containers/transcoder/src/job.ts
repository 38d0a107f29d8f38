/**
 * What one transcoder task is asked to do, read from its environment: the asset and its source, the per-asset
 * options the dispatcher passed as container overrides, and how the deployment chunks long sources. Every variable
 * is checked here, before anything is touched; a bad one fails the task with the variable's name.
 */
import {
  CHUNK_WORKER_KINDS,
  type ChunkWorkers,
  isChunkWorkers,
  QUEUE_WORKER_DEFAULTS,
} from '../../../lambdas/core/domain/chunks.js';
import { type ClipWindow, parseClipWindowVariable } from '../../../lambdas/core/domain/clips.js';
import { isResolutionTier, type ResolutionTier } from '../../../lambdas/core/domain/ladder.js';
import { type SourceObject, VIDEO_QUALITIES, type VideoQuality } from '../../../lambdas/core/domain/media.js';
import { isStaticRenditionKey, type StaticRenditionKey } from '../../../lambdas/core/domain/static-renditions.js';
import { ENV, envFor, optional } from '../../../lambdas/core/env.js';
import type { TranscodeJob } from '../../../lambdas/core/ports.js';
import { readMasterAccess } from './options/master.js';
import { readTaskMode, type TaskMode } from './options/task-mode.js';
import { type OverlayJob, parseOverlaysVariable } from './options/watermark.js';

/**
 * Options of one asset, read by the strategies (and by chunk tasks again from their own environment). To add one:
 * a field here, its entry in ASSET_OPTIONS, its variable in lambdas/core/env.ts and in the runner that starts the
 * task (adapters/ecs-runner.ts); then the strategy or encoder that honours it reads `job.options`.
 */
export interface AssetOptions {
  /** The ladder's top tier. @default 1080p (domain/ladder.ts) */
  maxResolutionTier?: ResolutionTier;
  /** MP4/M4A downloads written once the asset is ready (static-renditions.ts). */
  staticRenditions: StaticRenditionKey[];
  /** Mux's `video_quality` (options/quality.ts). @default 'basic' */
  videoQuality?: VideoQuality;
  /** Mux's `normalize_audio`: EBU R128 loudness (options/audio.ts). */
  normalizeAudio?: boolean;
  /** Mux's test mode: at most 10 seconds (options/clip.ts), watermarked (options/watermark.ts). */
  test?: boolean;
  /** A clip: the part of the source encoded (options/clip.ts). */
  clip?: ClipWindow;
  /** Watermark images burned into every rung (options/watermark.ts). */
  overlays?: OverlayJob[];
  /** Mux's `master_access`: `temporary` also writes the master MP4 once the asset is ready (options/master.ts). */
  masterAccess?: 'temporary';
}

/** Each option's reader: its variable, checked, as the option's field (nothing when unset). */
const ASSET_OPTIONS: Record<keyof AssetOptions, (env: NodeJS.ProcessEnv) => Partial<AssetOptions>> = {
  maxResolutionTier: (env) => {
    const tier = optional('MAX_RESOLUTION_TIER', env);
    if (tier === undefined) return {};
    if (!isResolutionTier(tier))
      throw new Error(`${ENV.MAX_RESOLUTION_TIER} must be 1080p, 1440p or 2160p, not "${tier}"`);
    return { maxResolutionTier: tier };
  },
  staticRenditions: (env) => {
    const renditions = optional('STATIC_RENDITIONS', env)?.split(',') ?? [];
    const unknown = renditions.filter((r) => !isStaticRenditionKey(r));
    if (unknown.length > 0)
      throw new Error(`${ENV.STATIC_RENDITIONS} names unknown resolutions: ${unknown.join(', ')}`);
    return { staticRenditions: renditions.filter(isStaticRenditionKey) };
  },
  videoQuality: (env) => {
    const quality = optional('VIDEO_QUALITY', env);
    if (quality === undefined) return {};
    if (!isVideoQuality(quality))
      throw new Error(`${ENV.VIDEO_QUALITY} must be ${VIDEO_QUALITIES.join(', ')}, not "${quality}"`);
    return { videoQuality: quality };
  },
  normalizeAudio: (env) => flag('NORMALIZE_AUDIO', env, 'normalizeAudio'),
  test: (env) => flag('TEST_ASSET', env, 'test'),
  clip: (env) => {
    const value = optional('CLIP_WINDOW', env);
    if (value === undefined) return {};
    const clip = parseClipWindowVariable(value);
    if (!clip)
      throw new Error(`${ENV.CLIP_WINDOW} must be <start>,<end> seconds (end after start, or empty), not "${value}"`);
    return { clip };
  },
  overlays: (env) => {
    const value = optional('OVERLAYS', env);
    return value === undefined ? {} : { overlays: parseOverlaysVariable(value) };
  },
  masterAccess: readMasterAccess,
};

/** A `true`/`false` variable as the option's field (nothing when unset or false). */
function flag<K extends 'normalizeAudio' | 'test'>(
  name: 'NORMALIZE_AUDIO' | 'TEST_ASSET',
  env: NodeJS.ProcessEnv,
  field: K,
): Partial<AssetOptions> {
  const value = optional(name, env);
  if (value === undefined || value === 'false') return {};
  if (value !== 'true') throw new Error(`${ENV[name]} must be true or false, not "${value}"`);
  return { [field]: true };
}

function isVideoQuality(value: string): value is VideoQuality {
  return (VIDEO_QUALITIES as readonly string[]).includes(value);
}

/** How the deployment encodes a long source: the same for every asset (baked into the task definition). */
export interface Chunking {
  /**
   * `tasks`: one task per chunk; `queue`: one work-queue job per chunk for the running workers; `process` (the local
   * default): one task, one ffmpeg, no chunks.
   */
  workers: ChunkWorkers;
  /** Chunks per asset at most (tasks at once); 1 means no chunks. */
  maxChunks: number;
  /** The shortest chunk worth a worker. */
  minChunkSeconds: number;
  /** Queue workers: the first chunk's segments, few so the asset plays within seconds (domain/chunks.ts). */
  firstChunkSegments?: number;
}

export interface TranscoderJob {
  assetId: string;
  /** Pinned at ingest to a version and ETag when it came from a direct upload (domain/media.ts `SourceObject`). */
  source: SourceObject;
  outputBucket: string;
  tableName: string;
  options: AssetOptions;
  chunking: Chunking;
  /** Set in a chunk task: the chunk of the asset's recorded plan it encodes. */
  chunkIndex?: number;
  /** The whole transcode, or work on a ready asset (main.ts TASKS). */
  mode: TaskMode;
  /**
   * Set in the transcode function (HANDOFF_AFTER_SECONDS): the most source seconds a job takes on there. A longer
   * single pass is handed off to the Fargate workers (EXIT.handoff); chunks are planned no longer than this.
   */
  handoffAfterSeconds?: number;
}

function optionalPin(name: 'SOURCE_VERSION_ID' | 'SOURCE_ETAG', field: 'versionId' | 'etag', env: NodeJS.ProcessEnv) {
  const value = optional(name, env);
  return value === undefined ? {} : { [field]: value };
}

/** Reads and checks the task's variables; throws with the variable's name when one is missing or malformed. */
export function readJob(env: NodeJS.ProcessEnv): TranscoderJob {
  const vars = envFor('transcoder', env);
  const index = optional('CHUNK_INDEX', env);
  if (index !== undefined && !/^[1-9]\d*$/.test(index)) {
    throw new Error(`${ENV.CHUNK_INDEX} must be a chunk number ≥ 1 (chunk 0 is the first task's), not "${index}"`);
  }
  return {
    assetId: vars.ASSET_ID,
    source: {
      bucket: vars.SOURCE_BUCKET,
      key: vars.SOURCE_KEY,
      ...optionalPin('SOURCE_VERSION_ID', 'versionId', env),
      ...optionalPin('SOURCE_ETAG', 'etag', env),
    },
    outputBucket: vars.OUTPUT_BUCKET,
    tableName: vars.MEDIA_TABLE,
    options: readOptions(env),
    chunking: readChunking(env),
    mode: readTaskMode(env),
    ...(index !== undefined && { chunkIndex: Number(index) }),
    ...readHandoff(env),
  };
}

function readHandoff(env: NodeJS.ProcessEnv): Pick<TranscoderJob, 'handoffAfterSeconds'> {
  const value = optional('HANDOFF_AFTER_SECONDS', env);
  if (value === undefined) return {};
  const seconds = Number(value);
  if (!(seconds >= 10)) throw new Error(`${ENV.HANDOFF_AFTER_SECONDS} must be at least 10 seconds, not "${value}"`);
  return { handoffAfterSeconds: seconds };
}

function readOptions(env: NodeJS.ProcessEnv): AssetOptions {
  return Object.assign({ staticRenditions: [] }, ...Object.values(ASSET_OPTIONS).map((read) => read(env)));
}

function readChunking(env: NodeJS.ProcessEnv): Chunking {
  const maxChunks = optional('CHUNK_PARALLELISM', env) ?? '1';
  if (!/^[1-9]\d*$/.test(maxChunks)) {
    throw new Error(`${ENV.CHUNK_PARALLELISM} must be a whole number ≥ 1, not "${maxChunks}"`);
  }
  const workers = optional('CHUNK_WORKERS', env) ?? 'process';
  if (!isChunkWorkers(workers)) {
    throw new Error(`${ENV.CHUNK_WORKERS} must be ${CHUNK_WORKER_KINDS.join(', ')}, not "${workers}"`);
  }
  const minChunkSeconds = Number(optional('CHUNK_MIN_SECONDS', env) ?? '12');
  if (!(minChunkSeconds > 0)) throw new Error(`${ENV.CHUNK_MIN_SECONDS} must be a positive number of seconds`);
  const first = workers === 'queue' ? { firstChunkSegments: QUEUE_WORKER_DEFAULTS.firstChunkSegments } : {};
  return { workers, maxChunks: Number(maxChunks), minChunkSeconds, ...first };
}

/** The job a chunk task is started with: this task's asset, source and options (those set), and its chunk. */
export function chunkTaskJob(job: TranscoderJob, index: number): TranscodeJob {
  const isSet = (value: unknown) => value !== undefined && !(Array.isArray(value) && value.length === 0);
  const options: Partial<AssetOptions> = Object.fromEntries(Object.entries(job.options).filter(([, v]) => isSet(v)));
  return {
    ...{ assetId: job.assetId, source: job.source, outputBucket: job.outputBucket },
    ...options,
    chunk: { index },
  };
}
