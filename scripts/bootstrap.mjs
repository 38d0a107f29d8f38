#!/usr/bin/env node
// Installs whatever `npm start` / `npm test` need and this machine lacks: node modules, ffmpeg (Debian), the
// AWS emulator and the speech recogniser (pocketsphinx) in a project-local virtualenv, and for tests Chromium and
// flite (a Debian text-to-speech voice the generated-subtitle tests speak with). Idempotent and quick when all is there.
// Plain Node with no dependencies: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(root, '.gamma');
const venv = join(stateDir, 'venv');
const forTests = process.argv.includes('--test') || process.env.npm_lifecycle_event === 'test';

const say = (msg) => console.log(`[bootstrap] ${msg}`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
const digest = (file) =>
  createHash('sha256')
    .update(readFileSync(join(root, file)))
    .digest('hex');

function stamped(name, hash, install) {
  const stamp = join(stateDir, `${name}.stamp`);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  install();
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stamp, hash);
}

function nodeModules() {
  stamped('node_modules', digest('package-lock.json'), () => {
    // A fresh checkout gets exactly the lock file; an existing tree is brought up to date without being removed.
    const fresh = !existsSync(join(root, 'node_modules'));
    say(`installing node modules (${fresh ? 'npm ci' : 'npm install'})`);
    run('npm', [fresh ? 'ci' : 'install', '--no-audit', '--no-fund']);
  });
}

let aptUpdated = false;
function aptInstall(packages) {
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${packages.join(', ')}: install with  sudo apt-get install -y ${packages.join(' ')}`);
  }
  if (!aptUpdated) run('apt-get', ['update', '-qq']);
  aptUpdated = true;
  say(`installing ${packages.join(', ')} from Debian`);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function systemPackages() {
  const wanted = [];
  if (!has('ffmpeg') || !has('ffprobe')) wanted.push('ffmpeg');
  if (forTests && !existsSync('/usr/bin/chromium')) wanted.push('chromium');
  if (forTests && !has('flite')) wanted.push('flite');
  if (!has('python3')) wanted.push('python3', 'python3-venv');
  if (wanted.length > 0) aptInstall(wanted);
}

function makeVenv() {
  if (existsSync(join(venv, 'bin', 'python'))) return;
  try {
    run('python3', ['-m', 'venv', venv]);
  } catch {
    aptInstall(['python3-venv']);
    run('python3', ['-m', 'venv', venv]);
  }
}

const pipInstall = (requirements) =>
  run(join(venv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', '-r', requirements]);

function emulator() {
  stamped('venv', digest('scripts/emulator-requirements.txt'), () => {
    say('installing the AWS emulator (MiniStack) into .gamma/venv');
    makeVenv();
    pipInstall('scripts/emulator-requirements.txt');
  });
}

// The transcoder's speech recogniser on this machine (the image installs the same pin): its own stamp, so a change
// of its pin reinstalls it, and a change of the emulator's leaves it alone.
const SPEECH_REQUIREMENTS = 'containers/transcoder/speech/requirements.txt';
function speech() {
  stamped('speech', digest(SPEECH_REQUIREMENTS), () => {
    say('installing the speech recogniser (pocketsphinx) into .gamma/venv');
    makeVenv();
    pipInstall(SPEECH_REQUIREMENTS);
  });
}

try {
  nodeModules();
  systemPackages();
  emulator();
  speech();
} catch (err) {
  console.error(`[bootstrap] ${err.message}`);
  process.exit(1);
}
