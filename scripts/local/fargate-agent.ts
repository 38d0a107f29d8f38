/**
 * Plays Fargate for the emulator, which records RunTask but runs nothing without Docker: it notices tasks
 * started in the transcoder cluster, runs the container's entry point (the same bundle the Dockerfile copies) as
 * a local process with the task definition's environment plus the task's container overrides, and reports the
 * exit as ECS would: the task is stopped and an "ECS Task State Change" event goes to EventBridge.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

export interface FargateAgentOptions {
  clusterArn: string;
  /** The bundled container entry point (containers/transcoder/dist/main.mjs). */
  entryPoint: string;
  /** Environment every task process gets besides the task's own (emulator endpoint and credentials). */
  baseEnv: Record<string, string>;
  /** EventBridge source of the stop events (the stack's task-stopped rule matches it). */
  stopEventSource: string;
  /** Tasks run at once; the rest wait, as on a capacity-limited cluster. @default 2 */
  concurrency?: number;
  pollMs?: number;
  log?: (line: string) => void;
}

interface Running {
  child: ChildProcess;
  done: Promise<void>;
}

export class FargateAgent {
  private readonly ecs = new ECSClient({});
  private readonly events = new EventBridgeClient({});
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
    for (const { child } of this.running.values()) child.kill('SIGTERM');
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Kills the process of a running task (fault-injection tests use this to play a crashed container). */
  kill(taskArn: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    return this.running.get(taskArn)?.child.kill(signal) ?? false;
  }

  runningTasks(): string[] {
    return [...this.running.keys()];
  }

  private log(line: string) {
    this.options.log?.(`[fargate] ${line}`);
  }

  private async poll() {
    const { clusterArn } = this.options;
    const listed = await this.ecs.send(new ListTasksCommand({ cluster: clusterArn, desiredStatus: 'RUNNING' }));
    const fresh = (listed.taskArns ?? []).filter((arn) => !this.seen.has(arn));
    if (fresh.length > 0) {
      const described = await this.ecs.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: fresh }));
      for (const task of described.tasks ?? []) {
        if (!task.taskArn || task.lastStatus === 'STOPPED') continue;
        this.seen.add(task.taskArn);
        this.queue.push(task);
      }
    }
    while (this.queue.length > 0 && this.running.size < (this.options.concurrency ?? 2)) {
      const task = this.queue.shift() as Task;
      await this.launch(task);
    }
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
    const env = { ...process.env, ...this.options.baseEnv, ...(await this.environmentOf(task)) };
    const child = spawn(process.execPath, ['--enable-source-maps', this.options.entryPoint], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const id = taskArn.split('/').pop();
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
        const exitCode = code ?? 137;
        this.log(`task ${id} exited with ${signal ?? exitCode}`);
        if (exitCode !== 0) for (const line of tail.slice(-5)) this.log(`  ${id}: ${line}`);
        this.running.delete(taskArn);
        void this.reportStopped(task, exitCode, signal).finally(resolve);
      });
    });
    this.running.set(taskArn, { child, done });
  }

  private async reportStopped(task: Task, exitCode: number, signal: NodeJS.Signals | null) {
    const reason = signal
      ? `Essential container in task exited (killed by ${signal})`
      : 'Essential container in task exited';
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
                stopCode: 'EssentialContainerExited',
                stoppedReason: reason,
                containers,
              }),
            },
          ],
        }),
      );
    } catch (err) {
      this.log(`could not report the stop of ${task.taskArn}: ${(err as Error).message}`);
    }
  }
}
