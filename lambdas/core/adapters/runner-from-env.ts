import { envFor } from '../env.js';
import type { TranscodeRunner } from '../ports.js';
import type { RetryContext } from '../usecases/task-stopped.js';
import { documentClient, mediaConvertClient } from './clients.js';
import { DynamoMediaRepository } from './dynamo-media.js';
import { MediaConvertRunner } from './mediaconvert-runner.js';
import { taskRunnerFromEnv } from './task-runner-from-env.js';

/** The TranscodeRunner TRANSCODER names, configured from its own entry of the env registry. */
export function runnerFromEnv(transcoder: string): TranscodeRunner {
  if (transcoder === 'mediaconvert') {
    return new MediaConvertRunner(mediaConvertClient(), {
      roleArn: envFor('mediaconvertRunner').MEDIACONVERT_ROLE_ARN,
    });
  }
  if (transcoder === 'queue' || transcoder === 'fargate') return taskRunnerFromEnv(transcoder);
  throw new Error(`TRANSCODER=${transcoder} is not one of fargate, queue, mediaconvert`);
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
