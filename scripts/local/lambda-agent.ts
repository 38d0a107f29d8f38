/**
 * Plays the transcode function (TranscodeFunction, jobRuntime 'lambda') for the emulator, which runs no
 * container-image function without Docker: it is Lambda's SQS event source mappings and Lambda's sandboxes at once.
 * Each sandbox is the container's entry point (the bundle the Dockerfile copies) started as a local process with the
 * function's configured environment and AWS_LAMBDA_RUNTIME_API pointing at a Runtime API served here, so the image's
 * own loop (containers/transcoder/src/lambda-runtime.ts) takes the invocations. The mappings' part, one for each of
 * the function's queues (its work queue, `uploadConcurrency` sandboxes, and its chunk queue, `concurrency`): take one
 * message at a time, invoke an idle sandbox with it as an SQS event, delete what the answer does not list in
 * `batchItemFailures`, and leave the rest to the queue. A sandbox that dies (or passes the function's timeout, and is
 * killed as Lambda kills it) fails its invocation; the next invocation starts a new one.
 *
 * Locally the queues' visibility is the workers' 10 s (on AWS 16 minutes, which Lambda requires of a mapping's queue):
 * the runtime extends it while a job runs, as on AWS, so a killed sandbox's job comes back as soon as a killed
 * worker's does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueNameOf } from '../../lambdas/core/adapters/sqs-work-queue.js';
import { signalGroup } from './fargate-agent.js';
import type { Scratch } from './scratch.js';
import { followJobLog, type JobHolder, LocalJobRunners } from './worker-service.js';

export interface LambdaAgentOptions {
  /** The transcode function (the stack's TranscodeFunctionName output). */
  functionName: string;
  /** The bundled container entry point (containers/transcoder/dist/main.mjs). */
  entryPoint: string;
  /** Environment every sandbox gets besides the function's (emulator endpoint and credentials). */
  baseEnv: Record<string, string>;
  /** Where each sandbox gets its own /tmp, removed when it ends. */
  scratch: Scratch;
  /** Sandboxes at once for chunk jobs (the chunk queue's mapping's maximum concurrency on this machine). @default 2 */
  concurrency?: number;
  /**
   * Sandboxes at once for the work queue's jobs (uploads' first jobs). One: on this machine's cores a second would
   * only share them, and a first job is short (its first segment, or a short source whole). @default 1
   */
  uploadConcurrency?: number;
  log?: (line: string) => void;
}

/** One mapping: the queue it takes (as `TakenJob.queue` names it) and its URL. */
interface EventSource {
  queue: string;
  url: string;
}

/** The outcome of one invocation, as the mapping sees it. */
type Outcome = { answer: 'response'; failed: Set<string> } | { answer: 'error' | 'died' };

interface Invocation {
  requestId: string;
  finish: (outcome: Outcome) => void;
}

interface Sandbox extends JobHolder {
  child: ChildProcess;
  server: Server;
  /** The runtime's pending `next`, once it asked. */
  next?: ServerResponse;
  ready: Promise<void>;
  markReady: () => void;
  invocation?: Invocation;
  exited: boolean;
}

export class LocalTranscodeFunction extends LocalJobRunners<Sandbox> {
  private readonly lambda = new LambdaClient({ requestHandler: { requestTimeout: 10_000 } });
  private readonly sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  private nextId = 1;
  private stopping = false;
  private env: Record<string, string> = {};
  private timeoutMs = 900_000;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: LambdaAgentOptions) {
    super();
  }

  async start(): Promise<void> {
    const config = await this.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: this.options.functionName }),
    );
    this.env = { ...(config.Environment?.Variables ?? {}) };
    this.timeoutMs = (config.Timeout ?? 900) * 1000;
    // The function's queues, each taken by a mapping of its own (TranscodeFunction).
    const mappings = [
      { queue: 'work', variable: 'WORK_QUEUE_URL', slots: this.options.uploadConcurrency ?? 1 },
      { queue: 'chunk', variable: 'CHUNK_QUEUE_URL', slots: this.options.concurrency ?? 2 },
    ];
    for (const { queue, variable, slots } of mappings) {
      const url = this.env[variable];
      if (!url) throw new Error(`The function ${this.options.functionName} names no ${variable}`);
      for (let slot = 0; slot < slots; slot++) this.loops.push(this.serve({ queue, url }));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.killAll();
    await Promise.allSettled(this.loops);
    this.sqs.destroy();
  }

  /** One slot of a queue's mapping: a sandbox, fed one message at a time. */
  private async serve(source: EventSource): Promise<void> {
    let sandbox: Sandbox | undefined;
    while (!this.stopping) {
      try {
        if (!sandbox || sandbox.exited) sandbox = await this.launch();
        await sandbox.ready;
        if (sandbox.exited || !sandbox.next) {
          await new Promise((r) => setTimeout(r, 500)); // died before its first `next`: a new one, not at once
          continue;
        }
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: source.url,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: 2,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        );
        if (Messages.length > 0 && !this.stopping) await this.invoke(sandbox, source, Messages);
      } catch (error) {
        if (!this.stopping) this.log(`mapping: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async invoke(sandbox: Sandbox, source: EventSource, messages: Message[]): Promise<void> {
    // It may have died idle while the receive waited: the messages come back after their visibility timeout.
    const next = sandbox.next;
    if (sandbox.exited || !next) return;
    const requestId = randomUUID();
    const outcome = new Promise<Outcome>((finish) => (sandbox.invocation = { requestId, finish }));
    sandbox.next = undefined;
    sandbox.queue = source.queue;
    sandbox.ready = new Promise((resolve) => (sandbox.markReady = resolve));
    const deadline = Date.now() + this.timeoutMs;
    next
      .writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': requestId,
        'Lambda-Runtime-Deadline-Ms': String(deadline),
        'Lambda-Runtime-Invoked-Function-Arn': `arn:aws:lambda:local:000000000000:function:${this.options.functionName}`,
      })
      .end(JSON.stringify({ Records: messages.map((m) => this.record(source.url, m)) }));
    // The function's timeout kills it as Lambda would (the runtime holds its messages meanwhile, as on AWS).
    const timeout = setTimeout(() => {
      this.log(`sandbox ${sandbox.id} timed out after ${this.timeoutMs / 1000} s`);
      signalGroup(sandbox.child, 'SIGKILL');
    }, this.timeoutMs);
    let result: Outcome;
    try {
      result = await outcome;
    } finally {
      clearTimeout(timeout);
      sandbox.invocation = undefined;
    }
    if (result.answer !== 'response') return; // the messages come back after their visibility timeout
    for (const m of messages) {
      if (result.failed.has(m.MessageId ?? '')) continue;
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: source.url, ReceiptHandle: m.ReceiptHandle }));
    }
  }

  /** A message as the SQS event source mapping puts it in the event (the ARN's account is the emulator's). */
  private record(queueUrl: string, m: Message) {
    const region = process.env.AWS_REGION ?? 'us-east-1';
    return {
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: m.Attributes ?? {},
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:000000000000:${queueNameOf(queueUrl)}`,
      awsRegion: region,
    };
  }

  /** A new sandbox: its Runtime API, then the runtime (a cold start). */
  private async launch(): Promise<Sandbox> {
    const id = this.nextId++;
    const tmp = this.options.scratch.tmp('function', String(id));
    const server = createServer((req, res) => this.handle(sandbox, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const child = spawn(process.execPath, ['--enable-source-maps', this.options.entryPoint], {
      env: {
        ...process.env,
        ...this.options.baseEnv,
        ...this.env,
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        AWS_LAMBDA_FUNCTION_NAME: this.options.functionName,
        LOCAL_SANDBOX: 'true',
        TMPDIR: tmp.dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a kill reaches its job process and ffmpeg too
    });
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const sandbox: Sandbox = { id, child, server, ready, markReady, exited: false };
    this.holders.set(id, sandbox);
    this.log(`sandbox ${id} started`);
    let partial = '';
    child.stdout?.on('data', (data: Buffer) => {
      const lines = (partial + data.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) followJobLog(sandbox, line, this.taken, (text) => this.log(`sandbox ${id}${text}`));
    });
    child.stderr?.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line.trim()) this.log(`sandbox ${id}: ${line}`);
    });
    child.on('exit', (code, signal) => {
      sandbox.exited = true;
      this.holders.delete(id);
      sandbox.next?.destroy();
      sandbox.next = undefined;
      server.closeAllConnections();
      server.close();
      tmp.remove();
      this.log(
        `sandbox ${id} exited with ${signal ?? code}${sandbox.job ? ` holding chunk ${sandbox.job.chunk}` : ''}`,
      );
      sandbox.invocation?.finish({ answer: 'died' });
      sandbox.markReady(); // its slot moves on, to a new sandbox
    });
    return sandbox;
  }

  /** The Runtime API the sandbox's runtime calls: `next`, and the answer to the invocation it holds. */
  private handle(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
      sandbox.next = res;
      sandbox.markReady();
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const invocation = sandbox.invocation;
      if (!match || req.method !== 'POST' || !invocation || invocation.requestId !== match[1]) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(202).end();
      if (match[2] === 'error') {
        this.log(`sandbox ${sandbox.id}: invocation failed: ${body.slice(0, 400)}`);
        invocation.finish({ answer: 'error' });
        return;
      }
      const answer = JSON.parse(body || '{}') as { batchItemFailures?: { itemIdentifier: string }[] };
      invocation.finish({
        answer: 'response',
        failed: new Set((answer.batchItemFailures ?? []).map((f) => f.itemIdentifier)),
      });
    });
  }

  private log(line: string) {
    this.options.log?.(`[function] ${line}`);
  }
}
