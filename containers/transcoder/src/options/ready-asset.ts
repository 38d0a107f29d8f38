/**
 * Work on an asset that is already ready: the task modes beside the transcode (main.ts's TASKS table names each
 * with its handler) run through `onReadyAsset`, which checks the asset is still ready, gives the handler a scratch
 * folder and the adapters it may need, and turns the outcome into the exit code. The handlers leave the ladder
 * alone and record each outcome on the asset (a track or a file that failed is recorded as such, not a task
 * failure). Every transcode also prepares the tracks its `inputs` asked for once the asset is ready
 * (`afterTranscode`).
 */
import { rm } from 'node:fs/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { documentClient } from '../../../../lambdas/core/adapters/clients.js';
import { DynamoAssetWork } from '../../../../lambdas/core/adapters/dynamo-asset-work.js';
import { DynamoAssetRepository } from '../../../../lambdas/core/adapters/dynamo-assets.js';
import { HttpFileFetcher } from '../../../../lambdas/core/adapters/http-input-fetcher.js';
import { S3ObjectWriter, S3TextObjects } from '../../../../lambdas/core/adapters/s3-text-objects.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { SHOTS_RESTARTABLE, type ShotsRecord } from '../../../../lambdas/core/domain/shots.js';
import { optional } from '../../../../lambdas/core/env.js';
import { makeWorkDir } from '../ffmpeg/tools.js';
import type { TranscoderJob } from '../job.js';
import { EXIT } from '../job-process.js';
import { bucketFiles } from '../static-renditions.js';
import { S3Storage } from '../storage.js';
import type { ReadyAssetDeps, TranscoderDeps } from '../strategies/context.js';
import { preparingGenerated, transcribeGeneratedTracks, transcribesInTask } from './generated-subtitles.js';
import { detectShots } from './shots.js';
import { hasPreparingTracks, prepareTracks } from './tracks.js';

/** The adapters of ready-asset work; tests pass fakes through TranscoderDeps.readyAsset. */
export type { ReadyAssetDeps };

export function readyAssetDeps(
  job: TranscoderJob,
  deps: { env: NodeJS.ProcessEnv; s3: S3Client },
  clientConfig: Parameters<typeof documentClient>[0] = {},
): ReadyAssetDeps {
  // With the job's asset-scoped credentials (job-scope.ts), as every other client of the task.
  const doc = documentClient(clientConfig);
  const policy = { allowLoopback: optional('ALLOW_LOOPBACK_URLS', deps.env) === 'true' };
  const work = new DynamoAssetWork(doc, job.tableName);
  return {
    text: new DynamoAssetRepository(doc, job.tableName),
    audio: work,
    shots: work,
    fetcher: new HttpFileFetcher(policy),
    objects: new S3TextObjects(deps.s3),
    writer: new S3ObjectWriter(deps.s3),
    storage: new S3Storage(deps.s3),
    files: bucketFiles(deps.s3, job.outputBucket, job.assetId),
    policy,
  };
}

/** What a handler of work on a ready asset is given. */
export interface ReadyAssetContext {
  job: TranscoderJob;
  deps: TranscoderDeps;
  /** The adapters of tracks and shots. */
  work: ReadyAssetDeps;
  storage: S3Storage;
  outputBucket: string;
  /** Scratch folder, removed whatever happens. */
  workDir: string;
  logger: Logger;
}

/** One piece of work on the (ready) asset; records its own outcome on the asset. */
export type ReadyAssetTask = (asset: AssetRecord, ctx: ReadyAssetContext) => Promise<void>;

/** What main.ts runs for a task mode: the job to the process exit code. */
export type Task = (job: TranscoderJob, deps: TranscoderDeps, logger: Logger) => Promise<number>;

/**
 * Runs `task` on the job's asset in a scratch folder: exit 0 once done; EXIT.settled, running nothing, when the
 * asset is no longer ready (deleted meanwhile), since running the task again would change nothing.
 */
export function onReadyAsset(task: ReadyAssetTask): Task {
  return async (job, deps, logger) => {
    const asset = await deps.repo.getAsset(job.assetId);
    if (asset?.status !== 'ready') {
      logger.warn('The asset is not ready: nothing to do', { mode: job.mode, status: asset?.status });
      return EXIT.settled;
    }
    const workDir = await makeWorkDir(`gamma-${job.mode}-`);
    try {
      const work = deps.readyAsset ?? readyAssetDeps(job, deps);
      const storage = new S3Storage(deps.s3);
      await task(asset, { job, deps, work, storage, outputBucket: job.outputBucket, workDir, logger });
      return EXIT.done;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  };
}

/**
 * After a transcode, now that the asset is ready (`asset` as marking it ready returned it): the tracks its `inputs`
 * asked for, then the shots `generate_shots` asked for (recorded `pending` first, as a request after creation is;
 * none for an asset without video, as Mux makes none for audio-only assets). The adapters are built only when there
 * is work to do.
 */
export async function afterTranscode(
  asset: AssetRecord,
  job: TranscoderJob,
  work: () => ReadyAssetDeps,
  ctx: {
    workDir: string;
    logger: Logger;
    env: NodeJS.ProcessEnv;
    now?: () => number;
    /** Queues work on the ready asset as its own job (the transcode function's way to hand it off). */
    queue?: (mode: 'subtitles') => Promise<unknown>;
  },
): Promise<void> {
  if (asset.status !== 'ready') return;
  const scope = { outputBucket: job.outputBucket, ...ctx };
  if (hasPreparingTracks(asset)) await prepareTracks(asset, work(), scope);
  // With Amazon Transcribe, the GeneratedSubtitles construct starts the jobs when the asset turns ready. In the
  // transcode function, pocketsphinx over the whole asset is a `subtitles` job of its own, for the workers.
  if (transcribesInTask(ctx.env) && preparingGenerated(asset).length > 0) {
    if (job.handoffAfterSeconds !== undefined && ctx.queue) await ctx.queue('subtitles');
    else await transcribeGeneratedTracks(asset, work(), scope);
  }
  if (!asset.generate_shots || asset.shots || !asset.tracks?.some((t) => t.type === 'video')) return;
  const deps = work();
  const shots: ShotsRecord = { status: 'pending', created_at: Math.floor((ctx.now ?? Date.now)() / 1000) };
  // False when a request made meanwhile (POST …/shots) holds them: its own task detects them.
  if (await deps.shots.requestShots(asset.id, shots, SHOTS_RESTARTABLE)) {
    await detectShots({ ...asset, shots }, deps, scope);
  }
}
