import { type ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { TranscodeJob, TranscodeRunner } from '../ports.js';
import { jobEnvironment } from './job-environment.js';

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
    const environment = jobEnvironment(job);
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
