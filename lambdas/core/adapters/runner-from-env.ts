import { SQSClient } from '@aws-sdk/client-sqs';
import { envFor } from '../env.js';
import type { TranscodeRunner } from '../ports.js';
import type { RetryContext } from '../usecases/task-stopped.js';
import { documentClient, ecsClient, mediaConvertClient } from './clients.js';
import { DynamoMediaRepository } from './dynamo-media.js';
import { FargateRunner } from './ecs-runner.js';
import { MediaConvertRunner } from './mediaconvert-runner.js';
import { SqsWorkQueueRunner } from './sqs-work-queue.js';

/** The TranscodeRunner TRANSCODER names, configured from its own entry of the env registry. */
export function runnerFromEnv(transcoder: string): TranscodeRunner {
  if (transcoder === 'mediaconvert') {
    return new MediaConvertRunner(mediaConvertClient(), {
      roleArn: envFor('mediaconvertRunner').MEDIACONVERT_ROLE_ARN,
    });
  }
  if (transcoder === 'queue') {
    // The resolved endpoint, not the queue URL's host (the worker's client says why).
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    return new SqsWorkQueueRunner(sqs, envFor('queueRunner').WORK_QUEUE_URL);
  }
  if (transcoder !== 'fargate') throw new Error(`TRANSCODER=${transcoder} is not one of fargate, queue, mediaconvert`);
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

/** What retrying a transcode needs (task-stopped and sweeper), wired from the environment. */
export function retryContextFromEnv(env: {
  MEDIA_TABLE: string;
  TRANSCODER: string;
  OUTPUT_BUCKET: string;
}): RetryContext {
  const media = new DynamoMediaRepository(documentClient(), env.MEDIA_TABLE);
  return {
    media,
    attempts: media.assets,
    chunks: media.assets,
    runner: runnerFromEnv(env.TRANSCODER),
    outputBucket: env.OUTPUT_BUCKET,
  };
}
