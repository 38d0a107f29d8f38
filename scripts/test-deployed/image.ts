/**
 * The transcoder image: `docker build` of containers/transcoder (the image `cdk deploy` pushes) and, for
 * `--check-image`, a check that ffmpeg and the entry point run in it (see `checkImage`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const IMAGE_TAG = 'gamma-transcoder:test-deployed';

export interface ImageResult {
  ok: boolean;
  message: string;
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' });

/** Whether a Docker engine answers (the CLI alone is not enough). */
export function dockerAvailable(): { ok: boolean; why: string } {
  const info = run('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (info.error) return { ok: false, why: 'the docker command is not installed' };
  if (info.status !== 0) return { ok: false, why: `no Docker engine answers (${info.stderr.trim().split('\n')[0]})` };
  return { ok: true, why: `Docker ${info.stdout.trim()}` };
}

export function buildImage(root: string): ImageResult {
  const docker = dockerAvailable();
  if (!docker.ok) return { ok: false, message: `cannot build the transcoder image: ${docker.why}` };
  // The Dockerfile copies the esbuild bundle, as `cdk deploy` has it made at synth.
  const bundled = run(process.execPath, [join(root, 'containers', 'transcoder', 'build.mjs')]);
  if (bundled.status !== 0) return { ok: false, message: `bundling the entry point failed:\n${bundled.stderr}` };
  const built = run('docker', ['build', '-t', IMAGE_TAG, join(root, 'containers', 'transcoder')]);
  if (built.status !== 0) return { ok: false, message: `docker build failed:\n${built.stderr}` };
  return { ok: true, message: `built ${IMAGE_TAG} (${docker.why})` };
}

/**
 * Builds the image; encodes `clip` (mounted read-only) to HLS with the image's ffmpeg as the ladder does; and runs
 * the entry point with a job whose AWS endpoint is unreachable: it must start (no missing module, no syntax the
 * image's Node refuses) and exit non-zero, as a failed task must (STYLE.md §7).
 */
export function checkImage(root: string, clip: string): ImageResult {
  const built = buildImage(root);
  if (!built.ok) return built;
  const ffmpeg = run('docker', [
    'run',
    '--rm',
    '-v',
    `${clip}:/clip.mp4:ro`,
    '--entrypoint',
    'ffmpeg',
    IMAGE_TAG,
    ...['-hide_banner', '-loglevel', 'error', '-i', '/clip.mp4', '-c:v', 'libx264', '-c:a', 'aac'],
    ...['-f', 'hls', '-hls_time', '2', '/tmp/check.m3u8'],
  ]);
  if (ffmpeg.status !== 0)
    return { ok: false, message: `ffmpeg in the image cannot encode the clip:\n${ffmpeg.stderr}` };
  const started = run('docker', [
    'run',
    '--rm',
    '-e',
    'AWS_REGION=us-east-1',
    '-e',
    'AWS_ENDPOINT_URL=http://127.0.0.1:9',
    '-e',
    'AWS_ACCESS_KEY_ID=test',
    '-e',
    'AWS_SECRET_ACCESS_KEY=test',
    '-e',
    'ASSET_ID=check-image',
    IMAGE_TAG,
  ]);
  const output = `${started.stdout}\n${started.stderr}`;
  if (/Cannot find module|ERR_MODULE_NOT_FOUND|SyntaxError/.test(output) || started.status === 0) {
    return {
      ok: false,
      message: `the entry point did not start and fail cleanly (exit ${started.status}):\n${output}`,
    };
  }
  return {
    ok: true,
    message: `${built.message}; ffmpeg encodes the clip; the entry point starts and exits ${started.status}`,
  };
}
