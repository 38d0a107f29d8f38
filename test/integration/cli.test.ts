/** `npx gamma`: upload with progress to a playable URL, list, delete, webhooks add, tokens create — as a user runs it. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { needsLocalDeployment } from '../support/target.js';

const exec = promisify(execFile);
const config = needsLocalDeployment('registers a webhook endpoint on 127.0.0.1, which a deployment elsewhere refuses');
const dir = mkdtempSync(join(tmpdir(), 'gamma-cli-'));
const configFile = join(dir, 'local.json');
writeFileSync(configFile, JSON.stringify(config));

const gamma = (...args: string[]) =>
  exec(process.execPath, ['scripts/gamma.mjs', ...args, '--config', configFile], { timeout: 180_000 });

describe('the gamma CLI', () => {
  it('uploads a file with progress, waits for ready and prints a URL that plays; lists and deletes it', async () => {
    const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
    const { stdout, stderr } = await gamma('upload', clip, '--passthrough', 'from-cli');
    expect(stderr).toContain('100%');
    const url = stdout.trim().split('\n').at(-1) ?? '';
    expect(url).toMatch(new RegExp(`^${config.streamUrl}/[A-Za-z0-9]+\\.m3u8$`));
    expect((await fetch(url)).status).toBe(200);
    const assetId = /asset (\S+) ready/.exec(stdout)?.[1] as string;

    expect((await gamma('assets', 'list')).stdout).toContain(assetId);
    expect((await gamma('assets', 'delete', assetId)).stdout).toContain(`deleted ${assetId}`);
    expect((await gamma('assets', 'list')).stdout).not.toContain(assetId);
    expect((await fetch(url)).status).toBe(404);
  });

  it('creates an access token that the API accepts', async () => {
    const { stdout } = await gamma('tokens', 'create', '--env', config.environment, '--name', 'cli test');
    const tokenId = /token id:\s+(\S+)/.exec(stdout)?.[1] as string;
    const tokenSecret = /token secret:\s+(\S+)/.exec(stdout)?.[1] as string;
    const client = new GammaClient({ ...config, tokenId, tokenSecret });
    expect((await client.request('GET', '/video/v1/assets')).status).toBe(200);
  });

  it('registers a webhook endpoint and prints its signing secret', async () => {
    const { stdout } = await gamma('webhooks', 'add', 'http://127.0.0.1:9/gamma-hooks');
    expect(stdout).toMatch(/signing secret: [0-9a-f]{64}/);
    expect((await gamma('webhooks', 'list')).stdout).toContain('http://127.0.0.1:9/gamma-hooks');
  });

  it('fails with a readable message and a non-zero exit on an API error', async () => {
    await expect(gamma('assets', 'delete', 'nosuchasset')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('404'),
    });
  });
});
