import { SQSClient } from '@aws-sdk/client-sqs';
import { envFor, optional } from '../env.js';
import type { TranscodeRunner } from '../ports.js';
import { ecsClient } from './clients.js';
import { FargateRunner } from './ecs-runner.js';
import { SqsWorkQueueRunner } from './sqs-work-queue.js';

/** The runners a transcoder task or worker can start jobs with (its chunk jobs): a Fargate task, or the work queue. */
export type TaskRunnerKind = 'fargate' | 'queue';

/**
 * The TranscodeRunner of a kind the transcoder itself uses, configured from its own entry of the env registry. Apart
 * from runner-from-env.ts so the transcoder's bundle leaves out the MediaConvert client and the use cases it brings,
 * which no job uses (an infra test holds it).
 */
export function taskRunnerFromEnv(kind: TaskRunnerKind): TranscodeRunner {
  if (kind === 'queue') {
    // The resolved endpoint (the region's, or AWS_ENDPOINT_URL locally), not the queue URL's host: the emulator
    // names its queues `localhost` while the platform reaches it at 127.0.0.1, and the SDK warned on every call.
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    return new SqsWorkQueueRunner(sqs, envFor('queueRunner').WORK_QUEUE_URL, optional('CHUNK_QUEUE_URL'));
  }
  const env = envFor('fargateRunner');
  const list = (value: string) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return new FargateRunner(ecsClient(), {
    cluster: env.ECS_CLUSTER_ARN,
    taskDefinition: env.TASK_DEFINITION_ARN,
    containerName: env.TASK_CONTAINER_NAME,
    subnets: list(env.TASK_SUBNETS),
    securityGroups: list(env.TASK_SECURITY_GROUPS),
  });
}
