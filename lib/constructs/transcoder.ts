import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Component, EnvName } from '../../lambdas/core/env.js';

/** A TranscodeRunner's infrastructure (FargateTranscoder or MediaConvertTranscoder), as the dispatcher needs it. */
export interface Transcoder {
  /** The registry entry of the runner adapter the ingest function will use. */
  readonly runnerComponent: Extract<Component, 'fargateRunner' | 'queueRunner' | 'mediaconvertRunner'>;
  /** TRANSCODER and the runner's own variables. */
  runnerEnvironment(): Partial<Record<EnvName, string>>;
  /** Lets `grantee` start jobs, and nothing more. */
  grantStart(grantee: iam.IGrantable): void;
  /**
   * What lets a function start a transcode sandbox ahead of a job that is coming (SandboxWarmer): the transcode
   * function's name where its jobs' sandboxes may start cold; empty where nothing does (MediaConvert, the workers).
   */
  warmUpEnvironment(): Partial<Record<EnvName, string>>;
  /** Lets `grantee` do so where `warmUpEnvironment` names a function. */
  grantWarmUp(grantee: iam.IGrantable): void;
}
