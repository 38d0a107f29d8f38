/**
 * The transcoder task's entry module: read the job, pick the strategy that encodes it, and write what the asset
 * becomes — ready, or errored when the source is unusable. The strategies (strategies/*.ts) each return what the
 * asset becomes ready with:
 *
 * - a chunk task (CHUNK_INDEX set) encodes its chunk of the plan recorded on the asset (chunk-task.ts);
 * - otherwise the source is fetched, probed and planned (source.ts), then a long source on a deployment with chunk
 *   tasks is fanned out (chunk-fan-out.ts) and any other is encoded in a single pass with fast start
 *   (single-pass.ts).
 *
 * Exit code 0 means the asset became ready (or this chunk was counted); 2 that the asset was settled otherwise (errored
 * for an unusable source, or no longer preparing), so a retry would change nothing; anything else exits 1 (the
 * task-stopped handler, or the work queue's re-delivery, takes it from there). Started with WORK_QUEUE_URL and no
 * ASSET_ID, the process is a queue worker (worker.ts `runWorker`), and with AWS_LAMBDA_RUNTIME_API the transcode
 * function (function.ts): each runs the jobs it takes through `run()` in its job process (job-process.ts: this entry
 * point started with JOB_PROCESS_FLAG, kept from job to job). Importing this module runs nothing: `run()` is called
 * only when started directly.
 */
import { rm } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, s3Client } from '../../../lambdas/core/adapters/clients.js';
import { DynamoAssetFiles } from '../../../lambdas/core/adapters/dynamo-asset-files.js';
import { DynamoAssetRepository } from '../../../lambdas/core/adapters/dynamo-assets.js';
import { DynamoMediaRepository } from '../../../lambdas/core/adapters/dynamo-media.js';
import { taskRunnerFromEnv } from '../../../lambdas/core/adapters/task-runner-from-env.js';
import { InvalidInputError, TransitionError } from '../../../lambdas/core/domain/errors.js';
import type { AssetRecord } from '../../../lambdas/core/domain/media.js';
import { optional } from '../../../lambdas/core/env.js';
import { addMaster, addStaticRenditions } from './asset-edits.js';
import { encodeChunkAudio, encodeHls, encodeHlsChunk, encodeStoryboard } from './encode.js';
import { makeWorkDir, prepareToolProcess } from './ffmpeg/tools.js';
import { runFunction } from './function.js';
import { readJob, type TranscoderJob } from './job.js';
import { EXIT, JOB_PROCESS_FLAG, serveJobs } from './job-process.js';
import { jobClientConfig } from './job-scope.js';
import { transcribeGeneratedTracks } from './options/generated-subtitles.js';
import { afterTranscode, onReadyAsset, readyAssetDeps, type Task } from './options/ready-asset.js';
import { detectShots } from './options/shots.js';
import type { TaskMode } from './options/task-mode.js';
import { prepareTracks } from './options/tracks.js';
import { keyframesBefore, probe } from './probe.js';
import { type ProcessCpu, processCpu } from './process-cpu.js';
import { localSource, prepareSource } from './source.js';
import { S3Storage } from './storage.js';
import { chunkFanOut, fanOutChunks, mayFanOut, recordedChunks } from './strategies/chunk-fan-out.js';
import { chunkTask } from './strategies/chunk-task.js';
import type { Outcome, StrategyContext, TranscoderDeps } from './strategies/context.js';
import { singlePass } from './strategies/single-pass.js';
import { runWorker } from './worker.js';

export type { ChunkEncoders, TranscoderDeps } from './strategies/context.js';

const SERVICE_NAME = 'transcoder';

/** Transcodes the task's asset; resolves to the process exit code and never rejects. */
export async function run(overrides: Partial<TranscoderDeps> = {}): Promise<number> {
  const env = overrides.env ?? process.env;
  let job: TranscoderJob;
  let scoped: ReturnType<typeof jobClientConfig>;
  try {
    job = readJob(env);
    // S3 and DynamoDB see only this job's asset (job-scope.ts); starting chunk tasks keeps the task's own role.
    scoped = jobClientConfig(job, env);
  } catch (error) {
    new Logger({ serviceName: SERVICE_NAME }).error('Invalid configuration', error as Error);
    return 1;
  }
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { assetId: job.assetId } });
  const s3 = overrides.s3 ?? s3Client(scoped, env);
  const deps: TranscoderDeps = {
    env,
    repo: overrides.repo ?? new DynamoMediaRepository(documentClient(scoped), job.tableName),
    s3,
    probe: overrides.probe ?? probe,
    keyframes: overrides.keyframes ?? keyframesBefore,
    encode: overrides.encode ?? encodeHls,
    chunks: overrides.chunks ?? new DynamoAssetRepository(documentClient(scoped), job.tableName),
    // Chunk jobs go where this job came from: the work queue for a queue worker's job, RunTask for a task.
    runner: overrides.runner ?? (() => taskRunnerFromEnv(optional('WORK_QUEUE_URL', env) ? 'queue' : 'fargate')),
    chunkEncoders: overrides.chunkEncoders ?? {
      audio: encodeChunkAudio,
      chunk: encodeHlsChunk,
      storyboard: encodeStoryboard,
    },
    staticRenditions: overrides.staticRenditions ?? new DynamoAssetFiles(documentClient(scoped), job.tableName),
    master: overrides.master ?? new DynamoAssetFiles(documentClient(scoped), job.tableName),
    readyAsset: overrides.readyAsset ?? readyAssetDeps(job, { env, s3 }, scoped),
  };
  if (job.handoffAfterSeconds !== undefined && HANDED_OFF_MODES.has(job.mode)) {
    logger.info('Handing the job off to the workers', { mode: job.mode });
    return EXIT.handoff;
  }
  try {
    return await TASKS[job.mode](job, deps, logger);
  } catch (error) {
    logger.error('Transcode failed', error as Error);
    return 1;
  }
}

/**
 * What a task does, by its TASK_MODE (options/task-mode.ts reads it; the API's usecases set it): the whole
 * transcode, or one piece of work on an asset that is already ready, run by `onReadyAsset` (options/ready-asset.ts),
 * which checks the asset is still ready and gives the handler a scratch folder. A new mode is its name in
 * TranscodeJob['mode'] and task-mode.ts, and its line here.
 */
const TASKS: Record<TaskMode, Task> = {
  transcode: transcodeAndSettle,
  // The tracks still `preparing`: alternate audio or text added to the ready asset (options/tracks.ts).
  tracks: onReadyAsset((asset, ctx) => prepareTracks(asset, ctx.work, ctx)),
  // Scene cuts of the smallest stored rung, for …/shots (options/shots.ts).
  shots: onReadyAsset((asset, ctx) => detectShots(asset, ctx.work, ctx)),
  // MP4/M4A downloads added after creation, remuxed from the stored rungs (asset-edits.ts).
  static_renditions: onReadyAsset(addStaticRenditions),
  // The master MP4 from the source, for master_access set after creation (asset-edits.ts).
  master: onReadyAsset(addMaster),
  // Generated subtitles transcribed in the task with pocketsphinx (options/generated-subtitles.ts).
  subtitles: onReadyAsset((asset, ctx) =>
    transcribeGeneratedTracks(asset, ctx.work, { ...ctx, outputBucket: ctx.outputBucket, env: ctx.deps.env }),
  ),
};

/**
 * Work the transcode function never takes on (it has 15 minutes): generated subtitles run pocketsphinx over the whole
 * asset at about its length, and the master copies the whole source, which may not fit its /tmp.
 */
const HANDED_OFF_MODES: ReadonlySet<TaskMode> = new Set(['subtitles', 'master']);

/** Transcodes in a scratch folder, then marks the asset ready, or errored if the source is unusable. */
async function transcodeAndSettle(job: TranscoderJob, deps: TranscoderDeps, logger: Logger): Promise<number> {
  const workDir = await makeWorkDir('gamma-transcode-');
  const ctx: StrategyContext = {
    ...{ job, deps, storage: new S3Storage(deps.s3), workDir, logger },
    markPlayable: async () => {
      await transition(logger, 'playable', () => deps.repo.markPlayable(job.assetId));
    },
  };
  try {
    const outcome = await transcode(ctx);
    if ('finishedBy' in outcome) return 0; // a chunk counted; the task that completes the set marks the asset ready
    if ('handoff' in outcome) {
      logger.info('Handing the job off to the workers', { reason: outcome.handoff });
      return EXIT.handoff;
    }
    let ready: AssetRecord | undefined;
    const markReady = async () => (ready = await deps.repo.markReady(job.assetId, outcome.ready));
    if (!(await transition(logger, 'ready', markReady))) return EXIT.settled;
    await outcome.afterReady?.();
    if (ready)
      await afterTranscode(ready, job, () => deps.readyAsset ?? readyAssetDeps(job, deps), {
        workDir,
        logger,
        env: deps.env,
        queue: (mode) =>
          deps
            .runner()
            .start({ ...{ assetId: job.assetId, source: job.source }, outputBucket: job.outputBucket, mode }),
      });
    return 0;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logger.warn('The source is not usable', { reason: error.message });
    const reason = { type: 'invalid_input', messages: [error.message] };
    await transition(logger, 'errored', () => deps.repo.markErrored(job.assetId, reason));
    return EXIT.settled;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Picks the strategy. */
async function transcode(ctx: StrategyContext): Promise<Outcome> {
  if (ctx.job.chunkIndex !== undefined) return chunkTask(ctx, ctx.job.chunkIndex);
  // Probed over a ranged URL where the deployment may fan out: planning a long source never downloads it.
  const source = await prepareSource(ctx, { remote: mayFanOut(ctx.job.chunking) });
  try {
    const chunks = fanOutChunks(ctx.job.chunking, source, ctx.job.handoffAfterSeconds) ?? (await recordedChunks(ctx));
    if (chunks) return await chunkFanOut(ctx, source, chunks);
    const limit = ctx.job.handoffAfterSeconds;
    if (limit !== undefined && source.probe.durationSeconds > limit) {
      return { handoff: `a single pass of ${Math.round(source.probe.durationSeconds)} s is over ${limit} s` };
    }
    await source.decodes; // the single pass publishes from its first segment: nothing before the file has decoded
    return await singlePass(ctx, await localSource(ctx, source));
  } finally {
    await source.decodes.catch(() => {}); // its ffmpeg ends, and its scratch folder goes, before the process does
  }
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

/**
 * Runs a job and logs where its CPU went — this process (its start, the SDK, uploads) and its ffmpeg and ffprobe — so
 * `npm run bench` can say what the overhead is made of. A task's job is its whole process, counted from its start; a
 * worker's job process counts each job from `since`, the process's figures when the job came.
 */
async function runCounted(env: NodeJS.ProcessEnv, since?: ProcessCpu): Promise<number> {
  const code = await run({ env });
  const cpu = await processCpu();
  if (cpu) {
    const seconds = (n: number) => Math.round(n * 100) / 100;
    new Logger({ serviceName: SERVICE_NAME }).info('Job CPU', {
      ...{ assetId: optional('ASSET_ID', env), chunk: Number(optional('CHUNK_INDEX', env) ?? 0), code },
      ownCpuSeconds: seconds(cpu.own - (since?.own ?? 0)),
      toolsCpuSeconds: seconds(cpu.children - (since?.children ?? 0)),
      // What the process holds after the job: a worker's job process is replaced past 1 GiB (job-process.ts).
      residentMegabytes: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
  }
  return code;
}

/** How the entry point was started: a worker's job process, the transcode function, a queue worker, or one job (a task). */
function main(): Promise<number> {
  if (process.argv.includes(JOB_PROCESS_FLAG)) return serveJobs(async (env) => runCounted(env, await processCpu()));
  const runtimeApi = optional('AWS_LAMBDA_RUNTIME_API');
  if (runtimeApi) return runFunction(runtimeApi, `${SERVICE_NAME}-function`);
  const isWorker = optional('WORK_QUEUE_URL') !== undefined && optional('ASSET_ID') === undefined;
  return isWorker ? runWorker(`${SERVICE_NAME}-worker`) : runCounted(process.env);
}

const startedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (startedDirectly) prepareToolProcess();
if (startedDirectly) process.exit(await main());
