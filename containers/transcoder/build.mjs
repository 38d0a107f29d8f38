/**
 * Bundles the transcoder's entry module into one ESM file, `dist/main.mjs` next to this script (with its source
 * map): the file the Dockerfile copies and the local Fargate agent runs. Usage: `node containers/transcoder/build.mjs`.
 * The CDK app builds the same bundle (same options) at synth when it builds the image.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export const TRANSCODER_BUNDLE = join(here, 'dist', 'main.mjs');

/** @type {import('esbuild').BuildOptions} */
export const TRANSCODER_BUILD_OPTIONS = {
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: TRANSCODER_BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: true,
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
};

export async function bundleTranscoder() {
  await build(TRANSCODER_BUILD_OPTIONS);
}

/** For callers that cannot await, such as a CDK construct. */
export function bundleTranscoderSync() {
  buildSync(TRANSCODER_BUILD_OPTIONS);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleTranscoder();
