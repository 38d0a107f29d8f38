/**
 * The media tools' runner (containers/transcoder/src/ffmpeg/tools.ts): ffmpeg, ffprobe and any other program that
 * reads untrusted media start with no credentials in their environment and, where configured, as a user that
 * cannot read the transcoder's /proc/<pid>/environ (where the credentials endpoint's path is).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  makeWorkDir,
  runTool,
  toolEnvironment,
  toolSpawnOptions,
  toolUser,
} from '../../containers/transcoder/src/ffmpeg/tools.js';

const TASK_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/3f2a9c1e-secret',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'token',
  AWS_ACCESS_KEY_ID: 'AKIA',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'session',
  AWS_REGION: 'eu-west-1',
  ECS_CONTAINER_METADATA_URI: 'http://169.254.170.2/v3/abc',
  ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc',
  MEDIA_TABLE: 'media',
  WORK_QUEUE_URL: 'https://sqs/queue',
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('toolEnvironment', () => {
  it('keeps only the path and the locale: no AWS_*, no ECS_*, none of the task settings', () => {
    expect(toolEnvironment(TASK_ENV)).toEqual({ PATH: TASK_ENV.PATH, LANG: 'C.UTF-8' });
  });

  it('adds a tool’s own variables, but never a credential-looking one', () => {
    expect(toolEnvironment(TASK_ENV, { POCKETSPHINX_PATH: '/models' })).toMatchObject({ POCKETSPHINX_PATH: '/models' });
    expect(() => toolEnvironment(TASK_ENV, { AWS_PROFILE: 'x' })).toThrow(/AWS_PROFILE/);
  });
});

describe('toolUser and toolSpawnOptions', () => {
  it('run tools as the entry point’s own user when MEDIA_TOOL_USER is unset (the local platform)', () => {
    expect(toolUser(TASK_ENV)).toBeUndefined();
    expect(toolSpawnOptions(TASK_ENV, 1000)).toEqual({ env: { PATH: TASK_ENV.PATH, LANG: 'C.UTF-8' } });
  });

  it('drop a tool to MEDIA_TOOL_USER when the entry point is root (the image)', () => {
    const options = toolSpawnOptions({ ...TASK_ENV, MEDIA_TOOL_USER: '10001:10001' }, 0);
    expect(options).toEqual({ env: { PATH: TASK_ENV.PATH, LANG: 'C.UTF-8' }, uid: 10001, gid: 10001 });
  });

  it('refuse to start a tool as the parent’s user when the drop was asked for but cannot happen', () => {
    expect(() => toolSpawnOptions({ ...TASK_ENV, MEDIA_TOOL_USER: '10001:10001' }, 1000)).toThrow(/only root/);
  });

  it('refuse a malformed or root MEDIA_TOOL_USER', () => {
    expect(() => toolUser({ MEDIA_TOOL_USER: 'media' })).toThrow(/uid:gid/);
    expect(() => toolUser({ MEDIA_TOOL_USER: '0:0' })).toThrow(/root/);
  });
});

describe('runTool', () => {
  it('starts the program with the scrubbed environment', async () => {
    for (const [name, value] of Object.entries(TASK_ENV)) vi.stubEnv(name, value);
    const { stdout } = await runTool('sh', ['-c', 'env']);
    expect(stdout).not.toMatch(/AWS_|ECS_|3f2a9c1e|MEDIA_TABLE|HOME=/);
    expect(stdout).toContain(`PATH=${TASK_ENV.PATH}`);
  });

  it.runIf(process.getuid?.() === 0)('as the tool user, cannot read the parent’s /proc environ', async () => {
    vi.stubEnv('MEDIA_TOOL_USER', '65534:65534');
    const read = runTool('sh', ['-c', 'id -u; cat /proc/$PPID/environ']);
    await expect(read).rejects.toMatchObject({ stdout: '65534\n', stderr: expect.stringMatching(/Permission denied/) });
  });

  it.runIf(process.getuid?.() === 0)('gives the tool user a scratch folder it can write', async () => {
    vi.stubEnv('MEDIA_TOOL_USER', '65534:65534');
    const dir = await makeWorkDir('gamma-tools-test-');
    try {
      expect(statSync(dir).gid).toBe(65534);
      await runTool('sh', ['-c', `mkdir "${dir}/sub" && touch "${dir}/sub/file"`]);
      expect(statSync(join(dir, 'sub', 'file')).uid).toBe(65534);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('every media tool goes through the runner', () => {
  const root = join(import.meta.dirname, '../../containers/transcoder/src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  // job-process.ts starts this entry point again (a worker's job process, which needs the jobs' credentials).
  const allowed = new Set(['ffmpeg/tools.ts', 'job-process.ts']);

  it('no other transcoder module starts processes', () => {
    const spawning = files(root)
      .filter((f) => /^import (?!type )[^;]*from 'node:child_process'/m.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f))
      .filter((f) => !allowed.has(f));
    expect(spawning).toEqual([]);
  });
});
