/**
 * Plays the queue-driven worker service (TranscodeWorkers) for the emulator, which runs no service autoscaling and
 * no containers without Docker: it keeps `count` worker processes running — the container's entry point with the
 * task definition's environment and no ASSET_ID, so each is a queue worker (containers/transcoder/src/worker.ts) —
 * and starts a new one when one dies, as ECS keeps a service at its desired count. Each worker's log tells it which
 * job it holds, so a test can kill the worker of a given chunk and see which jobs were taken, and how often.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { signalGroup } from './fargate-agent.js';
import type { Scratch } from './scratch.js';

export interface WorkerServiceOptions {
  /** The transcoder task definition (its container's environment names the work queue). */
  taskDefinitionArn: string;
  entryPoint: string;
  /** Environment every worker gets besides the task definition's (emulator endpoint and credentials). */
  baseEnv: Record<string, string>;
  /** Where each worker gets its own /tmp, removed when the worker ends (a task's ephemeral storage). */
  scratch: Scratch;
  /** Workers kept running. @default 2 */
  count?: number;
  log?: (line: string) => void;
}

/**
 * Local processes that run jobs and say which (the worker service's workers, the transcode function's sandboxes),
 * each in its own process group: what a test or the bench asks of either.
 */
export abstract class LocalJobRunners<H extends JobHolder & { child: ChildProcess }> {
  protected readonly holders = new Map<number, H>();
  /** Every job taken, in order. */
  readonly taken: TakenJob[] = [];

  /** The jobs running now, by runner. */
  running(): TakenJob[] {
    return [...this.holders.values()].flatMap((h) => (h.job ? [h.job] : []));
  }

  /** The runners' process ids (the bench reads their CPU, and their jobs', from /proc). */
  pids(): number[] {
    return [...this.holders.values()].flatMap(({ child }) => (child.pid === undefined ? [] : [child.pid]));
  }

  /** Kills a runner, its job process and its ffmpeg (a crashed container or sandbox); a new one takes its place. */
  kill(id: number): boolean {
    const holder = this.holders.get(id);
    return holder ? signalGroup(holder.child, 'SIGKILL') : false;
  }

  /** Ends every runner at once (SIGKILL to each process group) and waits for their exits. */
  protected async killAll(): Promise<void> {
    const exits = [...this.holders.values()].map(
      ({ child }) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
        ),
    );
    for (const { child } of this.holders.values()) signalGroup(child, 'SIGKILL');
    await Promise.all(exits);
  }
}

/** A job a worker took: its asset and chunk (0 for a whole transcode or the first chunk), and the receive. */
export interface TakenJob {
  worker: number;
  assetId: string;
  chunk: number;
  receiveCount: number;
  /** Where the job's process spent its CPU (its 'Job CPU' log line), once it has ended. */
  cpu?: { own: number; tools: number };
  /** Set once the job was handed off (a function's job longer than it takes on, for the workers). */
  handedOff?: boolean;
  /** The queue it came from, where a runner takes more than one (the function's `work` and `chunk` queues). */
  queue?: string;
}

interface Worker extends JobHolder {
  child: ChildProcess;
}

export class LocalWorkerService extends LocalJobRunners<Worker> {
  private nextId = 1;
  private stopping = false;
  private env: Record<string, string> = {};

  constructor(private readonly options: WorkerServiceOptions) {
    super();
  }

  async start(): Promise<void> {
    const { taskDefinition } = await new ECSClient({}).send(
      new DescribeTaskDefinitionCommand({ taskDefinition: this.options.taskDefinitionArn }),
    );
    this.env = Object.fromEntries(
      (taskDefinition?.containerDefinitions?.[0]?.environment ?? []).map((kv) => [kv.name ?? '', kv.value ?? '']),
    );
    for (let i = 0; i < (this.options.count ?? 2); i++) this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.killAll();
  }

  private launch(): void {
    const id = this.nextId++;
    const tmp = this.options.scratch.tmp('workers', String(id));
    const child = spawn(process.execPath, ['--enable-source-maps', this.options.entryPoint], {
      env: { ...process.env, ...this.options.baseEnv, ...this.env, TMPDIR: tmp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a kill reaches the job's process and its ffmpeg too
    });
    const worker: Worker = { id, child };
    this.holders.set(id, worker);
    this.log(`worker ${id} started`);
    let partial = '';
    child.stdout?.on('data', (data: Buffer) => {
      const lines = (partial + data.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.follow(worker, line);
    });
    child.stderr?.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line.trim()) this.log(`worker ${id}: ${line}`);
    });
    child.on('exit', (code, signal) => {
      this.holders.delete(id);
      tmp.remove();
      this.log(`worker ${id} exited with ${signal ?? code}${worker.job ? ` holding chunk ${worker.job.chunk}` : ''}`);
      if (!this.stopping) this.launch();
    });
  }

  /** Reads the worker's structured log for the job it takes and settles. */
  private follow(worker: Worker, line: string): void {
    followJobLog(worker, line, this.taken, (text) => this.log(`worker ${worker.id}${text}`));
  }

  private log(line: string) {
    this.options.log?.(`[workers] ${line}`);
  }
}

/** What runs jobs and says which (a worker, a function's sandbox): its id and the job it holds. */
export interface JobHolder {
  id: number;
  job?: TakenJob;
  /** The queue of the message it runs now, where a runner takes more than one. */
  queue?: string;
}

/**
 * Reads one line of a job runner's structured log (worker.ts `runTaken`, main.ts's 'Job CPU'): the job it took
 * (added to `taken`), where that job's CPU went, and that it let the job go. `log` gets what is worth a line.
 */
export function followJobLog(holder: JobHolder, line: string, taken: TakenJob[], log: (text: string) => void): void {
  let entry: {
    message?: string;
    assetId?: string;
    chunk?: number;
    receiveCount?: number;
    level?: string;
    ownCpuSeconds?: number;
    toolsCpuSeconds?: number;
    residentMegabytes?: number;
    /** worker.ts `runTaken`'s lines that let a job go name what becomes of its message. */
    verdict?: string;
    /** lambda-runtime.ts's line for a job stopped at the function's deadline. */
    overtime?: boolean;
  };
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  if (entry.message === 'Took a job' && entry.assetId) {
    holder.job = {
      worker: holder.id,
      assetId: entry.assetId,
      chunk: entry.chunk ?? 0,
      receiveCount: entry.receiveCount ?? 1,
      ...(holder.queue && { queue: holder.queue }),
    };
    taken.push(holder.job);
    log(` took chunk ${holder.job.chunk} of ${entry.assetId} (receive ${holder.job.receiveCount})`);
  } else if (entry.message === 'Job CPU' && holder.job) {
    holder.job.cpu = { own: entry.ownCpuSeconds ?? 0, tools: entry.toolsCpuSeconds ?? 0 };
    log(
      ` chunk ${holder.job.chunk}: ${entry.ownCpuSeconds} CPU-s its own, ` +
        `${entry.toolsCpuSeconds} ffmpeg's; its process holds ${entry.residentMegabytes} MB`,
    );
  } else if (entry.overtime && holder.job) {
    holder.job.handedOff = true; // the function stops it at its deadline and hands it off, whatever the job says
  } else if (entry.verdict) {
    if (holder.job) holder.job.handedOff ||= entry.verdict === 'handoff';
    holder.job = undefined;
    if (entry.level === 'ERROR') log(`: ${line.slice(0, 400)}`);
  } else if (entry.level === 'ERROR') {
    log(`: ${line.slice(0, 400)}`);
  }
}
