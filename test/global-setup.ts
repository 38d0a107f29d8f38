/**
 * The whole run's temp folder: TMPDIR points every test process, and what they start (the platform's emulator and
 * tasks, ffmpeg, Chromium), at one scratch folder removed when the run ends, so a suite that makes clips, cloud
 * assemblies and browser profiles leaves nothing behind (scripts/local/scratch.ts says why that matters).
 *
 * Every project extends the root config and so lists this file; the first to run it makes the folder, and the
 * workers, created after every global setup, inherit the variable.
 */
import { Scratch } from '../scripts/local/scratch.js';

const SCRATCH_VARIABLE = 'GAMMA_TEST_SCRATCH';

export default function setup() {
  if (process.env[SCRATCH_VARIABLE]) return;
  const scratch = Scratch.create({ prefix: 'gamma-test-' });
  process.env[SCRATCH_VARIABLE] = scratch.root;
  process.env.TMPDIR = scratch.tmp('tmp').dir;
  return () => scratch.remove();
}
