/**
 * Clears a Lambda sandbox between invocations (lambda-runtime.ts). Lambda keeps a sandbox for the next invocation,
 * which may carry another tenant's job, and runs everything in it as one user: the tools a job started as that
 * user, so nothing of one job may outlive it there.
 *
 * - Processes: every process of this user but this one, its ancestors (Lambda's init) and the ones kept (the job
 *   process, between jobs idle) is killed — an ffmpeg a crashed job process left, or anything a hostile file made
 *   a tool start. Where the runtime is not alone under its user (the local stand-in, scripts/local/lambda-agent.ts),
 *   `scope: 'descendants'` limits it to this process's own descendants.
 * - Files: the temp folder (/tmp, the only writable place in a function) is emptied; a kept folder (the job
 *   process's own TMPDIR) stays, emptied.
 *
 * Why a same-user tool cannot read the credentials in the runtime's environment meanwhile: node is installed
 * execute-only in the image (Dockerfile), so the kernel makes its processes non-dumpable and gives their
 * /proc/<pid>/environ and mem to root only (README, Decisions).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface SandboxProps {
  /** Processes to spare besides this one and its ancestors (the job process). */
  readonly keepPids: () => readonly number[];
  /** The temp folder to empty (Lambda's /tmp). */
  readonly tmp: string;
  /** Folders directly in `tmp` kept, emptied (the job process's TMPDIR). */
  readonly keepDirs?: () => readonly string[];
  /** `uid`: every process of this user (in a function); `descendants`: only this process's. @default 'uid' */
  readonly scope?: 'uid' | 'descendants';
  /** @default '/proc' */
  readonly procRoot?: string;
  /** @default process.pid */
  readonly self?: number;
  /** @default process.kill */
  readonly kill?: (pid: number, signal: NodeJS.Signals) => void;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
}

/** Kills what the last jobs left running and empties the temp folder; returns what it killed. */
export async function clearSandbox(props: SandboxProps): Promise<{ killed: number[] }> {
  const killed = await killStrays(props);
  const kept = new Set((props.keepDirs?.() ?? []).map((dir) => join(dir)));
  await emptyFolder(props.tmp, kept);
  for (const dir of kept) await emptyFolder(dir, new Set());
  return { killed };
}

async function killStrays(props: SandboxProps): Promise<number[]> {
  const { procRoot = '/proc', self = process.pid, kill = process.kill.bind(process) } = props;
  const table = await processes(procRoot);
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const me = byPid.get(self);
  if (!me) throw new Error(`No process ${self} under ${procRoot}`);
  const spared = new Set([self, ...props.keepPids()]);
  for (let p = byPid.get(me.ppid); p && !spared.has(p.pid); p = byPid.get(p.ppid)) spared.add(p.pid);
  const descends = (p: ProcessInfo): boolean => {
    for (let up = byPid.get(p.ppid); up; up = byPid.get(up.ppid)) if (up.pid === self) return true;
    return false;
  };
  const strays = table.filter(
    (p) => !spared.has(p.pid) && p.uid === me.uid && ((props.scope ?? 'uid') === 'uid' || descends(p)),
  );
  for (const { pid } of strays) {
    try {
      kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return strays.map((p) => p.pid);
}

/** Every process's pid, parent and real uid, from /proc/<pid>/status (one that ends while read is left out). */
async function processes(procRoot: string): Promise<ProcessInfo[]> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  const read = await Promise.all(
    pids.map(async (pid) => {
      try {
        const status = await readFile(join(procRoot, pid, 'status'), 'utf8');
        const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
        const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
        return ppid && uid ? [{ pid: Number(pid), ppid: Number(ppid), uid: Number(uid) }] : [];
      } catch {
        return [];
      }
    }),
  );
  return read.flat();
}

async function emptyFolder(dir: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // nothing to empty
  }
  await Promise.all(
    names
      .map((name) => join(dir, name))
      .filter((path) => !keep.has(path))
      .map((path) => rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 })),
  );
}
