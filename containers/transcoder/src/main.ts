/**
 * The transcoder task's entry module: download the source, probe it, plan the ladder, encode HLS while publishing
 * it to `assets/<assetId>/` as segments are finished (fast start: once every rendition has its first segment, a
 * provisional master playlist is published and the asset marked playable), then publish the final playlists
 * (master last) and mark the asset ready — or errored when the source is unusable.
 *
 * Exit code 0 means the asset became ready; anything else exits 1 (the task-stopped handler takes it from there).
 * Importing this module runs nothing: `run()` is called only when the file is started directly.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { documentClient, s3Client } from '../../../lambdas/core/adapters/clients.js';
import { DynamoAssetRepository } from '../../../lambdas/core/adapters/dynamo-assets.js';
import { DynamoMediaRepository } from '../../../lambdas/core/adapters/dynamo-media.js';
import { runnerFromEnv } from '../../../lambdas/core/adapters/runner-from-env.js';
import { type ChunkWorkers, isChunkWorkers, planChunks } from '../../../lambdas/core/domain/chunks.js';
import { InvalidInputError, TransitionError } from '../../../lambdas/core/domain/errors.js';
import { derivedId } from '../../../lambdas/core/domain/ids.js';
import {
  isResolutionTier,
  type LadderPlan,
  planLadder,
  type ResolutionTier,
  renditionNames,
  resolutionTier,
  type SourceProbe,
} from '../../../lambdas/core/domain/ladder.js';
import { aspectRatio, type ReadyPatch, storedResolution, type Track } from '../../../lambdas/core/domain/media.js';
import { checkSource } from '../../../lambdas/core/domain/source-policy.js';
import { isStaticResolution, type StaticResolution } from '../../../lambdas/core/domain/static-renditions.js';
import {
  type ImagePlan,
  planImages,
  STILLS_DIR,
  STORYBOARD_IMAGE,
  STORYBOARD_VTT,
  storyboardVtt,
} from '../../../lambdas/core/domain/thumbnails.js';
import { ENV, envFor, optional } from '../../../lambdas/core/env.js';
import type {
  ChunkLedger,
  MediaRepository,
  StaticRenditionsStore,
  TranscodeJob,
  TranscodeRunner,
} from '../../../lambdas/core/ports.js';
import {
  type ChunkEncoders,
  type ChunkOutcome,
  type ChunkTaskContext,
  FFMPEG_CHUNK_ENCODERS,
  removeChunkWork,
  runChunkTask,
  runFirstChunkTask,
} from './chunk-tasks.js';
import { encodeHls, encodeHlsChunked, HLS_VERSION } from './encode.js';
import { cutPreviewFrames } from './preview-frames.js';
import { probe } from './probe.js';
import { ProgressivePublisher } from './progressive.js';
import { bucketFiles, localFiles, type OutputFiles, writeStaticRenditions } from './static-renditions.js';
import { S3Storage } from './storage.js';

const SERVICE_NAME = 'transcoder';

/** Everything `run` talks to; each defaults to the real thing. */
export interface TranscoderDeps {
  env: NodeJS.ProcessEnv;
  repo: MediaRepository;
  s3: S3Client;
  probe: typeof probe;
  encode: typeof encodeHls;
  encodeChunked: typeof encodeHlsChunked;
  /** The chunk bookkeeping on the asset (CHUNK_WORKERS=tasks). */
  chunks: ChunkLedger;
  /** Starts chunk tasks (CHUNK_WORKERS=tasks; built from the runner's variables when first needed). */
  runner: () => TranscodeRunner;
  chunkEncoders: ChunkEncoders;
  /** Where the static renditions' outcomes are recorded. */
  staticRenditions: StaticRenditionsStore;
}

interface Config {
  assetId: string;
  source: { bucket: string; key: string };
  outputBucket: string;
  tableName: string;
  maxResolutionTier?: ResolutionTier;
  /** ffmpeg processes (or tasks) at once; above 1, sources long enough are encoded in chunks. */
  chunkParallelism: number;
  chunkWorkers: ChunkWorkers;
  /** The shortest chunk worth a worker. */
  chunkMinSeconds: number;
  /** Set in a chunk task: the chunk of the recorded plan it encodes. */
  chunkIndex?: number;
  /** MP4/M4A downloads to write once the asset is ready (static-renditions.ts). */
  staticRenditions: StaticResolution[];
}

/** Transcodes the task's asset; resolves to the process exit code and never rejects. */
export async function run(overrides: Partial<TranscoderDeps> = {}): Promise<number> {
  const env = overrides.env ?? process.env;
  let config: Config;
  try {
    config = readConfig(env);
  } catch (error) {
    new Logger({ serviceName: SERVICE_NAME }).error('Invalid configuration', error as Error);
    return 1;
  }
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { assetId: config.assetId } });
  const deps: TranscoderDeps = {
    env,
    repo: overrides.repo ?? defaultRepo(config.tableName),
    s3: overrides.s3 ?? s3Client({}, env),
    probe: overrides.probe ?? probe,
    encode: overrides.encode ?? encodeHls,
    encodeChunked: overrides.encodeChunked ?? encodeHlsChunked,
    chunks: overrides.chunks ?? new DynamoAssetRepository(documentClient(), config.tableName),
    runner: overrides.runner ?? (() => runnerFromEnv('fargate')),
    chunkEncoders: overrides.chunkEncoders ?? FFMPEG_CHUNK_ENCODERS,
    staticRenditions: overrides.staticRenditions ?? new DynamoAssetRepository(documentClient(), config.tableName),
  };
  try {
    return await transcodeAndSettle(config, deps, logger);
  } catch (error) {
    logger.error('Transcode failed', error as Error);
    return 1;
  }
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const vars = envFor('transcoder', env);
  const tier = optional('MAX_RESOLUTION_TIER', env);
  if (tier !== undefined && !isResolutionTier(tier)) {
    throw new Error(`${ENV.MAX_RESOLUTION_TIER} must be 1080p, 1440p or 2160p, not "${tier}"`);
  }
  const parallelism = optional('CHUNK_PARALLELISM', env) ?? '1';
  if (!/^[1-9]\d*$/.test(parallelism)) {
    throw new Error(`${ENV.CHUNK_PARALLELISM} must be a whole number ≥ 1, not "${parallelism}"`);
  }
  const workers = optional('CHUNK_WORKERS', env) ?? 'process';
  if (!isChunkWorkers(workers)) throw new Error(`${ENV.CHUNK_WORKERS} must be process or tasks, not "${workers}"`);
  const minSeconds = Number(optional('CHUNK_MIN_SECONDS', env) ?? '12');
  if (!(minSeconds > 0)) throw new Error(`${ENV.CHUNK_MIN_SECONDS} must be a positive number of seconds`);
  const index = optional('CHUNK_INDEX', env);
  if (index !== undefined && !/^[1-9]\d*$/.test(index)) {
    throw new Error(`${ENV.CHUNK_INDEX} must be a chunk number ≥ 1 (chunk 0 is the first task's), not "${index}"`);
  }
  const renditions = optional('STATIC_RENDITIONS', env)?.split(',') ?? [];
  const unknown = renditions.filter((r) => !isStaticResolution(r));
  if (unknown.length > 0) throw new Error(`${ENV.STATIC_RENDITIONS} names unknown resolutions: ${unknown.join(', ')}`);
  return {
    assetId: vars.ASSET_ID,
    source: { bucket: vars.SOURCE_BUCKET, key: vars.SOURCE_KEY },
    outputBucket: vars.OUTPUT_BUCKET,
    tableName: vars.MEDIA_TABLE,
    ...(tier && { maxResolutionTier: tier }),
    chunkParallelism: Number(parallelism),
    chunkWorkers: workers,
    chunkMinSeconds: minSeconds,
    ...(index !== undefined && { chunkIndex: Number(index) }),
    staticRenditions: renditions.filter(isStaticResolution),
  };
}

function defaultRepo(tableName: string): MediaRepository {
  return new DynamoMediaRepository(documentClient(), tableName);
}

/** Transcodes in a scratch folder, then marks the asset ready, or errored if the source is unusable. */
async function transcodeAndSettle(config: Config, deps: TranscoderDeps, logger: Logger): Promise<number> {
  const workDir = await mkdtemp(join(tmpdir(), 'gamma-transcode-'));
  try {
    const result = await transcode(config, deps, workDir, logger);
    if (!result) return 0; // a chunk done; the task that completes the chunks marks the asset ready
    if (!(await transition(logger, 'ready', () => deps.repo.markReady(config.assetId, result.patch)))) return 1;
    await result.afterReady?.();
    return 0;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logger.warn('The source is not usable', { reason: error.message });
    const reason = { type: 'invalid_input', messages: [error.message] };
    await transition(logger, 'errored', () => deps.repo.markErrored(config.assetId, reason));
    return 1;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** What the asset becomes ready with; undefined when another (chunk) task finishes it. */
type Transcoded = { patch: ReadyPatch; afterReady?: () => Promise<void> } | undefined;

async function transcode(config: Config, deps: TranscoderDeps, workDir: string, logger: Logger): Promise<Transcoded> {
  const storage = new S3Storage(deps.s3);
  const sourceFile = join(workDir, 'source');
  const hlsDir = join(workDir, 'hls');
  if (config.chunkIndex !== undefined) {
    const download = (file: string) => storage.download(config.source.bucket, config.source.key, file);
    const ctx = chunkContext(config, deps, storage, workDir, logger);
    return settledChunk(ctx, deps, await runChunkTask(ctx, config.chunkIndex, download));
  }
  await storage.download(config.source.bucket, config.source.key, sourceFile);
  const source = await deps.probe(sourceFile);
  checkSource(source); // refuses 8K, sliver-thin pictures, over-long files before any encoding
  const plan = planLadder(source, { maxResolutionTier: config.maxResolutionTier });
  logger.info('Planned the ladder', { source, renditions: renditionNames(plan) });
  const publisher = new ProgressivePublisher({
    storage,
    bucket: config.outputBucket,
    assetId: config.assetId,
    dir: hlsDir,
    plan,
    hlsVersion: HLS_VERSION.fmp4,
    onPlayable: async () => {
      await transition(logger, 'playable', () => deps.repo.markPlayable(config.assetId));
    },
  });
  const images = source.video && planImages(source.durationSeconds, source.video);
  const parallelism = config.chunkParallelism;
  const chunks =
    plan.video && parallelism > 1
      ? planChunks(source.durationSeconds, {
          segmentSeconds: plan.segmentSeconds,
          workers: parallelism,
          minChunkSeconds: config.chunkMinSeconds,
        })
      : [];
  if (chunks.length > 1 && config.chunkWorkers === 'tasks') {
    logger.info('Encoding in chunk tasks', { chunks: chunks.length });
    const ctx = chunkContext(config, deps, storage, workDir, logger);
    // The preview frames are cut beside chunk 0's encode and published with it.
    const beside = async (dir: string) => logPreviews(logger, await cutPreviewFrames(sourceFile, dir, source));
    const outcome = await runFirstChunkTask(ctx, {
      ...{ sourceFile, source, plan, chunks, beside },
      ...(images && { images }),
    });
    return settledChunk(ctx, deps, outcome);
  }
  // Frames for animated previews, cut beside the ladder (preview-frames.ts); never rejects.
  const previews = cutPreviewFrames(sourceFile, hlsDir, source);
  let variants: Awaited<ReturnType<typeof deps.encode>>;
  if (chunks.length > 1) {
    // Chunk-parallel: no fast start (the segments exist only once every chunk is encoded).
    logger.info('Encoding in chunks', { chunks: chunks.length, parallelism });
    variants = await deps.encodeChunked(sourceFile, plan, hlsDir, { chunks, parallelism, ...(images && { images }) });
  } else {
    publisher.start();
    try {
      variants = await deps.encode(sourceFile, plan, hlsDir, {
        segmentType: 'fmp4',
        onProgress: progressLogger(logger, source.durationSeconds),
        ...(images && { images }),
      });
    } finally {
      await publisher.stop();
    }
  }
  if (images) await writeStoryboardVtt(hlsDir, images, source.durationSeconds);
  logPreviews(logger, await previews);
  logger.info('Encoded', { variants, publishedEarly: publisher.isPlayable });
  if (publisher.lastFailure) logger.warn('An early upload failed; publishing it now', publisher.lastFailure as Error);
  const keys = await publisher.finish();
  logger.info('Published', { objects: keys.length });
  return {
    patch: readyPatch(config.assetId, source, plan),
    afterReady: async () => {
      const job = {
        assetId: config.assetId,
        outputBucket: config.outputBucket,
        staticRenditions: config.staticRenditions,
      };
      await staticRenditions(job, deps, plan, source, localFiles(hlsDir), workDir, logger);
    },
  };
}

/** The MP4/M4A downloads, remuxed from the stored renditions once the asset is ready (never rejects). */
async function staticRenditions(
  job: Pick<TranscodeJob, 'assetId' | 'outputBucket' | 'staticRenditions'>,
  deps: TranscoderDeps,
  plan: LadderPlan,
  source: SourceProbe,
  files: OutputFiles,
  workDir: string,
  logger: Logger,
): Promise<void> {
  await writeStaticRenditions({
    ...{ assetId: job.assetId, requested: job.staticRenditions ?? [], plan, durationSeconds: source.durationSeconds },
    ...{ files, s3: deps.s3, bucket: job.outputBucket, workDir, store: deps.staticRenditions, logger },
  });
}

function logPreviews(logger: Logger, preview: Awaited<ReturnType<typeof cutPreviewFrames>>): void {
  if ('error' in preview) logger.warn('No preview frames: animated images will answer 404', preview.error);
}

function chunkContext(
  config: Config,
  deps: TranscoderDeps,
  storage: S3Storage,
  workDir: string,
  logger: Logger,
): ChunkTaskContext {
  const job: TranscodeJob = {
    assetId: config.assetId,
    source: config.source,
    outputBucket: config.outputBucket,
    ...(config.maxResolutionTier && { maxResolutionTier: config.maxResolutionTier }),
    ...(config.staticRenditions.length > 0 && { staticRenditions: config.staticRenditions }),
  };
  return {
    job,
    ledger: deps.chunks,
    get runner() {
      return deps.runner();
    },
    storage,
    s3: deps.s3,
    workDir,
    logger,
    onPlayable: async () => {
      await transition(logger, 'playable', () => deps.repo.markPlayable(config.assetId));
    },
    encoders: deps.chunkEncoders,
  };
}

function settledChunk(ctx: ChunkTaskContext, deps: TranscoderDeps, outcome: ChunkOutcome): Transcoded {
  if (!outcome.finished) return undefined;
  const { plan } = outcome;
  return {
    patch: readyPatch(ctx.job.assetId, plan.source, plan.ladder),
    afterReady: async () => {
      const files = bucketFiles(deps.s3, ctx.job.outputBucket, ctx.job.assetId);
      await staticRenditions(ctx.job, deps, plan.ladder, plan.source, files, ctx.workDir, ctx.logger);
      await removeChunkWork(deps.s3, ctx.job, plan);
    },
  };
}

/** The storyboard's WebVTT, one cue per still actually written (the sprite holds the same frames). */
async function writeStoryboardVtt(dir: string, images: ImagePlan, durationSeconds: number): Promise<void> {
  const stills = await readdir(join(dir, STILLS_DIR)).catch(() => []);
  const vtt = storyboardVtt(images, stills.length, durationSeconds, STORYBOARD_IMAGE);
  await writeFile(join(dir, STORYBOARD_VTT), vtt);
}

/**
 * Applies a status transition. A TransitionError means the asset is no longer preparing (deleted meanwhile): it
 * is logged, not thrown, and reported as `false`.
 */
async function transition(logger: Logger, to: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    logger.info(`Marked the asset ${to}`);
    return true;
  } catch (error) {
    if (!(error instanceof TransitionError)) throw error;
    logger.warn(`Did not mark the asset ${to}: it is no longer preparing`, { reason: error.message });
    return false;
  }
}

/** Logs encoding progress every 10% of the source's duration. */
function progressLogger(logger: Logger, durationSeconds: number): (seconds: number) => void {
  let logged = 0;
  return (seconds) => {
    const percent = Math.min(100, Math.floor((seconds / durationSeconds) * 10) * 10);
    if (percent <= logged) return;
    logged = percent;
    logger.info('Encoding', { percent });
  };
}

/** What the asset reports once ready (Mux's fields), from the source and the renditions actually stored. */
function readyPatch(assetId: string, source: SourceProbe, plan: LadderPlan): ReadyPatch {
  const duration = source.durationSeconds;
  const top = plan.video?.rungs.at(-1);
  const frameRate = plan.video && Math.round(plan.video.fps * 1000) / 1000;
  const tracks: Track[] = [];
  if (top && frameRate) {
    const id = derivedId('video-track', assetId);
    tracks.push({
      id,
      type: 'video',
      max_width: top.width,
      max_height: top.height,
      max_frame_rate: frameRate,
      duration,
    });
  }
  if (plan.audio) {
    const id = derivedId('audio-track', assetId);
    tracks.push({ id, type: 'audio', max_channels: plan.audio.channels, duration, primary: true });
  }
  return {
    duration,
    // Classified by the short side, like the ladder: portrait 1080x1920 is FHD, not UHD.
    max_stored_resolution: storedResolution(top && Math.min(top.width, top.height)),
    ...(source.video && { aspect_ratio: aspectRatio(source.video.width, source.video.height) }),
    tracks,
    renditions: renditionNames(plan),
    resolution_tier: top ? resolutionTier(top.width, top.height) : 'audio-only',
    ...(frameRate && { max_stored_frame_rate: frameRate }),
    ...(source.file && { input_file: source.file }),
  };
}

const startedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (startedDirectly) process.exit(await run());
