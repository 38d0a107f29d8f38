/**
 * Clears a Lambda sandbox between invocations (lambda-runtime.ts). Lambda keeps a sandbox for the next invocation,
 * which may carry another tenant's job, and runs everything in it as one user: the tools a job started as that
 * user, so nothing of one job may outlive it there.
 *
 * - Processes: every process of this user but this one, its ancestors (Lambda's init) and the ones kept (the job
 *   process, between jobs idle) is killed — an ffmpeg a crashed job process left, or anything a hostile file made
 *   a tool start. Where the runtime is not alone under its user (the local stand-in, scripts/local/lambda-agent.ts),
 *   `scope: 'own'` limits it to this process's descendants and, where it leads its process group (the stand-in
 *   starts each sandbox as one), every process of that group: an ffmpeg orphaned by a crashed job process keeps it.
 * - Files: the temp folder (/tmp, the only writable place in a function) is emptied; a kept folder (the job
 *   process's own TMPDIR) stays, emptied.
 *
 * Why a same-user tool cannot read the credentials in the runtime's environment meanwhile: node is installed
 * execute-only in the image (Dockerfile), so the kernel makes its processes non-dumpable and gives their
 * /proc/<pid>/environ and mem to root only (README, Decisions).
 */
import { chmod, lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface SandboxProps {
  /** Processes to spare besides this one and its ancestors (the job process). */
  readonly keepPids: () => readonly number[];
  /** The temp folder to empty (Lambda's /tmp). */
  readonly tmp: string;
  /** Folders directly in `tmp` kept, emptied (the job process's TMPDIR). */
  readonly keepDirs?: () => readonly string[];
  /** `uid`: every process of this user (in a function); `own`: only this process's (module comment). @default 'uid' */
  readonly scope?: 'uid' | 'own';
  /** @default '/proc' */
  readonly procRoot?: string;
  /** @default process.pid */
  readonly self?: number;
  /** How long a killed process may take to go before the clearing fails. @default 2000 */
  readonly dyingMs?: number;
  /** @default process.kill */
  readonly kill?: (pid: number, signal: NodeJS.Signals) => void;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Its process group (NSpgid as this /proc sees it), where the kernel says. */
  pgid?: number;
  uid: number;
  /** Dead, not yet collected by its parent: nothing left to kill. */
  zombie: boolean;
}

/**
 * Kills what the last jobs left running and empties the temp folder; returns what it killed. Throws where it cannot
 * (the runtime then ends: a sandbox not cleared takes no other job).
 */
export async function clearSandbox(props: SandboxProps): Promise<{ killed: number[] }> {
  const killed = await killStrays(props);
  const kept = new Set((props.keepDirs?.() ?? []).map((dir) => join(dir)));
  await emptyFolder(props.tmp, kept);
  for (const dir of kept) await emptyFolder(dir, new Set());
  return { killed };
}

/**
 * Stops every stray, then kills it, and looks again, until a pass finds none: a stray that forks between the snapshot
 * and its signal leaves a child the next pass finds (a stopped process forks no more). A killed one may take a while
 * to go (one in an uninterruptible read): it has `dyingMs`. One that outlives that, or new ones still appearing after
 * MAX_PASSES, fail the clearing, and the runtime ends rather than take another job.
 */
async function killStrays(props: SandboxProps): Promise<number[]> {
  const killed = new Set<number>();
  const kill = props.kill ?? process.kill.bind(process);
  const dyingBy = Date.now() + (props.dyingMs ?? 2_000);
  for (let passesWithNew = 0; ; ) {
    const strays = await findStrays(props);
    if (strays.length === 0) return [...killed];
    const fresh = strays.filter((pid) => !killed.has(pid));
    if (fresh.length === 0 && Date.now() > dyingBy) {
      throw new Error(`Processes left by a job did not die: ${strays.join(', ')}`);
    }
    if (fresh.length > 0 && ++passesWithNew > MAX_PASSES) {
      throw new Error(`Processes left by a job kept coming back after ${MAX_PASSES} passes`);
    }
    for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
      for (const pid of fresh) {
        try {
          kill(pid, signal);
        } catch {
          // gone meanwhile
        }
      }
    }
    for (const pid of fresh) killed.add(pid);
    await new Promise((r) => setTimeout(r, 20)); // the kernel reaps them (their parent, or init, collects)
  }
}

const MAX_PASSES = 10;

async function findStrays(props: SandboxProps): Promise<number[]> {
  const { procRoot = '/proc', self = process.pid } = props;
  const table = (await processes(procRoot)).filter((p) => !p.zombie);
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const me = byPid.get(self);
  if (!me) throw new Error(`No process ${self} under ${procRoot}`);
  const spared = new Set([self, ...props.keepPids()]);
  for (let p = byPid.get(me.ppid); p && !spared.has(p.pid); p = byPid.get(p.ppid)) spared.add(p.pid);
  const leadsGroup = me.pgid === self;
  const own = (p: ProcessInfo): boolean => {
    if (leadsGroup && p.pgid === self) return true;
    for (let up = byPid.get(p.ppid); up; up = byPid.get(up.ppid)) if (up.pid === self) return true;
    return false;
  };
  return table
    .filter((p) => !spared.has(p.pid) && p.uid === me.uid && ((props.scope ?? 'uid') === 'uid' || own(p)))
    .map((p) => p.pid);
}

/** Every process's pid, parent, group and real uid, from /proc/<pid>/status (one that ends while read is left out). */
async function processes(procRoot: string): Promise<ProcessInfo[]> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  const read = await Promise.all(
    pids.map(async (pid) => {
      try {
        const status = await readFile(join(procRoot, pid, 'status'), 'utf8');
        const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
        const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
        const pgid = /^NSpgid:\s+(\d+)/m.exec(status)?.[1];
        const zombie = /^State:\s+[ZX]/m.test(status);
        if (!ppid || !uid) return [];
        return [
          { pid: Number(pid), ppid: Number(ppid), uid: Number(uid), zombie, ...(pgid && { pgid: Number(pgid) }) },
        ];
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
      .map((path) => removeAll(path)),
  );
}

/** Removes a file or folder, making folders a job locked (mode 000) its own user's again first. */
async function removeAll(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  } catch (error) {
    if (!['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await unlock(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function unlock(path: string): Promise<void> {
  const stats = await lstat(path);
  if (!stats.isDirectory()) return;
  await chmod(path, 0o700);
  for (const name of await readdir(path)) await unlock(join(path, name));
}
