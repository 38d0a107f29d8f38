/**
 * `npm run test:deployed`: the integration tests against a stack someone else deployed — AWS, LocalStack, MiniStack
 * in Docker, or the platform `npm start` runs. See the README's "Verify a deployment".
 *
 *   npm run test:deployed -- --stack-prefix Gamma --region eu-west-1      (outputs of GammaPipeline on AWS)
 *   npm run test:deployed -- --stack-prefix Gamma --endpoint http://localhost:4566 --region us-east-1
 *   npm run test:deployed -- --config .gamma/local.json                    (the platform npm start runs)
 *   npm run test:deployed -- --check-image                                 (build and run the transcoder image)
 *
 * Other flags: --quick (the CI subset), --json <file> (vitest's JSON report), and test files to run only those.
 * The run gets an environment and token of its own, leaves out the files that need the platform the tests start
 * (printing why), and removes everything it created when it ends, even after a failure or Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { TARGET_FILE_VARIABLE } from '../test/integration/global-setup.js';
import { makeClip } from '../test/support/client.js';
import { LEDGER_VARIABLE, readLedger } from '../test/support/ledger.js';
import { lambdaReceiverOf } from '../test/support/receiver.js';
import { awsOptions, type Target } from '../test/support/target.js';
import { ROOT } from './local/platform.js';
import { cleanUp } from './test-deployed/cleanup.js';
import { allTestFiles, QUICK_FILES, select } from './test-deployed/files.js';
import { buildImage, checkImage } from './test-deployed/image.js';
import { deploymentFromConfig, deploymentFromStacks, documentClientFor, withRunToken } from './test-deployed/target.js';

const { values, positionals } = parseArgs({
  options: {
    'stack-prefix': { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
    config: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'check-image': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const log = (line: string) => process.stderr.write(`${line}\n`);
// The pinned SDK runs on Node 20 (README, Decisions); its notice about later versions says nothing about the run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (values['check-image']) {
  const dir = mkdtempSync(join(tmpdir(), 'gamma-image-'));
  const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
  const result = checkImage(ROOT, clip);
  log(`[test:deployed] --check-image: ${result.ok ? 'ok' : 'FAILED'}: ${result.message}`);
  process.exit(result.ok ? 0 : 1);
}

if (!values.config && !values['stack-prefix']) {
  log('Name the deployment: --stack-prefix <prefix> [--region …] [--endpoint …], or --config .gamma/local.json');
  process.exit(2);
}
const deployment = values.config
  ? deploymentFromConfig(values.config)
  : await deploymentFromStacks({
      stackPrefix: values['stack-prefix'],
      region: values.region,
      endpoint: values.endpoint,
    });

const { run: deployable, left } = select(ROOT, allTestFiles(ROOT), deployment.local);
for (const { file, reason } of left) log(`[test:deployed] skipped ${file}: ${reason}`);
const named = positionals.map((file) => relative(ROOT, resolve(file)));
const asked = named.length ? named : values.quick ? QUICK_FILES : deployable;
const refused = asked.filter((file) => !deployable.includes(file));
if (refused.length) {
  log(`[test:deployed] not deployable or not a test file here: ${refused.join(', ')}`);
  process.exit(2);
}
const run = asked;
if (values.quick) log(`[test:deployed] --quick: ${run.length} of the ${deployable.length} deployable files`);

// The image the deployment runs is built wherever there is Docker; the platform on this machine runs its bundle.
if (!deployment.local) {
  const image = buildImage(ROOT);
  log(`[test:deployed] transcoder image: ${image.message}`);
  if (!image.ok && !/Docker|docker/.test(image.message)) process.exit(1);
}

const target: Target = await withRunToken(deployment);
log(`[test:deployed] ${target.apiUrl}: environment ${target.environment}, ${run.length} files`);
const dir = mkdtempSync(join(tmpdir(), 'gamma-deployed-'));
const targetFile = join(dir, 'target.json');
const ledgerFile = join(dir, 'ledger.jsonl');
writeFileSync(targetFile, JSON.stringify(target), { mode: 0o600 });

let cleaned: Promise<boolean> | undefined;
const cleanOnce = () => {
  cleaned ??= (async () => {
    log(`[test:deployed] cleaning up environment ${target.environment}`);
    const options = awsOptions(target);
    const left = await cleanUp(target, {
      doc: documentClientFor(target),
      s3: new S3Client({ ...options, forcePathStyle: Boolean(target.endpoint) }),
      createdEndpoints: readLedger(ledgerFile)
        .filter((entry) => entry.kind === 'webhook-endpoint')
        .map((entry) => entry.id),
      removeReceiver: target.local ? undefined : () => lambdaReceiverOf(target).teardown(),
      log,
    });
    rmSync(dir, { recursive: true, force: true });
    const clean = Object.values(left).every((ids) => ids.length === 0);
    log(`[test:deployed] ${clean ? 'left nothing behind' : 'COULD NOT REMOVE everything (listed above)'}`);
    return clean;
  })();
  return cleaned;
};

const vitest = spawn(
  join(ROOT, 'node_modules', '.bin', 'vitest'),
  [
    'run',
    '--project',
    'integration',
    '--reporter=default',
    ...(values.json ? ['--reporter=json', `--outputFile.json=${values.json}`] : []),
    ...run,
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, [TARGET_FILE_VARIABLE]: targetFile, [LEDGER_VARIABLE]: ledgerFile },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    vitest.kill(signal);
  });
}
const code = await new Promise<number>((resolve) => vitest.on('exit', (c) => resolve(c ?? 1)));
const clean = await cleanOnce().catch((err) => {
  log(`[test:deployed] cleanup failed: ${(err as Error).stack}`);
  return false;
});
process.exit(code !== 0 ? code : clean ? 0 : 1);
