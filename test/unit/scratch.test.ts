import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeAbandoned, Scratch } from '../../scripts/local/scratch.js';

const parents: string[] = [];
const parent = () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratch-test-'));
  parents.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of parents.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The id of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;

describe('Scratch', () => {
  it('makes one folder named after this process, gives out /tmp-like folders in it and removes it all', () => {
    const under = parent();
    const scratch = Scratch.create({ prefix: 'run-', parent: under });
    expect(readdirSync(under)).toEqual([expect.stringMatching(new RegExp(`^run-${process.pid}-`))]);
    const task = scratch.tmp('tasks', 'abc');
    expect(task.dir).toBe(join(scratch.root, 'tasks', 'abc'));
    expect(statSync(task.dir).mode & 0o7777).toBe(0o1777);
    mkdirSync(join(task.dir, 'work'));
    task.remove();
    expect(existsSync(task.dir)).toBe(false);
    expect(existsSync(join(scratch.root, 'tasks'))).toBe(true);
    scratch.dir('cdk.out');
    scratch.remove();
    expect(readdirSync(under)).toEqual([]);
  });

  it('removes, on creation, the folders of its prefix whose process is gone, and nothing else', () => {
    const under = parent();
    const dead = `run-${deadPid()}-xyz`;
    const alive = `run-${process.pid}-old`;
    const others = ['run-notapid', 'other-1-abc', `walk-${deadPid()}-abc`];
    for (const name of [dead, alive, ...others]) mkdirSync(join(under, name, 'inside'), { recursive: true });
    const scratch = Scratch.create({ prefix: 'run-', parent: under });
    const left = readdirSync(under);
    expect(left).not.toContain(dead);
    expect(left).toEqual(expect.arrayContaining([alive, ...others, scratch.root.split('/').pop()]));
    expect(removeAbandoned(under, 'run-')).toEqual([]);
  });
});
