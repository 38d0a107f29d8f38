/**
 * The image's arrangement, on this machine when it runs as root (containers/transcoder/src/ffmpeg/tools.ts): the
 * entry point as root with umask 007, ffmpeg and ffprobe as another user. The scratch folder and what the entry
 * point makes in it (the downloaded source, the rendition folders) must be readable and writable by the tool user,
 * and a probe and an HLS encode must run end to end.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ffmpegLimits, runFfmpeg } from '../../containers/transcoder/src/ffmpeg/run.js';
import { makeWorkDir, prepareToolProcess } from '../../containers/transcoder/src/ffmpeg/tools.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { makeClip } from '../support/client.js';

const root = process.getuid?.() === 0;
let dir: string | undefined;
const umask = process.umask();

afterAll(async () => {
  process.umask(umask);
  vi.unstubAllEnvs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.runIf(root)('media tools as another user (MEDIA_TOOL_USER, the entry point as root)', () => {
  it('probe and encode a source the entry point downloaded into its scratch folder', async () => {
    vi.stubEnv('MEDIA_TOOL_USER', '65534:65534');
    prepareToolProcess();
    dir = await makeWorkDir('gamma-tool-user-');
    const source = await makeClip(join(dir, 'source.mp4'), { width: 320, height: 240, seconds: 2 });
    const probed = await probe(source);
    expect(probed.durationSeconds).toBeGreaterThan(1.5);
    await mkdir(join(dir, '240p'), { recursive: true }); // as the encoders make rendition folders
    await runFfmpeg(
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-i',
        source,
        '-c:v',
        'libx264',
        '-f',
        'hls',
        join(dir, '240p', 'index.m3u8'),
      ],
      ffmpegLimits(2),
    );
    const written = await readdir(join(dir, '240p'));
    expect(written).toContain('index.m3u8');
    expect((await stat(join(dir, '240p', 'index.m3u8'))).uid).toBe(65534);
  });
});
