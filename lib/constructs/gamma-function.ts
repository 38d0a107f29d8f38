import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type Component, type EnvName, environmentOf, USES } from '../../lambdas/core/env.js';
import { PACKAGES, PROJECT_ROOT, sourcesHash } from './sources-hash.js';

/** Template metadata key naming the handler file of a function. */
export const HANDLER_METADATA = 'gamma:handler';

export const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambdas', 'handlers');

export interface GammaFunctionProps {
  /** File name (without .ts) under lambdas/handlers; the module exports `handler`. */
  readonly handler: string;
  /** Which entries of the env registry this function's code reads (see `USES` in lambdas/core/env.ts). */
  readonly components: readonly Component[];
  /**
   * Values for every variable the components read. Synthesis fails, naming the variable, if one is missing:
   * a function can never deploy without a variable its code requires.
   */
  readonly environment: Partial<Record<EnvName, string>>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  readonly description?: string;
  /**
   * npm packages with native code (e.g. sharp): left out of the esbuild bundle and installed beside it for the
   * machine the function runs on — Linux ARM64 on AWS; the deploying host's architecture when deployed into a local
   * emulator (`-c localEndpoint`), which runs functions as host processes. The version is the lockfile's.
   * @default none
   */
  readonly nativeModules?: readonly string[];
  /** Concurrent executions reserved for (and capping) this function. @default none: the account's shared pool */
  readonly reservedConcurrentExecutions?: number;
}

/** The CDK context flag that marks a deployment into a local emulator (lib/gamma-app.ts sets it). */
const LOCAL_ENDPOINT_CONTEXT = 'localEndpoint';

/**
 * What a function's bundle is built from: the code under lambdas/, the packages (package.json and the lockfile, and
 * npm's record of what node_modules holds, which esbuild reads, in case it differs), the tsconfig esbuild reads, and
 * this file (the bundling options; CDK hashes its own props into a custom hash as well).
 */
const BUNDLE_SOURCES = [
  path.join(PROJECT_ROOT, 'lambdas'),
  ...PACKAGES,
  path.join(PROJECT_ROOT, 'tsconfig.json'),
  import.meta.filename,
];

/**
 * The one place function defaults live: Node 22 on ARM64, ESM bundles with source maps, structured JSON logs
 * with a retention period, and environment variables checked against the registry.
 */
export class GammaFunction extends NodejsFunction {
  /** The registry names this function was given values for. */
  readonly envNames: readonly EnvName[];

  constructor(scope: Construct, id: string, props: GammaFunctionProps) {
    const missing = props.components.flatMap((c) => USES[c]).filter((name) => props.environment[name] === undefined);
    if (missing.length > 0) {
      throw new Error(
        `${id}: environment variable(s) ${[...new Set(missing)].join(', ')} must be set for ${props.components.join(', ')}`,
      );
    }
    const environment = { NODE_OPTIONS: '--enable-source-maps', ...environmentOf(props.environment) };
    const local = Boolean(scope.node.tryGetContext(LOCAL_ENDPOINT_CONTEXT));
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(HANDLERS_DIR, `${props.handler}.ts`),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      description: props.description,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        sourceMap: true,
        minify: true,
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // The runtime ships an SDK v3 of its own; bundling ours pins the version the tests exercise.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        // Into the local emulator, a bundle is named by its sources instead of by its output, so a synthesis can
        // tell before bundling that a bundle it finds in the cloud assembly is current and skip esbuild: the local
        // platform brings the last deployment's bundles (scripts/local/asset-cache.ts), which saves ~30 s a start.
        // On AWS the output names it, so a deploy updates only the functions whose bundle changed.
        ...(local && { assetHash: `${sourcesHash(scope, BUNDLE_SOURCES)}:${props.handler}:${process.arch}` }),
        ...(props.nativeModules && {
          nodeModules: [...props.nativeModules],
          // npm picks a package's platform builds (sharp's libvips) by these, not by the machine that deploys.
          environment: {
            npm_config_os: 'linux',
            npm_config_cpu: local ? process.arch : 'arm64',
            npm_config_libc: 'glibc',
            npm_config_prefer_offline: 'true',
          },
        }),
      },
    });
    this.envNames = Object.keys(props.environment) as EnvName[];
    // Which handler this is, in the template: the infra tests check its environment against what that code reads.
    (this.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA, props.handler);
  }
}
