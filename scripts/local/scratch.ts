/**
 * A local platform's scratch space: what it writes that AWS would throw away with the resource — the CDK cloud
 * assembly of its deploy, the emulator's Lambda code caches, each Fargate task's and each worker's /tmp (a task's
 * ephemeral storage goes with the task) — under one folder, removed when the platform stops.
 *
 * Why it matters: every run used to leave ≈ 0.3 GB (a 138 MB cloud assembly, the emulator's unpacked functions, the
 * work folders of tasks killed mid-encode), and a machine that runs the suite often filled its disk until a CI run
 * failed writing a segment. A run killed before its stop leaves its folder; the next run removes the folders of runs
 * whose process is gone.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScratchOptions {
  /** What its folder's name starts with, before this process's id. @default 'gamma-run-' */
  prefix?: string;
  /** @default the OS temp folder */
  parent?: string;
}

export class Scratch {
  private constructor(readonly root: string) {}

  /** A fresh folder for this process, after removing those (of the same prefix) of processes that are gone. */
  static create({ prefix = 'gamma-run-', parent = tmpdir() }: ScratchOptions = {}): Scratch {
    removeAbandoned(parent, prefix);
    const root = mkdtempSync(join(parent, `${prefix}${process.pid}-`));
    chmodSync(root, 0o755); // a task's tool user (MEDIA_TOOL_USER) passes through to its work folder
    return new Scratch(root);
  }

  /** A folder under the scratch root, made if missing. */
  dir(...path: string[]): string {
    const dir = join(this.root, ...path);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * A folder for one process's /tmp (its TMPDIR), writable by all with the sticky bit as /tmp is, and the function
   * that removes it when the process has ended.
   */
  tmp(...path: string[]): { dir: string; remove: () => void } {
    const dir = this.dir(...path);
    chmodSync(dir, 0o1777);
    return { dir, remove: () => removeFolder(dir) };
  }

  remove(): boolean {
    return removeFolder(this.root);
  }
}

/**
 * Removes a folder, retrying while something still writes into it (an ffmpeg that outlives its task's node by a
 * moment makes a removal fail with ENOTEMPTY); false, not an error, when it cannot: what is left is swept later.
 */
export function removeFolder(dir: string): boolean {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the scratch folders under `parent` named `<prefix><pid>-…` whose process no longer runs; one it cannot
 * remove (another user's, or one a killed run's emulator still writes into) is left for a later sweep.
 */
export function removeAbandoned(parent: string, prefix: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('-')[0]) : Number.NaN;
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    if (removeFolder(join(parent, name))) removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
