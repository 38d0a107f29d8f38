/**
 * Starts the local platform once for every integration and browser test: MiniStack with the CDK app deployed
 * into it, the Fargate agent and the stream server — the same `startPlatform()` that `npm start` runs.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type LocalConfig, STATE_DIR, startPlatform } from '../../scripts/local/platform.js';

declare module 'vitest' {
  export interface ProvidedContext {
    platform: LocalConfig;
  }
}

export default async function setup(project: TestProject) {
  const platform = await startPlatform({
    logDir: join(STATE_DIR, 'test-logs', String(process.pid)),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  project.provide('platform', platform.config);
  return () => platform.stop();
}
