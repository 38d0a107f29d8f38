/**
 * The process a queue worker runs its jobs in: one child of the worker, started before the first job and kept for
 * the next, so a job does not pay node's start and the bundle's load (≈ 0.25 CPU-s) nor run the SDK's code cold — the
 * price of a process per job was ≈ 0.8 CPU-s a job, 3% of a minute's encode cut into four jobs (README, How fast).
 *
 * A job that crashes still takes only this process with it, never the worker: the worker reports the job failed (it
 * goes back on the queue) and starts another process. Jobs run one at a time, and what one job leaves behind cannot
 * reach the next through the environment — each job's variables are passed to `run()` as its own `env`, never set on
 * the process. What it could leave in memory goes with the process: after a job that did not end cleanly, and once
 * the process has grown past `recycleRssBytes`, it is replaced. What it leaves on disk goes with it too: each process
 * has its own temp folder (TMPDIR), removed when it ends — a job that dies mid-encode skips its own clean-up, and a
 * worker is a task kept for days, whose ephemeral storage would fill with the segments of every such job.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Exits of a job: 0 done, 2 its asset was settled another way (errored, deleted), 3 handed off (longer than the
 * runtime takes: a Lambda function's job, for the Fargate workers; nothing written), anything else failed.
 */
export const EXIT = { done: 0, failed: 1, settled: 2, handoff: 3 } as const;

/** A job that ended as it meant to, so its process may take the next: done, settled, or handed off. */
export const endedCleanly = (code: number): boolean =>
  code === EXIT.done || code === EXIT.settled || code === EXIT.handoff;

/** The flag that starts the entry point as a job process (main.ts). */
export const JOB_PROCESS_FLAG = '--jobs-from-parent';

export interface JobProcessProps {
  /** The transcoder's entry module, started with `JOB_PROCESS_FLAG`. */
  readonly entryPoint: string;
  /** The process's environment: the worker's own, without any job's variables (those come with each job). */
  readonly env: NodeJS.ProcessEnv;
  /** node's options for it. @default the worker's own (`process.execArgv`) */
  readonly execArgv?: readonly string[];
  /** Past this resident size after a job, the process is replaced before the next. @default 1 GiB */
  readonly recycleRssBytes?: number;
}

const DEFAULT_RECYCLE_RSS_BYTES = 1024 ** 3;

/** The worker's message: one job's variables. */
interface JobMessage {
  env: Record<string, string>;
}

/** The job process's reply: how the job ended, and how big the process is now. */
interface JobReply {
  code: number;
  rss: number;
}

/** The worker's side: runs each job in the one job process, starting (or replacing) it when needed. */
export class JobProcess {
  private child?: ChildProcess;
  /** The running process's temp folder (its TMPDIR). */
  private tmp?: string;
  /** Temp folders of ended processes not yet removed (something still wrote into them), retried at each start. */
  private readonly leftovers = new Set<string>();

  constructor(private readonly props: JobProcessProps) {}

  /** Starts the process ahead of the first job, so that job does not wait for the bundle to load. */
  prepare(): ChildProcess {
    this.child ??= this.start();
    return this.child;
  }

  /**
   * Runs one job with `jobEnv` over the process's environment; resolves to its exit code and never rejects once the
   * job was sent. Throws when no process can be started for it (no temp folder, no spawn).
   */
  run(jobEnv: Record<string, string>): Promise<number> {
    const child = this.prepare();
    const { recycleRssBytes = DEFAULT_RECYCLE_RSS_BYTES } = this.props;
    return new Promise((resolve) => {
      const settle = (code: number, keep: boolean) => {
        child.off('message', onReply);
        child.off('exit', onExit);
        if (!keep) {
          this.retire(child);
          this.startNextQuietly();
        }
        resolve(code);
      };
      const onReply = (reply: JobReply) => settle(reply.code, endedCleanly(reply.code) && reply.rss < recycleRssBytes);
      // Died mid-job (a crash, the out-of-memory killer): the job failed, whatever the exit code says.
      const onExit = (code: number | null) => settle(code && code !== EXIT.done ? code : EXIT.failed, false);
      const unusable = () => {
        child.kill('SIGKILL');
        settle(EXIT.failed, false);
      };
      // A process that could not start (no IPC channel: out of file descriptors, say) cannot take the job.
      if (!child.connected) return unusable();
      child.on('message', onReply);
      child.on('exit', onExit);
      const message: JobMessage = { env: jobEnv };
      child.send(message, (error) => error && unusable());
    });
  }

  /**
   * Starts the next job's process now, so it finds it loaded; one that cannot start now is tried again (and its error
   * thrown) by the next `run`.
   */
  private startNextQuietly(): void {
    try {
      this.prepare();
    } catch {
      // the next run says why
    }
  }

  /** The process kept for the next job, and its temp folder, if one runs (a function's sandbox spares both). */
  current(): { pid: number; tmp: string } | undefined {
    const pid = this.child?.pid;
    return pid !== undefined && this.tmp !== undefined ? { pid, tmp: this.tmp } : undefined;
  }

  /** Kills the process mid-job (SIGKILL): its job resolves as failed, and the next job gets a new process. */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Lets the process end (it exits once disconnected, between jobs). */
  close(): void {
    if (this.child) this.retire(this.child);
  }

  private start(): ChildProcess {
    const { entryPoint, env, execArgv = process.execArgv } = this.props;
    for (const dir of this.leftovers) this.removeTmp(dir);
    const tmp = mkdtempSync(join(tmpdir(), 'gamma-job-'));
    chmodSync(tmp, 0o1777); // as /tmp: the media tools' user (MEDIA_TOOL_USER) makes its work folders in it
    this.tmp = tmp;
    const child = spawn(process.execPath, [...execArgv, entryPoint, JOB_PROCESS_FLAG], {
      env: { ...env, TMPDIR: tmp },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const removeTmp = () => this.removeTmp(tmp);
    child.on('error', () => {
      this.retire(child);
      if (child.pid === undefined) removeTmp(); // never started, so no exit will come
    });
    // One that dies between jobs is replaced at the next job, not sent it.
    child.on('exit', () => {
      this.retire(child);
      removeTmp();
    });
    return child;
  }

  /**
   * Removes an ended process's temp folder, never throwing: an ffmpeg of a process that died can still be writing
   * into it (it runs on until the init reaps it), and what is left is retried when the next process starts.
   */
  private removeTmp(dir: string): void {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
      this.leftovers.delete(dir);
    } catch {
      this.leftovers.add(dir);
    }
  }

  /** Lets go of the process: between jobs it exits once disconnected (`serveJobs`). */
  private retire(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    if (child.connected) child.disconnect();
  }
}

/**
 * The job process's side: runs each job the worker sends with `run`, replies with its code, and ends when the worker
 * lets go of it (or dies).
 */
export function serveJobs(run: (env: NodeJS.ProcessEnv) => Promise<number>): Promise<number> {
  return new Promise((resolve) => {
    process.on('message', async (message: JobMessage) => {
      const code = await run({ ...process.env, ...message.env });
      const reply: JobReply = { code, rss: process.memoryUsage().rss };
      process.send?.(reply);
    });
    process.once('disconnect', () => resolve(0));
  });
}
