import { type ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { clipWindowVariable } from '../domain/clips.js';
import { ENV } from '../env.js';
import type { TranscodeJob, TranscodeRunner } from '../ports.js';

export interface FargateRunnerConfig {
  cluster: string;
  taskDefinition: string;
  /** The transcoder container, whose environment the per-asset inputs override. */
  containerName: string;
  subnets: string[];
  securityGroups: string[];
}

/** Starts one FFmpeg transcoder task per asset (or per chunk of one) on Fargate; the task's ARN is the job id. */
export class FargateRunner implements TranscodeRunner {
  constructor(
    private readonly ecs: ECSClient,
    private readonly config: FargateRunnerConfig,
  ) {}

  async start(job: TranscodeJob): Promise<{ jobId: string }> {
    const environment = [
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
      // Work on a ready asset (tracks, shots, static renditions, the master): the task does only that.
      ...(job.mode && job.mode !== 'transcode' ? [{ name: ENV.TASK_MODE, value: job.mode }] : []),
      ...(job.masterAccess === 'temporary' ? [{ name: ENV.MASTER_ACCESS, value: 'temporary' }] : []),
      // A chunk task: the plan it encodes a chunk of is recorded on the asset (ChunkLedger).
      ...(job.chunk ? [{ name: ENV.CHUNK_INDEX, value: String(job.chunk.index) }] : []),
    ];
    const { tasks = [], failures = [] } = await this.ecs.send(
      new RunTaskCommand({
        cluster: this.config.cluster,
        taskDefinition: this.config.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: this.config.subnets,
            securityGroups: this.config.securityGroups,
            // The transcoder subnets are public with no NAT gateway (nothing to pay for at rest): the task needs a
            // public IP to pull its image and reach S3 and DynamoDB. Its security group admits no inbound traffic.
            assignPublicIp: 'ENABLED',
          },
        },
        overrides: { containerOverrides: [{ name: this.config.containerName, environment }] },
        startedBy: 'gamma',
        // The asset id rides on the task as its reference id (tags would also need ecs:TagResource).
        referenceId: job.assetId,
      }),
    );
    const taskArn = tasks[0]?.taskArn;
    if (failures.length > 0 || !taskArn) {
      const reasons = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ');
      const what = job.chunk ? `chunk ${job.chunk.index} of asset` : 'asset';
      throw new Error(`RunTask for ${what} ${job.assetId} failed: ${reasons || 'no task was started'}`);
    }
    return { jobId: taskArn };
  }
}
