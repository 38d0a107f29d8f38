/**
 * CPU seconds for `npm run bench` (Linux /proc): of the child processes this process has waited for, and of a
 * running process with the children IT has waited for — the local worker service's workers are long-lived, so the
 * jobs they run (each a process of its own with its ffmpeg) count only through the workers' own figures.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's CPU fields (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** The CPU fields of /proc/<pid>/stat: utime, stime, cutime, cstime, in seconds; undefined once it is gone. */
async function cpuFields(pid: number | 'self'): Promise<[number, number, number, number] | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After the command name (which may hold spaces), field 3 (state) is index 0: utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]) / TICKS;
  return [at(14), at(15), at(16), at(17)];
}

/** CPU seconds of every child process this process has waited for so far. */
export async function childCpuSeconds(): Promise<number> {
  const [, , cutime, cstime] = (await cpuFields('self')) ?? [0, 0, 0, 0];
  return cutime + cstime;
}

/** A running process's CPU seconds: its own and its waited-for descendants'; undefined once it is gone. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  const fields = await cpuFields(pid);
  return fields?.reduce((sum, s) => sum + s, 0);
}

/**
 * CPU spent from now on by this process's children, including long-lived ones it has not waited for (`live()`:
 * their pids when asked). A child alive at the start and reaped since counts in `childCpuSeconds`, its CPU before
 * the start taken off.
 */
export async function cpuMeter(live: () => number[]): Promise<() => Promise<number>> {
  const reaped0 = await childCpuSeconds();
  const before = new Map<number, number>();
  for (const pid of live()) before.set(pid, (await processCpuSeconds(pid)) ?? 0);
  return async () => {
    const now = new Map<number, number>();
    for (const pid of live()) {
      const cpu = await processCpuSeconds(pid);
      if (cpu !== undefined) now.set(pid, cpu);
    }
    let total = (await childCpuSeconds()) - reaped0;
    for (const [pid, cpu] of now) total += cpu - (before.get(pid) ?? 0);
    for (const [pid, cpu] of before) if (!now.has(pid)) total -= cpu;
    return total;
  };
}

export interface Timing {
  wall: number;
  cpu: number;
}

/** Wall and child CPU seconds of `fn` (run each step alone: the CPU is every child's that finished meanwhile). */
export async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu0 = await childCpuSeconds();
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: (await childCpuSeconds()) - cpu0 };
}

/** Runs a command to completion; rejects with the end of its stderr when it fails. */
export function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
  });
}
