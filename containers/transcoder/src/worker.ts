/**
 * The queue worker (CHUNK_WORKERS=queue): a long-running process of the worker service that takes one job at a time
 * from the work queue (a whole transcode, or one chunk of one) and runs it as the transcoder task would — the same
 * entry point, with the job as its environment — in its job process (job-process.ts), a child kept from one job to
 * the next, so a job that crashes takes only that process with it. While the job runs its message stays invisible (the worker extends its visibility); it is deleted
 * once the job has settled its asset or chunk. A job that fails is made visible again at once, and a worker that
 * dies lets its job reappear after the visibility timeout: either way it is re-run alone, and after the queue's
 * receive limit it goes to the dead-letter queue, whose function errors the asset.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { jobEnvironment } from '../../../lambdas/core/adapters/job-environment.js';
import { ENV, optional, required } from '../../../lambdas/core/env.js';
import type { TranscodeJob } from '../../../lambdas/core/ports.js';
import { Fleet } from './fleet.js';
import { checkJob } from './job-check.js';
import { EXIT, JobProcess } from './job-process.js';

/** SQS's longest long poll: an idle worker makes one request every 20 s. */
const WAIT_SECONDS = 20;
/** How often a busy worker asks its fleet to grow to the jobs (fleet.ts asks the APIs at most every 5 s). */
const FLEET_ASK_MS = 5_000;

/**
 * The work queue's client: the resolved endpoint, not the queue URL's host (task-runner-from-env.ts says why); a
 * request that hangs fails rather than holding a job's heartbeat (`holdMessage`) — longer than the
 * worker's 20 s long poll.
 */
export const queueClient = () =>
  new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: { requestTimeout: 30_000, connectionTimeout: 3_000 } });

/** A queue worker of the worker service, until SIGTERM (scale-in, replacement): it finishes the job it holds. */
export async function runWorker(serviceName: string): Promise<number> {
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
  });
  const logger = new Logger({ serviceName });
  const sqs = queueClient();
  // On ECS the worker grows its service as it takes jobs (fleet.ts); the local worker service has no metadata.
  const metadataUri = optional('ECS_CONTAINER_METADATA_URI_V4');
  const fleet =
    metadataUri &&
    new Fleet({
      ecs: new ECSClient({}),
      sqs,
      queueUrl: required('WORK_QUEUE_URL'),
      maxWorkers: Number(required('CHUNK_PARALLELISM')),
      metadataUri,
      logger,
    });
  return work({ sqs, env: process.env, logger, stopping: () => stopping, ...(fleet && { fleet }) });
}

export interface WorkerDeps {
  sqs: SQSClient;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Runs one job to its exit code (default: in the worker's job process, job-process.ts, with the job's variables). */
  runJob?: (job: TranscodeJob) => Promise<number>;
  /** Why a job must not run, read from the asset it names (default: job-check.ts `checkJob`). */
  checkJob?: (job: TranscodeJob, env: NodeJS.ProcessEnv) => Promise<string | undefined>;
  /** Stops taking jobs once true (SIGTERM: the service is scaling in or replacing the task). */
  stopping: () => boolean;
  /** The worker service, asked for a worker per job as jobs are taken (fleet.ts); absent outside a service. */
  fleet?: Pick<Fleet, 'grow'>;
}

/** Takes and runs jobs until `stopping()`; resolves to the exit code of the worker process. */
export async function work(deps: WorkerDeps): Promise<number> {
  const queueUrl = required('WORK_QUEUE_URL', deps.env);
  const visibility = Number(optional('WORK_VISIBILITY_SECONDS', deps.env) ?? '60');
  if (!(visibility >= 3)) throw new Error(`${ENV.WORK_VISIBILITY_SECONDS} must be at least 3 seconds`);
  const { runJob, close } = jobRunner(deps);
  deps.logger.info('Worker ready', { queueUrl, visibility });
  try {
    while (!deps.stopping()) {
      const { Messages = [] } = await deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: WAIT_SECONDS,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      for (const message of Messages) await handle({ ...deps, runJob }, queueUrl, visibility, message);
    }
  } finally {
    close();
  }
  return 0;
}

/**
 * How the worker runs its jobs: as `deps.runJob` says, or in its job process, started now so the first job finds it
 * loaded (its own environment is the worker's; a job's variables come with the job).
 */
export function jobRunner(deps: Pick<WorkerDeps, 'runJob' | 'env'>): {
  runJob: (job: TranscodeJob) => Promise<number>;
  close: () => void;
  jobProcess?: JobProcess;
} {
  if (deps.runJob) return { runJob: deps.runJob, close: () => {} };
  const jobProcess = new JobProcess({ entryPoint: process.argv[1] as string, env: deps.env });
  jobProcess.prepare();
  return { runJob: (job) => jobProcess.run(jobVariables(job)), close: () => jobProcess.close(), jobProcess };
}

const jobVariables = (job: TranscodeJob) =>
  Object.fromEntries(jobEnvironment(job).map(({ name, value }) => [name, value]));

async function handle(
  deps: WorkerDeps & Required<Pick<WorkerDeps, 'runJob'>>,
  queueUrl: string,
  visibility: number,
  message: Message,
): Promise<void> {
  const { sqs, logger } = deps;
  const receipt = message.ReceiptHandle as string;
  const setVisibility = (seconds: number) =>
    sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt, VisibilityTimeout: seconds }),
    );
  const hold = holdMessage(
    () => setVisibility(visibility),
    (visibility * 1000) / 3,
    (e) => logger.warn('Could not extend the job', e as Error),
  );
  // The jobs this one queues (a fan-out's chunks) want workers now: asked for while it runs, not at the next take.
  const growing = deps.fleet && setInterval(() => void deps.fleet?.grow(), FLEET_ASK_MS);
  let verdict: Verdict;
  try {
    verdict = await runTaken(deps, {
      id: message.MessageId,
      body: message.Body,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    });
  } finally {
    if (growing) clearInterval(growing);
    await hold.release();
  }
  if (verdict === 'delete') await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt }));
  // A worker is where jobs are handed off to: one that asks for it anyway is retried here, by whichever polls first.
  else if (verdict === 'retry' || verdict === 'handoff') await setVisibility(0);
}

/**
 * Keeps a taken message invisible while its job runs: `extend` every `everyMs` (a third of the visibility timeout, so
 * one missed beat loses nothing), one at a time (a beat is skipped while the last is in flight). `release` stops it
 * and waits for the one in flight, so none lands after the message was made visible again for a retry.
 */
export function holdMessage(
  extend: () => Promise<unknown>,
  everyMs: number,
  onError: (error: unknown) => void,
): { release: () => Promise<void> } {
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    inFlight ??= extend()
      .then(() => {}, onError)
      .finally(() => {
        inFlight = undefined;
      });
  }, everyMs);
  return {
    release: async () => {
      clearInterval(timer);
      await inFlight;
    },
  };
}

/** A runner that cannot start jobs (`runTaken`): it ends, and the service or Lambda starts a fresh one. */
export class RunnerBroken extends Error {
  constructor(cause: unknown) {
    super(`No job can start in this runner: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RunnerBroken';
  }
}

/**
 * What becomes of a taken message once its job ran (or could not): `delete` it (done, or settled another way, or
 * refused for good); `retry` it now (visible again at once); `leave` it to its visibility timeout, so the queue's
 * receive limit sends what nothing can run to the dead-letter queue; `handoff`: the job is longer than this runtime
 * takes (a Lambda function's, lambda-runtime.ts), for the queue of the Fargate workers.
 */
export type Verdict = 'delete' | 'retry' | 'leave' | 'handoff';

/** A message as a worker or a function's event gives it. */
export interface TakenMessage {
  id?: string;
  body?: string;
  receiveCount: number;
}

/** Checks and runs the job a message carries: the worker's and the function's one way to take a job. */
export async function runTaken(
  deps: Pick<WorkerDeps, 'env' | 'logger' | 'checkJob' | 'fleet'> & Required<Pick<WorkerDeps, 'runJob'>>,
  message: TakenMessage,
): Promise<Verdict> {
  const { logger } = deps;
  const job = parseJob(message.body);
  if (!job) {
    // Not a job: nothing can run it, so it goes to the dead-letter queue by its receive count, not at once.
    logger.error('A message on the work queue is not a transcode job', { messageId: message.id });
    return 'leave';
  }
  const keys = { assetId: job.assetId, chunk: job.chunk?.index ?? 0, receiveCount: message.receiveCount };
  // Each line that lets the job go names its verdict (the local stand-ins follow the log by it).
  logger.info('Took a job', keys);
  void deps.fleet?.grow(); // beside the job, never in its way (it never throws)
  // A message is a claim (issue 13): the asset it names must agree before anything runs (job-check.ts).
  let refusal: string | undefined;
  try {
    refusal = await (deps.checkJob ?? checkJob)(job, deps.env);
  } catch (error) {
    logger.warn('Could not check a job; it goes back on the queue', {
      ...keys,
      verdict: 'retry',
      error: error as Error,
    });
    return 'retry';
  }
  if (refusal) {
    // Nothing about it will change: deleted rather than retried into the dead-letter queue (which errors assets).
    logger.error('Refused a job its asset does not agree with', { ...keys, verdict: 'delete', refusal });
    return 'delete';
  }
  let code: number;
  try {
    code = await deps.runJob(job);
  } catch (error) {
    // No job can start here (no temp folder, no process): this runner ends and a fresh one replaces it, rather than
    // fail every job it takes into the dead-letter queue. The message comes back after its visibility timeout.
    logger.error('Could not run a job; this runner ends', { ...keys, verdict: 'leave', error: error as Error });
    throw new RunnerBroken(error);
  }
  if (code === EXIT.done || code === EXIT.settled) {
    logger.info('Finished a job', { ...keys, verdict: 'delete', code });
    return 'delete';
  }
  if (code === EXIT.handoff) {
    logger.info('A job is longer than this runtime takes; it goes to the workers', { ...keys, verdict: 'handoff' });
    return 'handoff';
  }
  logger.warn('A job failed; it goes back on the queue', { ...keys, verdict: 'retry', code });
  return 'retry';
}

function parseJob(body: string | undefined): TranscodeJob | undefined {
  try {
    const job = JSON.parse(body ?? '') as TranscodeJob;
    return typeof job.assetId === 'string' && typeof job.source?.bucket === 'string' ? job : undefined;
  } catch {
    return undefined;
  }
}
