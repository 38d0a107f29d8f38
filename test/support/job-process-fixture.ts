/**
 * A job process for test/unit/job-process.test.ts: serves jobs as the transcoder's does (job-process.ts
 * `serveJobs`), each job's variables saying what it does, and writes what it saw to the job's OUT file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveJobs } from '../../containers/transcoder/src/job-process.js';

await serveJobs(async (env) => {
  // A work folder in the process's temp folder, as a transcode makes one (and removes it, unless it dies).
  const work = mkdtempSync(join(tmpdir(), 'work-'));
  writeFileSync(join(work, 'segment.ts'), 'segment');
  const seen = { pid: process.pid, leftover: env.LEFTOVER ?? null, tmp: tmpdir() };
  writeFileSync(env.OUT as string, JSON.stringify(seen));
  if (env.DO === 'crash') process.kill(process.pid, 'SIGKILL');
  return Number(env.CODE ?? 0);
});
process.exit(0);
