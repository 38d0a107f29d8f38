/**
 * The local platform: MiniStack (the AWS emulator) with the CDK app deployed into it, plus the small parts that
 * play what the emulator cannot run — the Fargate agent and the stream server (CloudFront). `npm start` and the
 * integration tests both use `startPlatform()`, so the tests exercise exactly what a developer runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { documentClient, s3Client } from '../../lambdas/core/adapters/clients.js';
import { DynamoTokenRepository } from '../../lambdas/core/adapters/dynamo-tokens.js';
import type { ChunkWorkers } from '../../lambdas/core/domain/chunks.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import type { JobRuntime } from '../../lib/constructs/transcode.js';
import { LOCAL_ECS_EVENT_SOURCE } from '../../lib/pipeline-stack.js';
import { AssetCache } from './asset-cache.js';
import { buildDashboard, startDashboardServer } from './dashboard-server.js';
import { FargateAgent } from './fargate-agent.js';
import { LocalTranscodeFunction } from './lambda-agent.js';
import { startS3RangeShim } from './s3-range-shim.js';
import { Scratch } from './scratch.js';
import { startStreamServer } from './stream-server.js';
import { LocalWorkerService } from './worker-service.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const STATE_DIR = join(ROOT, '.gamma');
const VENV_BIN = join(STATE_DIR, 'venv', 'bin');
/** MiniStack turns a 12-digit access key into the account id; this one is also its default account. */
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** What a client needs to use the platform: written to .gamma/local.json by `npm start`. */
export interface LocalConfig {
  apiUrl: string;
  websocketUrl: string;
  streamUrl: string;
  dashboardUrl: string;
  tokenId: string;
  tokenSecret: string;
  /** The emulator endpoint (AWS_ENDPOINT_URL) and names of deployed resources, for tools and tests. */
  endpoint: string;
  resources: Record<string, string>;
}

export interface PlatformOptions {
  /** @default a free port */
  emulatorPort?: number;
  /** @default a free port */
  streamPort?: number;
  /** @default a free port */
  dashboardPort?: number;
  /** Where logs go (ministack.log, deploy.log). @default .gamma/logs */
  logDir?: string;
  /** Parallel transcoder tasks. @default 2 */
  concurrency?: number;
  /**
   * Keep the emulator's state on disk (MiniStack's PERSIST_STATE and S3_PERSIST, under `logDir`/emulator-state), so
   * `restartEmulator()` brings the deployed stack, queues, tables and objects back. @default false
   */
  persistState?: boolean;
  /**
   * How long sources are encoded in chunks: `tasks` deploys the AWS path (one task per chunk, started by the first
   * task through RunTask, which the Fargate agent runs as processes); `queue` deploys the work queue and plays its
   * worker service (`concurrency` worker processes). @default 'process' (one task per asset)
   */
  chunkWorkers?: ChunkWorkers;
  /**
   * With `queue`: where its jobs run. `lambda` plays the transcode function (`concurrency` sandboxes for chunks, one
   * for uploads' first jobs) beside the worker service, which takes the jobs the function hands off; `fargate`, the
   * worker service alone.
   * @default 'lambda', as on AWS
   */
  jobRuntime?: JobRuntime;
  log?: (line: string) => void;
}

export interface Platform {
  config: LocalConfig;
  agent: FargateAgent;
  /** With `chunkWorkers: 'queue'`: the worker service the agent plays. */
  workers?: LocalWorkerService;
  /** With `chunkWorkers: 'queue'` and `jobRuntime: 'lambda'`: the transcode function the Lambda agent plays. */
  transcodeFunction?: LocalTranscodeFunction;
  /** Environment for AWS SDK clients and CLIs that talk to the emulator. */
  awsEnv: Record<string, string>;
  /**
   * Stops the emulator (SIGTERM to its process group, Lambda processes included; with `persistState` it saves its
   * state first), leaves it down for `downMs`, and starts it again on the same port.
   */
  restartEmulator(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; see ${logFile}`)),
    );
  });
}

export interface EmulatorOptions {
  port: number;
  logFile: string;
  /** Persist the emulator's state here, so that a restart brings it back. @default nothing persisted */
  stateDir?: string;
  /** Append to `logFile` (a restart) rather than start it anew. @default false */
  append?: boolean;
  /** The emulator's temp folder (its Lambda code caches, ≈ 0.1 GB a deploy). @default the OS temp folder */
  tmpDir?: string;
}

/** Starts MiniStack with a clean environment: its Lambda workers inherit it, and must see only what AWS sets. */
export function startEmulator({ port, logFile, stateDir, append = false, tmpDir }: EmulatorOptions): ChildProcess {
  const bin = join(VENV_BIN, 'ministack');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run  node scripts/bootstrap.mjs`);
  const out = createWriteStream(logFile, { flags: append ? 'a' : 'w' });
  const child = spawn(bin, [], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(tmpDir && { TMPDIR: tmpDir }),
      GATEWAY_PORT: String(port),
      BIND_HOST: '127.0.0.1',
      IOT_MTLS_ENABLED: '0',
      LOG_LEVEL: 'INFO',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(stateDir && {
        PERSIST_STATE: '1',
        STATE_DIR: stateDir,
        S3_PERSIST: '1',
        S3_DATA_DIR: join(stateDir, 's3'),
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs` (an emulator persisting a large state needs longer to write it). */
export function stopProcessGroup(child: ChildProcess, graceMs = 5000): Promise<void> {
  const pid = child.pid;
  if (child.exitCode !== null || pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }, graceMs).unref();
  });
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? ((line: string) => console.log(line));
  const logDir = options.logDir ?? join(STATE_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  const emulatorPort = options.emulatorPort ?? (await freePort());
  const streamPort = options.streamPort ?? (await freePort());
  const endpoint = `http://127.0.0.1:${emulatorPort}`;
  const streamUrl = `http://127.0.0.1:${streamPort}`;
  const awsEnv = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    // Locally everything runs on the machine's Node 20 with SDK versions pinned to ones that support it (README,
    // Decisions); on AWS the functions and the task run Node 22.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // SDK clients built in this process (token creation, agent, stream server) talk to the emulator.
  Object.assign(process.env, awsEnv);

  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  // Removed last, once every process that writes into it has stopped.
  const scratch = Scratch.create();
  cleanups.push(async () => {
    scratch.remove();
  });
  try {
    log(`[gamma] starting the AWS emulator (MiniStack) on ${endpoint}`);
    const emulatorLog = join(logDir, 'ministack.log');
    const stateDir = options.persistState ? join(logDir, 'emulator-state') : undefined;
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    const emulatorOptions = { port: emulatorPort, logFile: emulatorLog, stateDir, tmpDir: scratch.dir('emulator') };
    let emulator = startEmulator(emulatorOptions);
    cleanups.push(() => stopProcessGroup(emulator));
    const emulatorUp = () =>
      waitFor('the emulator', async () => (await fetch(`${endpoint}/_ministack/health`)).ok, 30_000);
    await emulatorUp();
    const restartEmulator = async (downMs = 0) => {
      log(`[gamma] restarting the emulator (down for ${downMs / 1000}s)`);
      await stopProcessGroup(emulator);
      await new Promise((r) => setTimeout(r, downMs));
      emulator = startEmulator({ ...emulatorOptions, append: true });
      await emulatorUp();
    };

    const outputsFile = join(logDir, `cdk-outputs-${emulatorPort}.json`);
    const cdkEnv = {
      ...process.env,
      ...awsEnv,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_DEFAULT_ACCOUNT: ACCOUNT,
      CDK_DEFAULT_REGION: REGION,
    };
    const cdk = join(ROOT, 'node_modules', '.bin', 'cdk');
    const cdkOut = scratch.dir('cdk.out');
    const common = ['--no-notices', '--no-version-reporting', '--output', cdkOut];
    const deployLog = join(logDir, 'deploy.log');
    writeFileSync(deployLog, '');
    const assets = new AssetCache(join(STATE_DIR, 'cache', 'cdk-assets'));
    const reused = assets.restore(cdkOut);
    log(
      `[gamma] deploying the CDK app into the emulator (cdk bootstrap + cdk deploy --all)${reused ? `, ${reused} assets built before` : ''}`,
    );
    const started = Date.now();
    await run(cdk, ['bootstrap', `aws://${ACCOUNT}/${REGION}`, ...common], cdkEnv, deployLog);
    await run(
      cdk,
      [
        'deploy',
        '--all',
        '--require-approval',
        'never',
        '--outputs-file',
        outputsFile,
        ...common,
        '-c',
        `localEndpoint=${endpoint}`,
        '-c',
        `localStreamUrl=${streamUrl}`,
        ...(options.chunkWorkers ? ['-c', `chunkWorkers=${options.chunkWorkers}`] : []),
        ...(options.jobRuntime ? ['-c', `jobRuntime=${options.jobRuntime}`] : []),
      ],
      cdkEnv,
      deployLog,
    );
    log(`[gamma] deployed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    assets.keep(cdkOut);
    const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')).GammaPipeline as Record<string, string>;
    const out = (name: string) => {
      const value = outputs[name];
      if (!value) throw new Error(`The deployed stack has no output ${name}`);
      return value;
    };

    await run(process.execPath, [join(ROOT, 'containers', 'transcoder', 'build.mjs')], process.env, deployLog);
    // The transcoder reaches S3 through the range shim, so chunk jobs read their byte range of the pinned version
    // as on S3 (MiniStack ignores Range on a versioned GET: s3-range-shim.ts).
    const rangeShim = await startS3RangeShim(endpoint);
    cleanups.push(() => new Promise<void>((resolve) => rangeShim.server.close(() => resolve())));
    const taskEnv = {
      ...awsEnv,
      AWS_ENDPOINT_URL_S3: rangeShim.url,
      // The task's speech recogniser (pocketsphinx, installed into the project's virtualenv by bootstrap).
      SPEECH_PYTHON: join(ROOT, '.gamma', 'venv', 'bin', 'python'),
    };
    // The container's entry point, as the Dockerfile copies it: Fargate's tasks, the workers and the function run it.
    const entryPoint = join(ROOT, 'containers', 'transcoder', 'dist', 'main.mjs');
    const agent = new FargateAgent({
      clusterArn: out('ClusterArn'),
      entryPoint,
      baseEnv: taskEnv,
      stopEventSource: LOCAL_ECS_EVENT_SOURCE,
      scratch,
      concurrency: options.concurrency,
      log,
    });
    agent.start();
    cleanups.push(() => agent.stop());
    let workers: LocalWorkerService | undefined;
    if (outputs.WorkQueueUrl) {
      const service = new LocalWorkerService({
        taskDefinitionArn: out('TaskDefinitionArn'),
        entryPoint,
        baseEnv: taskEnv,
        scratch,
        count: options.concurrency,
        log,
      });
      await service.start();
      cleanups.push(() => service.stop());
      workers = service;
    }
    let transcodeFunction: LocalTranscodeFunction | undefined;
    if (outputs.TranscodeFunctionName) {
      const fn = new LocalTranscodeFunction({
        functionName: out('TranscodeFunctionName'),
        entryPoint,
        baseEnv: taskEnv,
        scratch,
        concurrency: options.concurrency,
        log,
      });
      await fn.start();
      cleanups.push(() => fn.stop());
      transcodeFunction = fn;
    }

    const stream = await startStreamServer({
      outputBucket: out('OutputBucketName'),
      playbackFunctionName: out('PlaybackFunctionName'),
      keyGroupId: out('PlaybackKeyGroupId'),
      port: streamPort,
      s3: s3Client(),
    });
    cleanups.push(() => new Promise<void>((resolve) => stream.server.close(() => resolve())));

    const token = await createToken('dev', 'development token (npm start)', {
      tokens: new DynamoTokenRepository(documentClient(), out('TokensTableName')),
    });

    const apiUrl = `${endpoint}/_aws/execute-api/${out('ApiId')}`;
    const websocketUrl = `ws://127.0.0.1:${emulatorPort}/_aws/execute-api/${out('WebSocketApiId')}/live`;
    await buildDashboard({ log });
    const dashboard = await startDashboardServer({
      apiUrl,
      websocketUrl,
      streamUrl,
      devToken: { id: token.id, secret: token.secret },
      port: options.dashboardPort,
    });
    cleanups.push(() => new Promise<void>((resolve) => dashboard.server.close(() => resolve())));

    const config: LocalConfig = {
      apiUrl,
      websocketUrl,
      streamUrl,
      dashboardUrl: dashboard.url,
      tokenId: token.id,
      tokenSecret: token.secret,
      endpoint,
      resources: outputs,
    };
    return {
      ...{ config, agent, awsEnv, stop, restartEmulator },
      ...(workers && { workers }),
      ...(transcodeFunction && { transcodeFunction }),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
