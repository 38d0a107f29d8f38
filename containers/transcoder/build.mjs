/**
 * Bundles the transcoder's entry module into one ESM file, `dist/main.mjs` next to this script (with its source
 * map): the file the Dockerfile copies and the local Fargate agent runs. Usage: `node containers/transcoder/build.mjs`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export const TRANSCODER_BUNDLE = join(here, 'dist', 'main.mjs');

export async function bundleTranscoder() {
  await build({
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
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleTranscoder();
