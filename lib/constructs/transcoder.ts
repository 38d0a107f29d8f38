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
}
