/**
 * The transcode function (jobRuntime 'lambda'): the image's Runtime API loop (containers/transcoder/src/
 * lambda-runtime.ts) against a Runtime API played here, the verdicts a taken job gets (worker.ts `runTaken`), the
 * sandbox cleared between invocations (sandbox.ts), and the chunk plan kept within what a function takes on.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../containers/transcoder/src/job-process.js';
import { queueUrlOf, type SqsRecord, serveInvocations } from '../../containers/transcoder/src/lambda-runtime.js';
import { clearSandbox } from '../../containers/transcoder/src/sandbox.js';
import type { PreparedSource } from '../../containers/transcoder/src/source.js';
import { fanOutChunks } from '../../containers/transcoder/src/strategies/chunk-fan-out.js';
import { holdMessage, RunnerBroken, runTaken, type Verdict } from '../../containers/transcoder/src/worker.js';
import { SqsWorkQueueRunner } from '../../lambdas/core/adapters/sqs-work-queue.js';
import type { TranscodeJob } from '../../lambdas/core/ports.js';
import { followJobLog, type TakenJob } from '../../scripts/local/worker-service.js';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const job = (assetId: string): TranscodeJob => ({
  assetId,
  source: { bucket: 'ingest', key: `uploads/${assetId}` },
  outputBucket: 'output',
});
/** The function's two queues, as its environment names them. */
const WORK = 'https://sqs.us-east-1.amazonaws.com/123456789012/Gamma-Work';
const CHUNKS = 'https://sqs.us-east-1.amazonaws.com/123456789012/Gamma-Chunks';
const record = (id: string, body: string, queue = 'Gamma-Work'): SqsRecord => ({
  messageId: id,
  receiptHandle: `r-${id}`,
  body,
  attributes: { ApproximateReceiveCount: '1' },
  eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queue}`,
});
/** The queue a visibility change went to, by its name. */
const on = (queueUrl: string) => `on ${queueUrl.split('/').pop()}`;

describe('a taken job’s verdict (runTaken, shared by the worker and the function)', () => {
  const verdict = (code: number | Error, body = JSON.stringify(job('a1')), refusal?: string) =>
    runTaken(
      {
        env: {},
        logger,
        checkJob: async () => {
          if (code instanceof Error) throw code;
          return refusal;
        },
        runJob: async () => code as number,
      },
      { id: 'm1', body, receiveCount: 1 },
    );

  it('deletes what ended or was settled, retries what failed, hands off what was too long', async () => {
    expect(await verdict(EXIT.done)).toBe('delete');
    expect(await verdict(EXIT.settled)).toBe('delete');
    expect(await verdict(EXIT.failed)).toBe('retry');
    expect(await verdict(137)).toBe('retry');
    expect(await verdict(EXIT.handoff)).toBe('handoff');
  });

  it('leaves what is not a job to the receive limit, retries an unchecked job and deletes a refused one', async () => {
    expect(await verdict(EXIT.done, 'not json')).toBe('leave');
    expect(await verdict(EXIT.done, JSON.stringify({ assetId: 'a1' }))).toBe('leave');
    expect(await verdict(new Error('table unreachable'))).toBe('retry');
    expect(await verdict(EXIT.done, undefined, 'The asset is ready')).toBe('delete');
  });

  it('ends the runner when no job can start in it, leaving the message to come back', async () => {
    const take = (runJob: () => Promise<number>) =>
      runTaken(
        { env: {}, logger, checkJob: async () => undefined, runJob },
        { id: 'm1', body: JSON.stringify(job('a1')), receiveCount: 1 },
      );
    // Rejected, or thrown before a promise exists (JobProcess.run when no process can be started).
    await expect(take(() => Promise.reject(new Error('spawn ENOMEM')))).rejects.toThrow(RunnerBroken);
    await expect(
      take(() => {
        throw new Error('ENOSPC: mkdtemp');
      }),
    ).rejects.toThrow(/No job can start in this runner: ENOSPC/);
  });
});

describe('the local stand-ins follow a runner by its log (followJobLog)', () => {
  /** The lines a real `runTaken` writes for a job that exits with `code`, and the runtime's `extra` lines. */
  async function linesOf(code: number, extra: object[] = []): Promise<string[]> {
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      }),
    );
    try {
      const loud = new Logger({ serviceName: 'test', logLevel: 'INFO' });
      await runTaken(
        { env: {}, logger: loud, checkJob: async () => undefined, runJob: async () => code },
        { id: 'm1', body: JSON.stringify(job('a1')), receiveCount: 2 },
      );
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const lines = written.join('').split('\n').filter(Boolean);
    return [lines[0] as string, ...extra.map((e) => JSON.stringify(e)), ...lines.slice(1)];
  }
  const follow = (lines: string[]) => {
    const taken: TakenJob[] = [];
    const holder: { id: number; job?: TakenJob } = { id: 1 };
    for (const line of lines) followJobLog(holder, line, taken, () => {});
    return { taken, holder };
  };

  it('records the job taken and lets it go on the line that names its verdict', async () => {
    const { taken, holder } = follow(await linesOf(EXIT.done));
    expect(taken).toEqual([{ worker: 1, assetId: 'a1', chunk: 0, receiveCount: 2, handedOff: false }]);
    expect(holder.job).toBeUndefined();
    expect(follow(await linesOf(EXIT.handoff)).taken[0]?.handedOff).toBe(true);
  });

  it('counts a job stopped at the function’s deadline as handed off, though the job itself failed', async () => {
    const overtime = {
      level: 'WARN',
      message: 'A job ran into the deadline; it is stopped and handed off',
      overtime: true,
    };
    const lines = await linesOf(137, [overtime]);
    expect(lines.map((l) => JSON.parse(l).message)).toEqual([
      'Took a job',
      overtime.message,
      'A job failed; it goes back on the queue',
    ]);
    const { taken, holder } = follow(lines);
    expect(taken[0]?.handedOff).toBe(true);
    expect(holder.job).toBeUndefined();
  });
});

/** A Runtime API: hands out the queued events one `next` at a time, and records what the function answers. */
class RuntimeApi {
  readonly answers: { id: string; kind: 'response' | 'error'; body: unknown }[] = [];

  /** `deadlineInMs`: each invocation's deadline (Lambda-Runtime-Deadline-Ms) that far from its delivery. */
  constructor(private readonly deadlineInMs = 900_000) {}
  private readonly events: string[] = [];
  private waiting?: ServerResponse;
  private server?: Server;
  private served = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  push(event: unknown): void {
    this.events.push(JSON.stringify(event));
    this.deliver();
  }

  async stop(): Promise<void> {
    this.waiting?.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
      this.waiting = res;
      this.deliver();
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(req.url ?? '');
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (!match) res.writeHead(404).end();
      else {
        this.answers.push({ id: match[1] as string, kind: match[2] as 'response' | 'error', body: JSON.parse(body) });
        res.writeHead(202).end();
      }
    });
  }

  private deliver(): void {
    const event = this.waiting && this.events.shift();
    if (!event || !this.waiting) return;
    this.waiting
      .writeHead(200, {
        'Lambda-Runtime-Aws-Request-Id': `req-${++this.served}`,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + this.deadlineInMs),
      })
      .end(event);
    this.waiting = undefined;
  }
}

describe('the Runtime API loop (serveInvocations)', () => {
  let api: RuntimeApi;
  afterEach(async () => api?.stop());

  async function serve(
    events: unknown[],
    verdicts: Record<string, Verdict>,
    opts: { handOffFails?: boolean; deadlineInMs?: number; runMs?: number; extendMs?: number; broken?: boolean } = {},
  ) {
    api = new RuntimeApi(opts.deadlineInMs);
    const runtimeApi = await api.start();
    const log: string[] = [];
    for (const event of events) api.push(event);
    const stopping = () => api.answers.length >= events.length;
    let stop: (() => void) | undefined;
    await serveInvocations({
      runtimeApi,
      logger,
      runRecord: async (r) => {
        log.push(`run ${r.messageId}`);
        if (opts.broken) throw new RunnerBroken(new Error('spawn EAGAIN'));
        // A job that runs until it is stopped (or for runMs): what the deadline guard and the heartbeat see.
        if (opts.runMs !== undefined) {
          await new Promise<void>((resolve) => {
            stop = resolve;
            setTimeout(resolve, opts.runMs);
          });
        }
        return verdicts[r.messageId] ?? 'delete';
      },
      queueUrls: [WORK, CHUNKS],
      retryNow: async (r, queueUrl) => void log.push(`retry ${r.receiptHandle} ${on(queueUrl)}`),
      extend: async (r, queueUrl) => {
        log.push(`extend ${r.receiptHandle} ${on(queueUrl)}`);
        if (opts.extendMs === undefined) return;
        await new Promise((resolve) => setTimeout(resolve, opts.extendMs));
        log.push(`extended ${r.receiptHandle}`);
      },
      heartbeatMs: 40,
      stopJob: () => {
        log.push('stop job');
        stop?.();
      },
      handOff: async (r) => {
        if (opts.handOffFails) throw new Error('queue unreachable');
        log.push(`handoff ${r.body}`);
      },
      between: async () => void log.push('between'),
      stopping,
    });
    return log;
  }

  it('answers each invocation with the messages that failed, after clearing the sandbox', async () => {
    const event = {
      Records: [record('ok', '{}'), record('bad', '{}'), record('long', '{"assetId":"x"}'), record('junk', '{}')],
    };
    const log = await serve([event, { Records: [record('next', '{}')] }], {
      bad: 'retry',
      long: 'handoff',
      junk: 'leave',
    });
    expect(api.answers).toEqual([
      {
        id: 'req-1',
        kind: 'response',
        body: { batchItemFailures: [{ itemIdentifier: 'bad' }, { itemIdentifier: 'junk' }] },
      },
      { id: 'req-2', kind: 'response', body: { batchItemFailures: [] } },
    ]);
    // Cleared at start and after each answer; the failed job is visible again at once; the long one goes to the
    // workers as it came; `leave` changes nothing.
    expect(log).toEqual([
      'between',
      'run ok',
      'run bad',
      'retry r-bad on Gamma-Work',
      'run long',
      'handoff {"assetId":"x"}',
      'run junk',
      'between',
      'run next',
      'between',
    ]);
  });

  it('fails a job it could not hand off, so it comes back', async () => {
    const log = await serve([{ Records: [record('long', '{}')] }], { long: 'handoff' }, { handOffFails: true });
    expect(api.answers[0]?.body).toEqual({ batchItemFailures: [{ itemIdentifier: 'long' }] });
    expect(log).toContain('retry r-long on Gamma-Work');
  });

  it('answers the keep-warm ping at once, running nothing', async () => {
    const log = await serve([{ keepWarm: true }], {});
    expect(api.answers).toEqual([{ id: 'req-1', kind: 'response', body: {} }]);
    expect(log).toEqual(['between']);
  });

  it('keeps a running job invisible, and stops and hands off one that runs into the deadline', async () => {
    // Lambda's deadline 60.2 s away: the guard (a minute before it) fires after 0.2 s; the job would run 5 s.
    const log = await serve(
      [{ Records: [record('slow', '{"assetId":"x"}')] }],
      {},
      { deadlineInMs: 60_200, runMs: 5000 },
    );
    expect(log.filter((l) => l.startsWith('extend')).length).toBeGreaterThanOrEqual(3);
    expect(log.filter((l) => !l.startsWith('extend'))).toEqual([
      'between',
      'run slow',
      'stop job',
      'handoff {"assetId":"x"}',
      'between',
    ]);
    expect(api.answers[0]?.body).toEqual({ batchItemFailures: [] });
  });

  it('makes a failed job visible again only after an extension in flight, and leaves no timer behind', async () => {
    const set = vi.spyOn(globalThis, 'setInterval');
    const cleared = vi.spyOn(globalThis, 'clearInterval');
    // The beat at 40 ms extends until 190 ms (the beats meanwhile are skipped); the job fails at 60 ms.
    const log = await serve([{ Records: [record('bad', '{}')] }], { bad: 'retry' }, { runMs: 60, extendMs: 150 });
    expect(log).toEqual([
      'between',
      'run bad',
      'extend r-bad on Gamma-Work',
      'extended r-bad',
      'retry r-bad on Gamma-Work',
      'between',
    ]);
    // Every interval it started (the heartbeat) was cleared.
    const started = set.mock.results.map((r) => r.value);
    expect(started.length).toBeGreaterThan(0);
    for (const timer of started) expect(cleared.mock.calls.map(([t]) => t)).toContain(timer);
    set.mockRestore();
    cleared.mockRestore();
  });

  it('ends when no job can start in its sandbox, failing the invocation so its messages come back', async () => {
    const served = serve([{ Records: [record('a', '{}')] }], {}, { broken: true });
    await expect(served).rejects.toThrow(RunnerBroken);
    expect(api.answers).toEqual([
      { id: 'req-1', kind: 'error', body: expect.objectContaining({ errorType: 'RunnerBroken' }) },
    ]);
  });

  it('holds and retries a chunk job on the chunk queue it came from', async () => {
    const log = await serve([{ Records: [record('c1', '{}', 'Gamma-Chunks')] }], { c1: 'retry' }, { runMs: 60 });
    expect(log).toEqual(['between', 'run c1', 'extend r-c1 on Gamma-Chunks', 'retry r-c1 on Gamma-Chunks', 'between']);
  });

  it('fails, running nothing, an invocation with a record from neither of its queues', async () => {
    const event = { Records: [record('ok', '{}'), record('stray', '{}', 'Other')] };
    const log = await serve([event, { Records: [record('next', '{}')] }], {});
    expect(api.answers.map((a) => a.kind)).toEqual(['error', 'response']);
    expect(api.answers[0]?.body).toMatchObject({
      errorMessage: expect.stringMatching(/stray came from arn:aws:sqs:.*:Other: the transcode function takes/),
    });
    expect(log).toEqual(['between', 'run next', 'between']);
  });

  it('reports an event that is not from its queue as the invocation’s error, and takes the next', async () => {
    const log = await serve([{ hello: 'world' }, { Records: [record('ok', '{}')] }], {});
    expect(api.answers.map((a) => a.kind)).toEqual(['error', 'response']);
    expect(api.answers[0]?.body).toMatchObject({ errorMessage: expect.stringMatching(/only SQS events/) });
    expect(log).toEqual(['between', 'run ok', 'between']); // nothing ran for the first: nothing to clear
  });
});

describe('clearing the sandbox between invocations (clearSandbox)', () => {
  const made: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
    made.push(dir);
    return dir;
  };

  /** A /proc of `[pid, ppid, uid, pgid?]` rows. */
  function fakeProc(rows: [number, number, number, number?][]): string {
    const root = folder();
    for (const [pid, ppid, uid, pgid] of rows) {
      mkdirSync(join(root, String(pid)));
      writeFileSync(
        join(root, String(pid), 'status'),
        `Name:\tx\nPPid:\t${ppid}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n${pgid ? `NSpgid:\t${pgid}\n` : ''}`,
      );
    }
    mkdirSync(join(root, 'self')); // not a pid: skipped
    return root;
  }

  it('kills every process of its user but itself, its ancestors and the job process; empties /tmp', async () => {
    // 1 init (root) → 7 Lambda's init (user 993) → 10 the runtime → 11 job process, 12 an ffmpeg it left;
    // 20 an orphan of a crashed job (reparented to 7); 30 another user's process.
    const procRoot = fakeProc([
      [1, 0, 0],
      [7, 1, 993],
      [10, 7, 993],
      [11, 10, 993],
      [12, 11, 993],
      [20, 7, 993],
      [30, 1, 994],
    ]);
    const tmp = folder();
    const jobTmp = join(tmp, 'gamma-job-1');
    mkdirSync(join(jobTmp, 'work'), { recursive: true });
    writeFileSync(join(jobTmp, 'work', 'segment.ts'), 'x');
    writeFileSync(join(tmp, 'left-by-ffmpeg.bin'), 'x');
    mkdirSync(join(tmp, 'gamma-transcode-abc'));
    const signalled: string[] = [];
    const { killed } = await clearSandbox({
      procRoot,
      self: 10,
      kill: (pid, signal) => {
        signalled.push(`${pid} ${signal}`);
        if (signal === 'SIGKILL') rmSync(join(procRoot, String(pid)), { recursive: true });
      },
      keepPids: () => [11],
      tmp,
      keepDirs: () => [jobTmp],
    });
    expect(killed.sort()).toEqual([12, 20]);
    // Each stopped first (a stopped process forks no more), then killed.
    expect(signalled).toEqual(['12 SIGSTOP', '20 SIGSTOP', '12 SIGKILL', '20 SIGKILL']);
    expect(readdirSync(tmp)).toEqual(['gamma-job-1']);
    expect(readdirSync(jobTmp)).toEqual([]);
  });

  it('with scope own (the local stand-in), spares what is not its own', async () => {
    const procRoot = fakeProc([
      [7, 1, 0],
      [10, 7, 0],
      [11, 10, 0],
      [12, 11, 0],
      [20, 7, 0],
    ]);
    const { killed } = await clearSandbox({
      procRoot,
      self: 10,
      kill: (pid, signal) => signal === 'SIGKILL' && rmSync(join(procRoot, String(pid)), { recursive: true }),
      keepPids: () => [11],
      tmp: folder(),
      scope: 'own',
    });
    expect(killed).toEqual([12]);
  });

  it('with scope own, also kills an orphan left in the process group it leads, and only where it leads one', async () => {
    // 10 leads group 10 (the stand-in starts each sandbox so); 20 an ffmpeg orphaned to init, still in group 10;
    // 30 another process of init's in its own group.
    const rows = (leader: number): [number, number, number, number][] => [
      [1, 0, 0, 1],
      [10, 1, 0, leader],
      [20, 1, 0, 10],
      [30, 1, 0, 30],
    ];
    const sweep = (procRoot: string) =>
      clearSandbox({
        ...{ procRoot, self: 10, keepPids: () => [], tmp: folder(), scope: 'own' },
        kill: (pid, signal) => signal === 'SIGKILL' && rmSync(join(procRoot, String(pid)), { recursive: true }),
      });
    expect((await sweep(fakeProc(rows(10)))).killed).toEqual([20]);
    expect((await sweep(fakeProc(rows(1)))).killed).toEqual([]);
  });

  it('fails, rather than leave it, a stray that will not die', async () => {
    const procRoot = fakeProc([
      [7, 1, 993],
      [10, 7, 993],
      [12, 10, 993],
    ]);
    const kills: number[] = [];
    const clearing = clearSandbox({
      ...{ procRoot, self: 10, keepPids: () => [], tmp: folder(), dyingMs: 200 },
      kill: (pid, signal) => signal === 'SIGKILL' && kills.push(pid),
    });
    await expect(clearing).rejects.toThrow(/did not die: 12/);
    expect(kills).toEqual([12]); // killed once, then given its time
  });

  it('fails when new strays still appear after ten passes', async () => {
    const procRoot = fakeProc([
      [7, 1, 993],
      [10, 7, 993],
    ]);
    let next = 100;
    const spawnOne = () => {
      const pid = next++;
      mkdirSync(join(procRoot, String(pid)));
      writeFileSync(join(procRoot, String(pid), 'status'), `PPid:\t10\nUid:\t993\t993\t993\t993\n`);
    };
    spawnOne();
    // Each kill removes the process and a new one takes its place.
    const clearing = clearSandbox({
      ...{ procRoot, self: 10, keepPids: () => [], tmp: folder() },
      kill: (pid, signal) => {
        if (signal !== 'SIGKILL') return;
        rmSync(join(procRoot, String(pid)), { recursive: true });
        spawnOne();
      },
    });
    await expect(clearing).rejects.toThrow(/kept coming back after 10 passes/);
  });

  it('kills a process that keeps forking, and every child it made', async () => {
    // A shell that starts a sleeping child every 10 ms, as a hostile tool might to outrun one snapshot.
    const forker = spawn('sh', ['-c', 'while :; do sleep 30 & sleep 0.01; done'], { stdio: 'ignore' });
    children.push(forker);
    await new Promise((r) => setTimeout(r, 300));
    const { killed } = await clearSandbox({ keepPids: () => [], tmp: folder(), scope: 'own' });
    expect(killed).toContain(forker.pid);
    expect(killed.length).toBeGreaterThan(5);
    const { killed: after } = await clearSandbox({ keepPids: () => [], tmp: folder(), scope: 'own' });
    expect(after).toEqual([]);
  });

  it('kills a real process a job left behind, and spares the kept one', async () => {
    const left = spawn('sleep', ['30'], { stdio: 'ignore' });
    const kept = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(left, kept);
    const exited = new Promise((resolve) => left.on('exit', (_code, signal) => resolve(signal)));
    const tmp = folder();
    writeFileSync(join(tmp, 'x'), 'x');
    const { killed } = await clearSandbox({ keepPids: () => [kept.pid as number], tmp, scope: 'own' });
    expect(killed).toContain(left.pid);
    expect(killed).not.toContain(kept.pid);
    expect(await exited).toBe('SIGKILL');
    expect(kept.exitCode).toBeNull();
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });
});

describe('node installed execute-only (the Dockerfile), as the function runs it: one user for node and ffmpeg', () => {
  // Needs root to install the copies as root's and to run them as another user (`nobody`), as Lambda runs the image.
  it.skipIf(process.getuid?.() !== 0)('keeps a same-user child out of the runtime’s environment', () => {
    const dir = mkdtempSync('/tmp/gamma-node-mode-');
    try {
      chmodSync(dir, 0o755);
      // The child reads its parent's environment, as a hostile ffmpeg would try to.
      const script = `const { spawnSync } = require('node:child_process');
        const r = spawnSync('cat', ['/proc/' + process.pid + '/environ']);
        console.log(r.status === 0 ? String(r.stdout.includes('GAMMA_SECRET_MARK')) : 'denied');`;
      const readWith = (mode: number) => {
        const node = join(dir, `node-${mode.toString(8)}`);
        copyFileSync(process.execPath, node);
        chmodSync(node, mode);
        const run = spawnSync(node, ['-e', script], {
          uid: 65534,
          gid: 65534,
          cwd: dir,
          env: { GAMMA_SECRET_MARK: 'credentials', PATH: process.env.PATH },
          encoding: 'utf8',
        });
        return run.stdout.trim();
      };
      expect(readWith(0o755)).toBe('true'); // a readable node leaks it
      expect(readWith(0o711)).toBe('denied'); // execute-only: non-dumpable, its environ is root's
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the function’s two queues: uploads’ first jobs apart from chunk jobs', () => {
  it('puts chunk jobs on the chunk queue and every other job on the work queue', async () => {
    const sent: { QueueUrl?: string; MessageBody?: string }[] = [];
    const sqs = {
      send: async (command: SendMessageCommand) => {
        sent.push(command.input);
        return { MessageId: `m${sent.length}` };
      },
    };
    const runner = new SqsWorkQueueRunner(sqs as unknown as SQSClient, WORK, CHUNKS);
    await runner.start({ ...job('a1'), chunk: { index: 2 } });
    await runner.start(job('a1'));
    await runner.start({ ...job('a1'), mode: 'master' });
    expect(sent.map((m) => [m.QueueUrl, JSON.parse(m.MessageBody ?? '{}').chunk?.index])).toEqual([
      [CHUNKS, 2],
      [WORK, undefined],
      [WORK, undefined],
    ]);
    // Without a chunk queue (the Fargate workers), chunk jobs go on the work queue with the rest.
    sent.length = 0;
    await new SqsWorkQueueRunner(sqs as unknown as SQSClient, WORK).start({ ...job('a1'), chunk: { index: 1 } });
    expect(sent.map((m) => m.QueueUrl)).toEqual([WORK]);
  });

  it('changes a message’s visibility on the queue it came from, and refuses one from neither', () => {
    const from = (arn?: string) => ({ ...record('m1', '{}'), eventSourceARN: arn });
    expect(queueUrlOf(from('arn:aws:sqs:us-east-1:123456789012:Gamma-Chunks'), [WORK, CHUNKS])).toBe(CHUNKS);
    expect(queueUrlOf(from('arn:aws:sqs:us-east-1:123456789012:Gamma-Work'), [WORK, CHUNKS])).toBe(WORK);
    // A queue whose name only ends like one of them is another queue.
    expect(() => queueUrlOf(from('arn:aws:sqs:us-east-1:123456789012:Other-Gamma-Work'), [WORK, CHUNKS])).toThrow(
      /came from arn:aws:sqs:.*Other-Gamma-Work: the transcode function takes/,
    );
    expect(() => queueUrlOf(from(undefined), [WORK, CHUNKS])).toThrow(/came from no queue named/);
    // The emulator's URLs (the local agent's records name the queue as on AWS), with or without a trailing slash.
    const local = ['http://localhost:4566/000000000000/Gamma-Work/', 'http://localhost:4566/000000000000/Gamma-Chunks'];
    expect(queueUrlOf(from('arn:aws:sqs:us-east-1:000000000000:Gamma-Work'), local)).toBe(local[0]);
    expect(queueUrlOf(from('arn:aws:sqs:us-east-1:000000000000:Gamma-Chunks'), local)).toBe(local[1]);
    // An ARN with no name matches no queue, not the first whose URL ends with a slash.
    expect(() => queueUrlOf(from('arn:aws:sqs:us-east-1:000000000000:'), local)).toThrow(/came from arn/);
  });
});

describe('chunks in a function', () => {
  const source = (durationSeconds: number) =>
    ({
      probe: { durationSeconds, file: { container_format: 'mov,mp4,m4a,3gp,3g2,mj2', tracks: [] } },
      plan: { video: {}, segmentSeconds: 6 },
    }) as unknown as PreparedSource;
  const chunking = { workers: 'queue', maxChunks: 32, minChunkSeconds: 12, firstChunkSegments: 1 } as const;

  it('plans no chunk longer than the function takes on, whatever the worker count', () => {
    const chunks = fanOutChunks(chunking, source(12 * 3600), 600) ?? [];
    expect(chunks.length).toBeGreaterThan(32);
    expect(Math.max(...chunks.map((c) => c.durationSeconds))).toBeLessThanOrEqual(600);
    // Without the limit (Fargate workers), as many chunks as workers.
    expect(fanOutChunks(chunking, source(12 * 3600))).toHaveLength(32);
  });

  it('encodes in one pass a source whose video ends well before its audio (a later chunk would have no video)', () => {
    const tracks = (video: number) => [
      { type: 'video', duration: video },
      { type: 'audio', duration: 600 },
    ];
    const withTracks = (video: number) => {
      const s = source(600);
      return { ...s, probe: { ...s.probe, file: { ...s.probe.file, tracks: tracks(video) } } } as PreparedSource;
    };
    expect(fanOutChunks(chunking, withTracks(599.9))).toHaveLength(32);
    expect(fanOutChunks(chunking, withTracks(120))).toBeUndefined();
  });
});

describe('holding a taken message while its job runs (holdMessage)', () => {
  it('extends one at a time, skipping beats while an extension is in flight, and waits for it on release', async () => {
    let calls = 0;
    let running = 0;
    let most = 0;
    const hold = holdMessage(
      async () => {
        calls++;
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 100));
        running--;
      },
      20,
      () => {},
    );
    await new Promise((r) => setTimeout(r, 250));
    await hold.release();
    expect(most).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(3); // not the twelve beats of 250 ms
    expect(running).toBe(0); // released only once the last one ended
  });
});
