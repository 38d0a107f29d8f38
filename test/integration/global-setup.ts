/**
 * Provides every integration and browser test with its `Target` (test/support/target.ts):
 * - `npm test`: starts the local platform once — MiniStack with the CDK app deployed into it, the Fargate agent and
 *   the stream server, the same `startPlatform()` that `npm start` runs — and provides it as `platform` too;
 * - `npm run test:deployed`: the runner has read a deployed stack's outputs and made a token for a fresh
 *   environment; it names the target's file in GAMMA_TARGET, and nothing is started here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { STATE_DIR, startPlatform } from '../../scripts/local/platform.js';
import { type Target, targetOfPlatform } from '../support/target.js';

/** Set by scripts/test-deployed.ts: the JSON file of the deployed target. */
export const TARGET_FILE_VARIABLE = 'GAMMA_TARGET';

export default async function setup(project: TestProject) {
  const targetFile = process.env[TARGET_FILE_VARIABLE];
  if (targetFile) {
    const target = JSON.parse(readFileSync(targetFile, 'utf8')) as Target;
    // As `startPlatform` does for `npm test`: SDK clients the tests build without options reach the target.
    Object.assign(process.env, {
      AWS_REGION: target.region,
      ...(target.endpoint && { AWS_ENDPOINT_URL: target.endpoint }),
      ...(target.credentials && {
        AWS_ACCESS_KEY_ID: target.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
      }),
    });
    project.provide('target', target);
    project.provide('platform', undefined);
    return;
  }
  const platform = await startPlatform({
    logDir: join(STATE_DIR, 'test-logs', String(process.pid)),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  project.provide('platform', platform.config);
  project.provide('target', targetOfPlatform(platform.config));
  return () => platform.stop();
}
