/**
 * CPU seconds of a process from Linux's /proc/<pid>/stat: its own (utime + stime) and those of the children it has
 * waited for (cutime + cstime: a job's ffmpeg and ffprobe once they have exited). Read by a job at its end, so its log
 * says where its CPU went (README, How fast), and by `npm run bench` (scripts/bench-cpu.ts).
 */
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's CPU fields (USER_HZ, 100 on Linux). */
const TICKS = 100;

export interface ProcessCpu {
  /** The process's own CPU seconds (user + system). */
  own: number;
  /** CPU seconds of its children it has waited for. */
  children: number;
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces): field 3 (state) is index 0, the
 * parent's pid (4) index 1. Undefined where there is no /proc (not Linux) or once the process is gone.
 */
export async function procStat(pid: number | 'self'): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Undefined where there is no /proc (not Linux) or once the process is gone. */
export async function processCpu(pid: number | 'self' = 'self'): Promise<ProcessCpu | undefined> {
  const fields = await procStat(pid);
  if (!fields) return undefined;
  // utime is field 14.
  const at = (field: number) => Number(fields[field - 3]) / TICKS;
  return { own: at(14) + at(15), children: at(16) + at(17) };
}
