/**
 * CPU seconds for `npm run bench` (Linux /proc): of the child processes this process has waited for, and of a
 * running process with the children IT has waited for — the local worker service's workers are long-lived, and so
 * are their job processes (job-process.ts), so the jobs they run count through those processes' own figures.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { processCpu, procStat } from '../containers/transcoder/src/process-cpu.js';

/** CPU seconds of every child process this process has waited for so far. */
export async function childCpuSeconds(): Promise<number> {
  return (await processCpu('self'))?.children ?? 0;
}

/** `roots` and every live process descended from them (a worker's job process, its ffmpeg), from /proc. */
export async function withDescendants(roots: readonly number[]): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number((await procStat(Number(name)))?.[1]);
    if (ppid) parents.set(Number(name), ppid);
  }
  const found = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents)
      if (found.has(ppid) && !found.has(pid)) {
        found.add(pid);
        grew = true;
      }
  }
  return [...found];
}

/** A running process's CPU seconds: its own and its waited-for descendants'; undefined once it is gone. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  const cpu = await processCpu(pid);
  return cpu && cpu.own + cpu.children;
}

/**
 * CPU spent from now on by this process's children, including long-lived ones it has not waited for (`live()`:
 * their pids when asked). A child alive at the start and reaped since counts in `childCpuSeconds`, its CPU before
 * the start taken off.
 */
export async function cpuMeter(live: () => Promise<number[]>): Promise<() => Promise<number>> {
  const reaped0 = await childCpuSeconds();
  const before = await snapshot(live);
  return async () => {
    const now = await snapshot(live);
    let total = (await childCpuSeconds()) - reaped0;
    for (const [pid, cpu] of now) total += cpu - (before.get(pid) ?? 0);
    for (const [pid, cpu] of before) if (!now.has(pid)) total -= cpu;
    return total;
  };
}

/**
 * The CPU figures of every live process, read while none of them ended: one reaped by its parent between the two
 * reads would be counted nowhere (read after it was gone) or twice (read, then again in its parent's), so the reads
 * are taken again until the processes are the same after them as before.
 */
async function snapshot(live: () => Promise<number[]>): Promise<Map<number, number>> {
  for (let pids = await live(); ; ) {
    const figures = new Map<number, number>();
    for (const pid of pids) {
      const cpu = await processCpuSeconds(pid);
      if (cpu !== undefined) figures.set(pid, cpu);
    }
    const after = await live();
    if (figures.size === pids.length && after.length === pids.length && after.every((pid) => figures.has(pid)))
      return figures;
    pids = after;
  }
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

/**
 * The item whose `value` is the median: of an even count, the higher of the two middle ones (one that was measured,
 * and never the more flattering of the two).
 */
export function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  if (items.length === 0) throw new Error('medianBy needs at least one item');
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor(sorted.length / 2)] as T;
}
