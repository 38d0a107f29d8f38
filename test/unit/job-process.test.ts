import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, JobProcess, type JobProcessProps } from '../../containers/transcoder/src/job-process.js';

const fixture = join(import.meta.dirname, '..', 'support', 'job-process-fixture.ts');
const dir = mkdtempSync(join(tmpdir(), 'job-process-'));
let jobs = 0;
let open: JobProcess | undefined;

function jobProcess(props: Partial<JobProcessProps> = {}): JobProcess {
  open = new JobProcess({ entryPoint: fixture, env: process.env, execArgv: ['--import', 'tsx'], ...props });
  return open;
}

/** Runs one job; what the job process saw. */
async function job(p: JobProcess, vars: Record<string, string> = {}) {
  const out = join(dir, `${++jobs}.json`);
  const code = await p.run({ OUT: out, ...vars });
  const seen = JSON.parse(readFileSync(out, 'utf8')) as { pid: number; leftover: string | null; tmp: string };
  return { code, ...seen };
}

afterEach(() => open?.close());

describe('JobProcess', () => {
  it('runs one job after another in the same process, each with only its own variables', async () => {
    const p = jobProcess();
    const first = await job(p, { LEFTOVER: 'from the first job' });
    const second = await job(p);
    expect(first).toMatchObject({ code: EXIT.done, leftover: 'from the first job' });
    expect(second).toMatchObject({ code: EXIT.done, leftover: null, pid: first.pid });
  });

  it('keeps the process after a job whose asset was settled another way', async () => {
    const p = jobProcess();
    const settled = await job(p, { CODE: String(EXIT.settled) });
    expect(settled.code).toBe(EXIT.settled);
    expect((await job(p)).pid).toBe(settled.pid);
  });

  it('replaces the process after a job that failed', async () => {
    const p = jobProcess();
    const failed = await job(p, { CODE: String(EXIT.failed) });
    expect(failed.code).toBe(EXIT.failed);
    expect((await job(p)).pid).not.toBe(failed.pid);
  });

  it('reports a job whose process died as failed, and runs the next in a new one', async () => {
    const p = jobProcess();
    const crashed = await job(p, { DO: 'crash' });
    expect(crashed.code).toBe(EXIT.failed);
    const next = await job(p);
    expect(next.code).toBe(EXIT.done);
    expect(next.pid).not.toBe(crashed.pid);
  });

  it('gives each process its own temp folder, removed when the process ends, however it ended', async () => {
    const p = jobProcess();
    const crashed = await job(p, { DO: 'crash' });
    expect(crashed.tmp.startsWith(join(tmpdir(), 'gamma-job-'))).toBe(true);
    const next = await job(p);
    expect(next.tmp).not.toBe(crashed.tmp);
    await expect.poll(() => existsSync(crashed.tmp)).toBe(false);
    expect(existsSync(next.tmp)).toBe(true); // the kept process's, with the work its job left
    p.close();
    await expect.poll(() => existsSync(next.tmp)).toBe(false);
  });

  it('replaces a process that has grown past the limit once its job is done', async () => {
    const p = jobProcess({ recycleRssBytes: 1 });
    const first = await job(p);
    expect(first.code).toBe(EXIT.done);
    expect((await job(p)).pid).not.toBe(first.pid);
  });
});
