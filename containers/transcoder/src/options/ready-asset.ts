/**
 * Work on a ready asset, the transcoder's entry points beside the transcode: a task started with `TASK_MODE`
 * (`tracks`: prepare the tracks still `preparing`; `shots`: detect the shots; `subtitles`: transcribe the generated
 * tracks with pocketsphinx; `static_renditions` and `master`: asset-edits.ts) does only that and leaves the ladder
 * alone; and every transcode, once its asset is ready, prepares the tracks its `inputs` asked for (generated ones
 * too, when this deployment transcribes in the task). Hooked into main.ts (the mode, read by job.ts with task-mode.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { documentClient } from '../../../../lambdas/core/adapters/clients.js';
import { DynamoAssetWork } from '../../../../lambdas/core/adapters/dynamo-asset-work.js';
import { DynamoAssetRepository } from '../../../../lambdas/core/adapters/dynamo-assets.js';
import { HttpFileFetcher } from '../../../../lambdas/core/adapters/http-input-fetcher.js';
import { S3ObjectWriter, S3TextObjects } from '../../../../lambdas/core/adapters/s3-text-objects.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { optional } from '../../../../lambdas/core/env.js';
import type { MediaRepository } from '../../../../lambdas/core/ports.js';
import type { TranscoderJob } from '../job.js';
import { bucketFiles } from '../static-renditions.js';
import { S3Storage } from '../storage.js';
import { preparingGenerated, transcribeGeneratedTracks, transcribesInTask } from './generated-subtitles.js';
import { detectShots, type ShotsDeps } from './shots.js';
import { hasPreparingTracks, prepareTracks, type TrackDeps } from './tracks.js';

/** The adapters of ready-asset work; tests pass fakes through TranscoderDeps.readyAsset. */
export type ReadyAssetDeps = TrackDeps & Omit<ShotsDeps, 'storage' | 'objects'>;

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

/**
 * Runs the task's mode on its asset; 0 when done (a track or shots that failed is recorded as such, not a task
 * failure), 1 when the asset is not ready (deleted meanwhile: nothing to do, nothing retried).
 */
export async function runOnReadyAsset(
  job: TranscoderJob,
  deps: { repo: Pick<MediaRepository, 'getAsset'>; env: NodeJS.ProcessEnv },
  work: ReadyAssetDeps,
  ctx: { workDir: string; logger: Logger },
): Promise<number> {
  const asset = await deps.repo.getAsset(job.assetId);
  if (asset?.status !== 'ready') {
    ctx.logger.warn('The asset is not ready: nothing to do', { mode: job.mode, status: asset?.status });
    return 1;
  }
  const scope = { outputBucket: job.outputBucket, ...ctx };
  if (job.mode === 'shots') await detectShots(asset, work, scope);
  else if (job.mode === 'subtitles') await transcribeGeneratedTracks(asset, work, { ...scope, env: deps.env });
  else await prepareTracks(asset, work, scope);
  return 0;
}

/**
 * After a transcode: the tracks the asset's `inputs` asked for, now that it is ready (`asset` as marking it ready
 * returned it). The adapters are built only when there is a track to prepare.
 */
export async function afterTranscode(
  asset: AssetRecord,
  job: TranscoderJob,
  work: () => ReadyAssetDeps,
  ctx: { workDir: string; logger: Logger; env: NodeJS.ProcessEnv },
): Promise<void> {
  if (asset.status !== 'ready') return;
  const scope = { outputBucket: job.outputBucket, ...ctx };
  if (hasPreparingTracks(asset)) await prepareTracks(asset, work(), scope);
  // With Amazon Transcribe, the GeneratedSubtitles construct starts the jobs when the asset turns ready.
  if (transcribesInTask(ctx.env) && preparingGenerated(asset).length > 0) {
    await transcribeGeneratedTracks(asset, work(), scope);
  }
}
