/**
 * What a queue worker checks before it runs a job from the work queue (issue 13): the queue is written by the
 * dispatchers and by the first job of a chunked transcode, so a message is a claim, not an order. A job runs only
 * when the asset it names agrees with it: the same source and options the asset records (transcodeJobFor, what
 * every dispatcher sends), in the state its mode works on — a transcode or chunk on a `preparing` asset (a chunk in
 * the recorded plan, not done), a file for a `ready` asset that is waiting for it. Anything else is refused before
 * any process starts, so a forged job cannot make a worker encode another file into an asset, redo a ready asset's
 * work, or hold credentials scoped to an asset that expects nothing.
 */
import { documentClient } from '../../../lambdas/core/adapters/clients.js';
import { DynamoAssetRepository } from '../../../lambdas/core/adapters/dynamo-assets.js';
import { DynamoMediaRepository } from '../../../lambdas/core/adapters/dynamo-media.js';
import type { ChunkState } from '../../../lambdas/core/domain/chunks.js';
import type { AssetRecord } from '../../../lambdas/core/domain/media.js';
import { optional, required } from '../../../lambdas/core/env.js';
import type { TranscodeJob } from '../../../lambdas/core/ports.js';
import { transcodeJobFor } from '../../../lambdas/core/usecases/ingest.js';
import { jobCredentials, partitionOf } from './job-scope.js';

/** What the check reads: the asset the job names, and (for a chunk) the chunked transcode's ledger. */
export interface JobFacts {
  asset: AssetRecord | undefined;
  chunks?: ChunkState;
}

/** Why `job` must not run, or undefined when the asset agrees with it. Pure. */
export function jobRefusal(job: TranscodeJob, facts: JobFacts, outputBucket: string): string | undefined {
  const { asset } = facts;
  if (!asset) return `Asset ${job.assetId} does not exist`;
  const mode = job.mode ?? 'transcode';
  if (mode === 'transcode') {
    if (asset.status !== 'preparing') return `Asset ${asset.id} is ${asset.status}: it takes no transcode`;
    if (fingerprint(job) !== fingerprint(transcodeJobFor(asset, outputBucket))) {
      return `The job does not match asset ${asset.id}'s source and settings`;
    }
    return job.chunk ? chunkRefusal(job.chunk.index, facts.chunks) : undefined;
  }
  if (!sameSource(job, asset) || job.outputBucket !== outputBucket) {
    return `The job does not match asset ${asset.id}'s source`;
  }
  if (asset.status !== 'ready') return `Asset ${asset.id} is ${asset.status}: a ${mode} job needs it ready`;
  if (mode === 'master' && asset.master?.status !== 'preparing') return `Asset ${asset.id} is not making a master`;
  if (mode === 'static_renditions') {
    // By resolution: a task for a ready asset is never sent `capped-1080p` (the API chose its rung already).
    const waiting = new Set<string>(
      (asset.static_renditions ?? []).filter((f) => f.status === 'preparing').map((f) => f.resolution),
    );
    if (!(job.staticRenditions ?? []).every((r) => waiting.has(r)) || (job.staticRenditions ?? []).length === 0) {
      return `Asset ${asset.id} is not waiting for those static renditions`;
    }
  }
  return undefined;
}

/**
 * A chunk runs when the recorded plan has it and it is not done — or when every chunk is done and the asset still
 * waits for its playlists (the finisher died: the retry only finishes, it encodes nothing).
 */
function chunkRefusal(index: number, state: ChunkState | undefined): string | undefined {
  if (!state) return 'The asset has no chunk plan';
  if (!state.plan.chunks.some((c) => c.index === index)) return `The chunk plan has no chunk ${index}`;
  const allDone = state.plan.chunks.every((c) => state.done.includes(c.index));
  if (state.done.includes(index) && !allDone) return `Chunk ${index} is done`;
  return undefined;
}

function sameSource(job: TranscodeJob, asset: AssetRecord): boolean {
  const [a, b] = [job.source, asset.source];
  return a.bucket === b.bucket && a.key === b.key && a.versionId === b.versionId && a.etag === b.etag;
}

/** The parts of a job that decide what is encoded, with absent and default values made equal. */
function fingerprint(job: TranscodeJob): string {
  return JSON.stringify([
    [job.source.bucket, job.source.key, job.source.versionId ?? null, job.source.etag ?? null],
    job.outputBucket,
    job.maxResolutionTier ?? null,
    job.videoQuality ?? 'basic',
    Boolean(job.normalizeAudio),
    job.masterAccess === 'temporary',
    Boolean(job.test),
    job.clip ? [job.clip.startSeconds, job.clip.endSeconds ?? null] : null,
    (job.overlays ?? []).map((o) => [o.bucket, o.key]),
    [...(job.staticRenditions ?? [])].sort(),
  ]);
}

/**
 * Reads the facts with credentials scoped to the asset the job names (job-scope.ts: its item only), and answers
 * the refusal. Locally without a job role, with the process's own credentials.
 */
export async function checkJob(job: TranscodeJob, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const tableName = required('MEDIA_TABLE', env);
  const outputBucket = required('OUTPUT_BUCKET', env);
  const roleArn = optional('JOB_ROLE_ARN', env);
  let config = {};
  try {
    if (roleArn) {
      const scope = { assetId: job.assetId, source: job.source, outputBucket, tableName };
      config = { credentials: jobCredentials(roleArn, { ...scope, partition: partitionOf(env.AWS_REGION) }) };
    }
  } catch (error) {
    return `The job cannot be scoped: ${(error as Error).message}`; // names no policy can hold
  }
  const doc = documentClient(config);
  const asset = await new DynamoMediaRepository(doc, tableName).getAsset(job.assetId);
  const chunks = job.chunk && asset ? await new DynamoAssetRepository(doc, tableName).get(job.assetId) : undefined;
  return jobRefusal(job, { asset, ...(chunks && { chunks }) }, outputBucket);
}
