/**
 * A transcode job as the transcoder's environment variables: how a Fargate task gets it (container overrides) and
 * how a queue worker hands a job taken from the work queue to the process that runs it. One list, so both paths
 * pass the same per-asset options.
 */
import { clipWindowVariable } from '../domain/clips.js';
import { ENV } from '../env.js';
import type { TranscodeJob } from '../ports.js';

export function jobEnvironment(job: TranscodeJob): { name: string; value: string }[] {
  return [
    { name: ENV.ASSET_ID, value: job.assetId },
    { name: ENV.SOURCE_BUCKET, value: job.source.bucket },
    { name: ENV.SOURCE_KEY, value: job.source.key },
    ...(job.source.versionId ? [{ name: ENV.SOURCE_VERSION_ID, value: job.source.versionId }] : []),
    ...(job.source.etag ? [{ name: ENV.SOURCE_ETAG, value: job.source.etag }] : []),
    ...(job.maxResolutionTier ? [{ name: ENV.MAX_RESOLUTION_TIER, value: job.maxResolutionTier }] : []),
    ...(job.staticRenditions?.length ? [{ name: ENV.STATIC_RENDITIONS, value: job.staticRenditions.join(',') }] : []),
    ...(job.videoQuality ? [{ name: ENV.VIDEO_QUALITY, value: job.videoQuality }] : []),
    ...(job.normalizeAudio ? [{ name: ENV.NORMALIZE_AUDIO, value: 'true' }] : []),
    ...(job.test ? [{ name: ENV.TEST_ASSET, value: 'true' }] : []),
    ...(job.clip ? [{ name: ENV.CLIP_WINDOW, value: clipWindowVariable(job.clip) }] : []),
    ...(job.overlays?.length ? [{ name: ENV.OVERLAYS, value: JSON.stringify(job.overlays) }] : []),
    ...(job.masterAccess === 'temporary' ? [{ name: ENV.MASTER_ACCESS, value: 'temporary' }] : []),
    // Work on a ready asset (tracks, shots, static renditions, the master): the job does only that.
    ...(job.mode && job.mode !== 'transcode' ? [{ name: ENV.TASK_MODE, value: job.mode }] : []),
    // A chunk job: the plan it encodes a chunk of is recorded on the asset (ChunkLedger).
    ...(job.chunk ? [{ name: ENV.CHUNK_INDEX, value: String(job.chunk.index) }] : []),
  ];
}
