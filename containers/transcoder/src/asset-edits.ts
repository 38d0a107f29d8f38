/**
 * The files of an asset that is already ready, added after creation (TranscodeJob `mode`, set by the API's
 * usecases/asset-files.ts; main.ts's TASKS table runs each through options/ready-asset.ts `onReadyAsset`):
 *
 * - `static_renditions`: the files added after creation, remuxed by stream copy from the rungs the asset stored
 *   (read from the bucket), as at creation;
 * - `master`: the master MP4 from the source (options/master.ts).
 *
 * Neither touches the asset's status; the outcome of each file is on the asset.
 */
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { TranscoderJob } from './job.js';
import { writeMaster } from './options/master.js';
import type { ReadyAssetTask } from './options/ready-asset.js';
import { bucketFiles, fromStored, writeStaticRenditions } from './static-renditions.js';
import type { S3Storage } from './storage.js';
import type { TranscoderDeps } from './strategies/context.js';

export interface EditContext {
  job: TranscoderJob;
  deps: TranscoderDeps;
  storage: S3Storage;
  workDir: string;
  logger: Logger;
}

/** `static_renditions`: the files the job names, from the rungs stored in the bucket. */
export const addStaticRenditions: ReadyAssetTask = async (asset, { job, deps, workDir, logger }) => {
  await writeStaticRenditions({
    ...{ assetId: job.assetId, requested: job.options.staticRenditions, durationSeconds: asset.duration ?? 0 },
    source: fromStored(asset),
    files: bucketFiles(deps.s3, job.outputBucket, job.assetId),
    ...{ s3: deps.s3, bucket: job.outputBucket, workDir, store: deps.staticRenditions, logger },
    measure: async (file) => (await deps.probe(file)).video,
  });
};

/** `master`: the master MP4, from the source downloaded again. */
export const addMaster: ReadyAssetTask = (_asset, ctx) => writeMasterFromSource(ctx);

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
