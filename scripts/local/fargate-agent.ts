/**
 * Plays Fargate for the emulator, which records RunTask but runs nothing without Docker: it notices tasks
 * started in the transcoder cluster, runs the container's entry point (the same bundle the Dockerfile copies) as
 * a local process with the task definition's environment plus the task's container overrides, and reports the
 * exit as ECS would: the task is stopped and an "ECS Task State Change" event goes to EventBridge.
 *
 * StopTask works as on Fargate: a task whose desired status became STOPPED gets SIGTERM (its whole process
 * group, as a container's processes all go), then SIGKILL after the stop timeout; a queued one never starts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Scratch } from './scratch.js';

export interface FargateAgentOptions {
  clusterArn: string;
  /** The bundled container entry point (containers/transcoder/dist/main.mjs). */
  entryPoint: string;
  /** Environment every task process gets besides the task's own (emulator endpoint and credentials). */
  baseEnv: Record<string, string>;
  /** EventBridge source of the stop events (the stack's task-stopped rule matches it). */
  stopEventSource: string;
  /** Where each task gets its own /tmp, removed when the task ends as a Fargate task's ephemeral storage is. */
  scratch: Scratch;
  /** Tasks run at once; the rest wait, as on a capacity-limited cluster. @default 2 */
  concurrency?: number;
  /** Between SIGTERM and SIGKILL when a task is stopped (ECS's stopTimeout). @default 30 s, as on Fargate */
  stopTimeoutMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
}

interface Running {
  child: ChildProcess;
  done: Promise<void>;
  /** Set once the task was stopped through ECS (StopTask): the stop is reported as the user's, not an exit. */
  stoppedBy?: { stopCode: string; reason: string };
  /** Set once the emulator lost the task in a restart and the agent killed it (`lostByEmulator`). */
  lost?: boolean;
}

export class FargateAgent {
  // A request to an emulator that stops answering fails rather than hanging the agent (the SDK sets no timeout).
  private readonly ecs = new ECSClient({ requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } });
  private readonly events = new EventBridgeClient({
    requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 },
  });
  private readonly seen = new Set<string>();
  private readonly queue: Task[] = [];
  private readonly running = new Map<string, Running>();
  private readonly taskDefEnv = new Map<string, Record<string, string>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: FargateAgentOptions) {}

  start(): void {
    const tick = async () => {
      try {
        await this.poll();
      } catch (err) {
        this.log(`poll failed: ${(err as Error).message}`);
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs ?? 500);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const { child } of this.running.values()) signalGroup(child, 'SIGTERM');
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Kills the processes of a running task (fault-injection tests use this to play a crashed container). */
  kill(taskArn: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const running = this.running.get(taskArn);
    return running ? signalGroup(running.child, signal) : false;
  }

  runningTasks(): string[] {
    return [...this.running.keys()];
  }

  private log(line: string) {
    this.options.log?.(`[fargate] ${line}`);
  }

  private async poll() {
    const fresh = (await this.list('RUNNING')).filter((arn) => !this.seen.has(arn));
    if (fresh.length > 0) {
      for (const task of await this.describe(fresh)) {
        if (!task.taskArn) continue;
        this.seen.add(task.taskArn);
        this.queue.push(task); // one the emulator lost meanwhile is reported, not started, by honourStops
      }
    }
    await this.honourStops();
    await this.reportNeverStarted();
    while (!this.stopped && this.queue.length > 0 && this.running.size < (this.options.concurrency ?? 2)) {
      const task = this.queue.shift() as Task;
      await this.launch(task);
    }
  }

  private async list(desiredStatus: 'RUNNING' | 'STOPPED'): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.ecs.send(
        new ListTasksCommand({ cluster: this.options.clusterArn, desiredStatus, nextToken }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  }

  /** DescribeTasks in pages of 100, its most. */
  private async describe(arns: string[]): Promise<Task[]> {
    const tasks: Task[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const page = await this.ecs.send(
        new DescribeTasksCommand({ cluster: this.options.clusterArn, tasks: arns.slice(i, i + 100) }),
      );
      tasks.push(...(page.tasks ?? []));
    }
    return tasks;
  }

  private async environmentOf(task: Task): Promise<Record<string, string>> {
    const arn = task.taskDefinitionArn as string;
    let base = this.taskDefEnv.get(arn);
    if (!base) {
      const { taskDefinition } = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      base = Object.fromEntries(
        (taskDefinition?.containerDefinitions?.[0]?.environment ?? []).map((kv) => [kv.name ?? '', kv.value ?? '']),
      );
      this.taskDefEnv.set(arn, base);
    }
    const overrides = Object.fromEntries(
      (task.overrides?.containerOverrides?.[0]?.environment ?? []).map((kv) => [kv.name ?? '', kv.value ?? '']),
    );
    return { ...base, ...overrides };
  }

  private async launch(task: Task) {
    const taskArn = task.taskArn as string;
    const id = taskArn.split('/').pop() as string;
    const taskEnv = await this.environmentOf(task);
    const tmp = this.options.scratch.tmp('tasks', id);
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.baseEnv, ...taskEnv, TMPDIR: tmp.dir };
    const child = spawn(process.execPath, ['--enable-source-maps', this.options.entryPoint], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a stop reaches ffmpeg too
    });
    this.log(`task ${id} started (asset ${env.ASSET_ID ?? '?'})`);
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line);
      tail.splice(0, Math.max(0, tail.length - 20));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const done = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        // A container killed by a signal exits 128 + its number, as Docker reports it (SIGTERM 143, SIGKILL 137).
        const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 9);
        this.log(`task ${id} exited with ${signal ?? exitCode}`);
        if (exitCode !== 0) for (const line of tail.slice(-5)) this.log(`  ${id}: ${line}`);
        const { stoppedBy } = this.running.get(taskArn) ?? {};
        this.running.delete(taskArn);
        tmp.remove();
        void this.reportStopped(task, exitCode, signal, stoppedBy).finally(resolve);
      });
    });
    this.running.set(taskArn, { child, done });
  }

  /**
   * Tasks stopped through ECS while running or queued: DescribeTasks of every task the agent holds, as the ECS
   * agent learns of a stop from the desired status; and tasks the emulator lost (`lostByEmulator`).
   */
  private async honourStops() {
    const held = [...this.running.keys(), ...this.queue.map((t) => t.taskArn as string)];
    if (held.length > 0) {
      for (const task of await this.describe(held)) {
        if (!task.taskArn) continue;
        if (task.desiredStatus !== 'STOPPED' && task.lastStatus === 'STOPPED') {
          await this.lostByEmulator(task);
          continue;
        }
        if (task.desiredStatus !== 'STOPPED') continue;
        const stoppedBy = { stopCode: task.stopCode || 'UserInitiated', reason: task.stoppedReason || 'Task stopped' };
        const running = this.running.get(task.taskArn);
        if (running && !running.stoppedBy) {
          running.stoppedBy = stoppedBy;
          this.log(`task ${task.taskArn.split('/').pop()} stopped (${stoppedBy.reason}): SIGTERM`);
          signalGroup(running.child, 'SIGTERM');
          setTimeout(() => signalGroup(running.child, 'SIGKILL'), this.options.stopTimeoutMs ?? 30_000).unref();
        }
        const queued = this.queue.findIndex((t) => t.taskArn === task.taskArn);
        if (queued >= 0) {
          const [never] = this.queue.splice(queued, 1);
          if (never) await this.reportStopped(never, undefined, null, stoppedBy);
        }
      }
    }
  }

  /**
   * A task the emulator lost in a restart (MiniStack's persisted state brings every task back STOPPED, still desired
   * RUNNING: its container went with the emulator). What it held is not run any longer, as its container would be
   * gone: a queued one is reported as never started, a running one is killed and reported as its container's exit.
   */
  private async lostByEmulator(task: Task) {
    const arn = task.taskArn as string;
    const id = arn.split('/').pop();
    const running = this.running.get(arn);
    if (running) {
      if (running.lost) return;
      running.lost = true;
      this.log(`task ${id} was lost by the emulator's restart: SIGKILL, as its container went with it`);
      signalGroup(running.child, 'SIGKILL');
      return;
    }
    const queued = this.queue.findIndex((t) => t.taskArn === arn);
    const [never] = queued >= 0 ? this.queue.splice(queued, 1) : [];
    if (!never) return;
    this.log(`task ${id} stopped before it started (the emulator lost it)`);
    await this.reportStopped(never, undefined, null, {
      stopCode: 'TaskFailedToStart',
      reason: task.stoppedReason || 'Task stopped by the emulator before it started',
    });
  }

  /**
   * Tasks stopped before the agent saw them (StopTask right after RunTask): ECS still reports their stop, so the
   * agent does too, as a task whose container never ran.
   */
  private async reportNeverStarted() {
    const unseen = (await this.list('STOPPED')).filter((arn) => !this.seen.has(arn));
    if (unseen.length === 0) return;
    for (const task of await this.describe(unseen)) {
      if (!task.taskArn) continue;
      this.seen.add(task.taskArn);
      const stoppedBy = { stopCode: task.stopCode || 'UserInitiated', reason: task.stoppedReason || 'Task stopped' };
      this.log(`task ${task.taskArn.split('/').pop()} stopped before it started (${stoppedBy.reason})`);
      await this.reportStopped(task, undefined, null, stoppedBy);
    }
  }

  private async reportStopped(
    task: Task,
    exitCode: number | undefined,
    signal: NodeJS.Signals | null,
    stoppedBy?: { stopCode: string; reason: string },
  ) {
    const reason =
      stoppedBy?.reason ??
      (signal ? `Essential container in task exited (killed by ${signal})` : 'Essential container in task exited');
    // ECS never loses a task's stop: while the emulator is unreachable (restarting), the report is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        const { task: stopped } = await this.ecs.send(
          new StopTaskCommand({ cluster: this.options.clusterArn, task: task.taskArn, reason }),
        );
        const containers = (stopped?.containers ?? task.containers ?? []).map((c) => ({
          ...c,
          exitCode,
          lastStatus: 'STOPPED',
        }));
        await this.events.send(
          new PutEventsCommand({
            Entries: [
              {
                Source: this.options.stopEventSource,
                DetailType: 'ECS Task State Change',
                Resources: [task.taskArn as string],
                Detail: JSON.stringify({
                  ...stopped,
                  clusterArn: this.options.clusterArn,
                  taskArn: task.taskArn,
                  overrides: task.overrides,
                  lastStatus: 'STOPPED',
                  desiredStatus: 'STOPPED',
                  stopCode: stoppedBy?.stopCode ?? 'EssentialContainerExited',
                  stoppedReason: reason,
                  containers,
                }),
              },
            ],
          }),
        );
        return;
      } catch (err) {
        this.log(`could not report the stop of ${task.taskArn}: ${(err as Error).message}`);
        if (this.stopped) return;
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5_000)));
      }
    }
  }
}

/** Signals every process of a task (the group led by its entry point); false when it has already gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}
