/**
 * What an integration test runs against. The global setup provides either the platform it started (`npm test`) or
 * a deployed stack read from its outputs (`npm run test:deployed`, see scripts/test-deployed.ts); in both cases it
 * provides a `Target`. A test file that can only run against the platform this machine starts (it kills tasks,
 * restarts the emulator, drives the Fargate agent or reads the emulator's logs) says so with `needsPlatform(reason)`;
 * one that needs a local deployment (`-c localEndpoint`: it reaches this machine's 127.0.0.1 and has the local
 * limits), started by the tests or by `npm start`, says so with `needsLocalDeployment(reason)`. The deployed runner
 * reads those calls from the file's source and leaves the file out, printing the reason.
 */
import { inject } from 'vitest';
import type { LocalConfig } from '../../scripts/local/platform.js';
import { emulator } from './aws.js';

/** A deployed Gamma, as a client and the test's own AWS calls see it. */
export interface Target {
  apiUrl: string;
  websocketUrl: string;
  streamUrl: string;
  tokenId: string;
  tokenSecret: string;
  /** The environment the token belongs to: the run's own, so it never sees another environment's data. */
  environment: string;
  region: string;
  /** AWS_ENDPOINT_URL of an emulator (MiniStack, LocalStack); absent on AWS. */
  endpoint?: string;
  /** Static credentials for an emulator; absent on AWS (the default credential chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * The local platform (deployed with `-c localEndpoint` on this machine): it may fetch from and post to 127.0.0.1
   * and has the local limits. False for AWS, LocalStack and MiniStack in Docker.
   */
  local: boolean;
  /** The pipeline stack's outputs (table, bucket and queue names). */
  resources: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    target: Target;
    /** Only when the global setup started the platform itself. */
    platform: LocalConfig | undefined;
  }
}

/** The target of this run. */
export function target(): Target {
  return inject('target');
}

/**
 * The platform the global setup started, for a test that must break or inspect it. `reason` is printed when the
 * deployed runner leaves the file out (it must be a string literal: the runner reads it from the source).
 */
export function needsPlatform(reason: string): LocalConfig {
  const platform = inject('platform');
  if (!platform) throw new Error(`This file needs the platform the tests start (${reason}); run it with npm test`);
  return platform;
}

/** The target, for a file that needs the local platform, started by the tests or `npm start` (`reason` as above). */
export function needsLocalDeployment(reason: string): Target {
  const t = target();
  if (!t.local) throw new Error(`This file needs the local platform (${reason})`);
  return t;
}

/** Options for AWS SDK clients that reach the target's own resources (its emulator, or AWS in its region). */
export function awsOptions(t: Pick<Target, 'region' | 'endpoint' | 'credentials'>) {
  return {
    region: t.region,
    ...(t.endpoint && { endpoint: t.endpoint }),
    ...(t.credentials && { credentials: t.credentials }),
  };
}

/** The target of the platform the global setup started: its development token's environment is `dev`. */
export function targetOfPlatform(config: LocalConfig): Target {
  const { region, credentials } = emulator(config);
  return {
    apiUrl: config.apiUrl,
    websocketUrl: config.websocketUrl,
    streamUrl: config.streamUrl,
    tokenId: config.tokenId,
    tokenSecret: config.tokenSecret,
    environment: 'dev',
    region,
    endpoint: config.endpoint,
    credentials,
    local: true,
    resources: config.resources,
  };
}
