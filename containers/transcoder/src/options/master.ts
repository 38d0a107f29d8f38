/**
 * Mux's `master_access: "temporary"`: the master MP4, written from the source once the asset is ready (or later, by
 * a task started for a ready asset: asset-edits.ts). The source's streams are copied into a faststart MP4 when MP4
 * carries them as players expect (H.264/HEVC, AAC; domain/master.ts `masterMethod`), else encoded once at high
 * quality. The file goes to `assets/<id>/master.mp4`; the asset's `master` turns `ready` with its expiry, 24 hours on (the sweep
 * then removes it), or `errored`. The task signs no URL: the API signs `master.url` when the asset is read
 * (usecases/master-urls.ts), so the task holds no key that opens other assets' files. Never rejects: a master that
 * fails never fails the asset.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { InputFile } from '../../../../lambdas/core/domain/ladder.js';
import { assetOutputPrefix } from '../../../../lambdas/core/domain/layout.js';
import {
  MASTER_FILE,
  MASTER_LIFETIME_SECONDS,
  masterMethod,
  readyMaster,
} from '../../../../lambdas/core/domain/master.js';
import { ENV, optional } from '../../../../lambdas/core/env.js';
import type { MasterStore } from '../../../../lambdas/core/ports.js';
import { inputArgs, QUIET } from '../ffmpeg/args.js';
import { runTool } from '../ffmpeg/tools.js';

/** The option's reader (job.ts ASSET_OPTIONS): MASTER_ACCESS=temporary, or nothing. */
export function readMasterAccess(env: NodeJS.ProcessEnv): { masterAccess?: 'temporary' } {
  const value = optional('MASTER_ACCESS', env);
  if (value === undefined || value === 'none') return {};
  if (value !== 'temporary') throw new Error(`${ENV.MASTER_ACCESS} must be temporary or none, not "${value}"`);
  return { masterAccess: 'temporary' };
}

export interface MasterJob {
  assetId: string;
  /** The source on local disk, and what the probe read of it (its codecs pick copy or encode). */
  sourceFile: string;
  inputFile: InputFile | undefined;
  s3: S3Client;
  bucket: string;
  workDir: string;
  store: Pick<MasterStore, 'settleMaster'>;
  logger: Logger;
  nowSeconds?: () => number;
}

/** The ffmpeg arguments of each way: stream copy of the first video and audio stream, or a CRF 18 encode. */
export function masterArgs(input: string, output: string, file: InputFile | undefined): string[] {
  const method = masterMethod(file);
  const hevc = file?.tracks.some((t) => t.type === 'video' && t.encoding === 'hevc');
  const codecs =
    method === 'copy'
      ? // `hvc1` is the sample entry Apple's players require for HEVC in MP4 (ffmpeg's default is `hev1`).
        ['-c', 'copy', ...(hevc ? ['-tag:v', 'hvc1'] : [])]
      : ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '192k'];
  return [
    ...QUIET,
    ...inputArgs(input),
    ...['-map', '0:v:0?', '-map', '0:a:0?', ...codecs],
    ...['-movflags', '+faststart', '-f', 'mp4', output],
  ];
}

export async function writeMaster(job: MasterJob): Promise<'ready' | 'errored'> {
  const out = join(job.workDir, MASTER_FILE);
  const key = `${assetOutputPrefix(job.assetId)}/${MASTER_FILE}`;
  const method = masterMethod(job.inputFile);
  let master: Parameters<MasterStore['settleMaster']>[1];
  try {
    await runTool('ffmpeg', masterArgs(job.sourceFile, out, job.inputFile), { maxBuffer: 1024 * 1024 });
    const { size } = await stat(out);
    await new Upload({
      client: job.s3,
      params: { Bucket: job.bucket, Key: key, Body: createReadStream(out), ContentType: 'video/mp4' },
    }).done();
    const expiresAt = Math.floor((job.nowSeconds ?? (() => Date.now() / 1000))()) + MASTER_LIFETIME_SECONDS;
    master = readyMaster(expiresAt);
    job.logger.info('Wrote the master', { method, bytes: size });
  } catch (error) {
    job.logger.error('The master failed', { method, error: error as Error });
    master = { status: 'errored' };
  }
  try {
    await job.store.settleMaster(job.assetId, master);
    return master.status === 'ready' ? 'ready' : 'errored';
  } catch (error) {
    // Turned off (or the asset deleted) while it was being made: nothing may keep the file.
    job.logger.warn('The master is no longer wanted; removing its file', { reason: (error as Error).message });
    await job.s3.send(new DeleteObjectCommand({ Bucket: job.bucket, Key: key })).catch(() => undefined);
    return 'errored';
  }
}
