/**
 * A job process for test/unit/job-process.test.ts: serves jobs as the transcoder's does (job-process.ts
 * `serveJobs`), each job's variables saying what it does, and writes what it saw to the job's OUT file.
 */
import { writeFileSync } from 'node:fs';
import { serveJobs } from '../../containers/transcoder/src/job-process.js';

await serveJobs(async (env) => {
  writeFileSync(env.OUT as string, JSON.stringify({ pid: process.pid, leftover: env.LEFTOVER ?? null }));
  if (env.DO === 'crash') process.kill(process.pid, 'SIGKILL');
  return Number(env.CODE ?? 0);
});
process.exit(0);
