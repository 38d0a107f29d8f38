/**
 * Tasks started for an asset that is already ready (TranscodeJob `mode`, set by the API's usecases/asset-files.ts):
 *
 * - `static_renditions`: the files added after creation, remuxed by stream copy from the rungs the asset stored
 *   (read from the bucket), as at creation;
 * - `master`: the master MP4 from the source (options/master.ts).
 *
 * Neither touches the asset's status. Exit code 0 when the work was done or is no longer wanted (the asset was
 * deleted meanwhile); the outcome of each file is on the asset.
 */
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { storedRenditionSource } from '../../../lambdas/core/domain/static-renditions.js';
import type { TranscoderJob } from './job.js';
import { writeMaster } from './options/master.js';
import { bucketFiles, writeStaticRenditions } from './static-renditions.js';
import type { S3Storage } from './storage.js';
import type { TranscoderDeps } from './strategies/context.js';

export interface EditContext {
  job: TranscoderJob;
  deps: TranscoderDeps;
  storage: S3Storage;
  workDir: string;
  logger: Logger;
}

export async function editReadyAsset(ctx: EditContext): Promise<number> {
  const { job, deps, logger } = ctx;
  const asset = await deps.repo.getAsset(job.assetId);
  if (asset?.status !== 'ready') {
    logger.warn('The asset is not ready: nothing to do', { status: asset?.status, mode: job.mode });
    return 0;
  }
  if (job.mode === 'static_renditions') {
    await writeStaticRenditions({
      ...{ assetId: job.assetId, requested: job.options.staticRenditions, durationSeconds: asset.duration ?? 0 },
      source: (resolution) => storedRenditionSource(resolution, asset),
      files: bucketFiles(deps.s3, job.outputBucket, job.assetId),
      ...{ s3: deps.s3, bucket: job.outputBucket, workDir: ctx.workDir, store: deps.staticRenditions, logger },
      measure: async (file) => (await deps.probe(file)).video,
    });
    return 0;
  }
  await writeMasterFromSource(ctx);
  return 0;
}

/**
 * The master from the source: `sourceFile` when the caller has it on disk (the single pass), else downloaded from
 * the pinned object (chunk tasks, and the task for a ready asset).
 */
export async function writeMasterFromSource(
  ctx: EditContext,
  local?: { file: string; inputFile: Parameters<typeof writeMaster>[0]['inputFile'] },
): Promise<void> {
  const { job, deps } = ctx;
  let source = local;
  if (!source) {
    const file = join(ctx.workDir, 'master-source');
    try {
      await ctx.storage.download(job.source.bucket, job.source.key, file, job.source);
      source = { file, inputFile: (await deps.probe(file)).file };
    } catch (error) {
      ctx.logger.error('The master failed: the source could not be read', error as Error);
      await deps.master.settleMaster(job.assetId, { status: 'errored' }).catch(() => undefined);
      return;
    }
  }
  await writeMaster({
    ...{ assetId: job.assetId, sourceFile: source.file, inputFile: source.inputFile },
    ...{ s3: deps.s3, bucket: job.outputBucket, workDir: ctx.workDir, store: deps.master, logger: ctx.logger },
  });
}
