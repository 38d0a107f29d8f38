/**
 * The transcode function (jobRuntime 'lambda'): the transcoder's image run by Lambda, taking the work queue's jobs
 * through an SQS event source mapping (one message an invocation). This is the image's side of Lambda's Runtime API
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): ask for the next invocation, run its jobs as a
 * queue worker does (worker.ts `runTaken`, in the same kind of job process), answer with the messages that failed
 * (`batchItemFailures`, so the event source mapping deletes the rest), clear the sandbox (sandbox.ts: another
 * tenant's job may be the next one here), and ask again. A job still running a minute before Lambda's deadline is
 * stopped and handed off.
 *
 * A ping (`KEEP_WARM_EVENT`: the schedule's every 5 minutes, the API's when an upload is created) is answered at
 * once: it starts or keeps a sandbox, so an upload's first job does not wait for the image's cold start.
 *
 * What a verdict becomes: `delete` is a success; `retry` a failure made visible at once (as a worker does);
 * `leave` a failure left to the queue's visibility timeout and receive limit; `handoff` (a job longer than the
 * function takes on) is forwarded, as it came, to the Fargate workers' queue and then deleted as a success.
 */
import { request } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import { queueNameOf } from '../../../lambdas/core/adapters/sqs-work-queue.js';
import { KEEP_WARM_EVENT } from '../../../lambdas/core/ports/transcode.js';
import { holdMessage, RunnerBroken, type Verdict } from './worker.js';

const API_VERSION = '2018-06-01';

/** One SQS message as the event source mapping delivers it. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string };
  /** The queue's ARN: the function takes two (its work queue and its chunk queue), each with its own event source. */
  eventSourceARN?: string;
}

/**
 * The URL of the queue `record` came from, among `queueUrls`: the one whose name ends its ARN (a queue's URL and ARN
 * both end with its name). Its receipt handle is only good on that queue, so one from neither is refused, not tried
 * on the first.
 */
export function queueUrlOf(record: SqsRecord, queueUrls: readonly string[]): string {
  const name = record.eventSourceARN?.split(':').pop();
  const url = name ? queueUrls.find((u) => queueNameOf(u) === name) : undefined;
  if (!url) {
    throw new TypeError(
      `Message ${record.messageId} came from ${record.eventSourceARN || 'no queue named'}: ` +
        `the transcode function takes ${queueUrls.join(' and ')}`,
    );
  }
  return url;
}

export interface FunctionDeps {
  /** AWS_LAMBDA_RUNTIME_API: host:port of the Runtime API. */
  runtimeApi: string;
  logger: Logger;
  /** Runs the job a record carries to its verdict (worker.ts `runTaken`); never rejects. */
  runRecord: (record: SqsRecord) => Promise<Verdict>;
  /** The queues its event sources take (the work queue, the chunk queue): each record must name one of them. */
  queueUrls: readonly string[];
  /** Makes a failed record visible again now (ChangeMessageVisibility 0 on `queueUrl`, the record's). */
  retryNow: (record: SqsRecord, queueUrl: string) => Promise<void>;
  /** Sends a record's body, as it came, to the Fargate workers' queue. */
  handOff: (record: SqsRecord) => Promise<void>;
  /** Clears what jobs may have left (sandbox.ts): at start, and after each answer, before the next `next`. */
  between: () => Promise<void>;
  /** Stops the running job at once (its job process killed): the invocation's deadline is near. */
  stopJob: () => void;
  /** Extends a running record's visibility (ChangeMessageVisibility on `queueUrl`), every `heartbeatMs`. */
  extend: (record: SqsRecord, queueUrl: string) => Promise<void>;
  heartbeatMs: number;
  /** Stops asking for invocations once true (tests; Lambda itself ends a sandbox with SIGKILL). */
  stopping?: () => boolean;
}

/**
 * Takes invocations until `stopping()`; resolves to the process's exit code. The sandbox is cleared before the first
 * `next` (Lambda keeps /tmp across a sandbox's reset after a timeout or crash) and after each answer: Lambda freezes
 * the sandbox when the runtime asks for the next invocation, not when it answers, so the answer goes first.
 */
export async function serveInvocations(deps: FunctionDeps): Promise<number> {
  const { logger } = deps;
  await deps.between();
  logger.info('Function ready', { runtimeApi: deps.runtimeApi });
  while (!deps.stopping?.()) {
    const next = await call(deps.runtimeApi, 'GET', `/${API_VERSION}/runtime/invocation/next`);
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    if (typeof requestId !== 'string') throw new Error('The Runtime API gave an invocation without a request id');
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    const path = `/${API_VERSION}/runtime/invocation/${requestId}`;
    let answer: { batchItemFailures: { itemIdentifier: string }[] } | Record<string, never>;
    try {
      // The keep-warm schedule's ping (TranscodeFunction): answered at once, so a sandbox is ready for an upload.
      if (isKeepWarm(next.body)) {
        await call(deps.runtimeApi, 'POST', `${path}/response`, { body: '{}' });
        continue;
      }
      answer = await invoke(deps, recordsOf(next.body), Number.isFinite(deadline) ? deadline : undefined);
    } catch (error) {
      // Not an SQS event, or a sandbox where no job can start: the invocation fails, and its messages come back.
      logger.error('The invocation failed', error as Error);
      const err = error as Error;
      await call(deps.runtimeApi, 'POST', `${path}/error`, {
        body: JSON.stringify({ errorMessage: err.message, errorType: err.name }),
        headers: { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' },
      });
      if (error instanceof RunnerBroken) throw error; // the process ends, and Lambda starts a new sandbox
      continue;
    }
    await call(deps.runtimeApi, 'POST', `${path}/response`, { body: JSON.stringify(answer) });
    // A sandbox that cannot be cleared must not take another job: the process ends, and Lambda starts a new one.
    await deps.between();
  }
  return 0;
}

/**
 * Before Lambda's deadline, a job still running is stopped and handed off to the workers, which have no 15 minutes:
 * time to forward it, answer and clear the sandbox.
 */
const DEADLINE_MARGIN_MS = 60_000;

async function invoke(deps: FunctionDeps, records: SqsRecord[], deadline: number | undefined) {
  // Every record's queue first: one from neither fails the invocation before any job runs without its heartbeat.
  const taken = records.map((record) => ({ record, queueUrl: queueUrlOf(record, deps.queueUrls) }));
  const failed: string[] = [];
  for (const { record, queueUrl } of taken) {
    let overtime = false;
    const guard =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => {
              overtime = true;
              deps.logger.warn('A job ran into the deadline; it is stopped and handed off', {
                ...{ messageId: record.messageId, overtime: true },
              });
              deps.stopJob();
            },
            Math.max(0, deadline - Date.now() - DEADLINE_MARGIN_MS),
          );
    // Held while it runs (the workers do the same): a job is never visible to another sandbox meanwhile.
    const hold = holdMessage(
      () => deps.extend(record, queueUrl),
      deps.heartbeatMs,
      (error) => deps.logger.warn('Could not extend a job', { messageId: record.messageId, error: error as Error }),
    );
    let verdict: Verdict;
    try {
      verdict = await deps.runRecord(record);
    } finally {
      clearTimeout(guard);
      await hold.release();
    }
    if (overtime) verdict = 'handoff';
    if (!(await settle(deps, record, queueUrl, verdict))) failed.push(record.messageId);
  }
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Applies a verdict; true when the message may be deleted. */
async function settle(deps: FunctionDeps, record: SqsRecord, queueUrl: string, verdict: Verdict): Promise<boolean> {
  const warn = (what: string) => (error: unknown) =>
    deps.logger.warn(what, { messageId: record.messageId, error: error as Error });
  if (verdict === 'delete') return true;
  if (verdict === 'handoff') {
    try {
      await deps.handOff(record);
      return true;
    } catch (error) {
      warn('Could not hand a job off; it goes back on the queue')(error);
      verdict = 'retry';
    }
  }
  if (verdict === 'retry')
    await deps.retryNow(record, queueUrl).catch(warn('Could not make a failed job visible again'));
  return false;
}

function isKeepWarm(body: string): boolean {
  try {
    return (JSON.parse(body) as { keepWarm?: unknown }).keepWarm === KEEP_WARM_EVENT.keepWarm;
  } catch {
    return false;
  }
}

function recordsOf(body: string): SqsRecord[] {
  const event = JSON.parse(body) as { Records?: unknown };
  const records = Array.isArray(event.Records) ? (event.Records as Partial<SqsRecord>[]) : undefined;
  if (!records?.every((r) => typeof r.messageId === 'string' && typeof r.receiptHandle === 'string')) {
    throw new TypeError('The transcode function takes only SQS events from its work and chunk queues');
  }
  return records as SqsRecord[];
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request to the Runtime API over node:http, with no timeout: `next` is answered only when an invocation comes,
 * which may be long after it was asked (fetch's 5-minute header timeout would end the wait).
 */
function call(
  api: string,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const [host, port] = api.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: Number(port ?? 80), method, path, headers: { ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const reply = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() };
          if (reply.status >= 300) reject(new Error(`Runtime API ${method} ${path} answered ${reply.status}`));
          else resolve(reply);
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
