/**
 * Static renditions through the local platform, as a client uses them: an upload asking for `highest` and
 * `audio-only` becomes a ready asset whose files turn `ready`; `{streamUrl}/{playbackId}/highest.mp4` redirects to
 * a signed URL that serves a progressive MP4 (h264 + aac, the clip's length, playable by ffprobe), and a signed
 * playback id needs its token. An asset that did not ask has no static renditions and no MP4.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Mux from '@mux/mux-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { target } from '../support/target.js';

const exec = promisify(execFile);
const config = target();
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const work = mkdtempSync(join(tmpdir(), 'gamma-static-'));
const SECONDS = 4;

interface StaticFile {
  name: string;
  ext: string;
  status: string;
  resolution: string;
  filesize?: string;
  width?: number;
  height?: number;
  bitrate?: number;
}

async function readyAsset(settings: Record<string, unknown>) {
  const upload = await client.createUpload({ new_asset_settings: settings });
  expect(await client.put(upload.url, clip)).toBe(200);
  const assetId = await client.assetOfUpload(upload.id);
  const asset = await client.settledAsset(assetId);
  expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
  return asset;
}

let clip: string;
beforeAll(async () => {
  clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: SECONDS });
});

describe('static renditions', () => {
  let asset: Awaited<ReturnType<GammaClient['settledAsset']>>;
  let files: StaticFile[];

  beforeAll(async () => {
    asset = await readyAsset({
      playback_policies: ['public', 'signed'],
      static_renditions: [{ resolution: 'highest' }, { resolution: 'audio-only' }],
    });
    const settled = await client.until(
      'the static renditions to settle',
      async () => (await client.request('GET', `/video/v1/assets/${asset.id}`)).json.data,
      (a) => (a?.static_renditions?.files ?? []).every((f: StaticFile) => f.status !== 'preparing'),
      60_000,
    );
    files = settled.static_renditions.files;
  });

  const playbackId = (policy: string) =>
    (asset.playback_ids as { id: string; policy: string }[]).find((p) => p.policy === policy)?.id ?? '';

  it('the asset lists both files ready, with their sizes', () => {
    expect(files).toEqual([
      expect.objectContaining({ name: 'highest.mp4', ext: 'mp4', status: 'ready', width: 640, height: 360 }),
      expect.objectContaining({ name: 'audio.m4a', ext: 'm4a', status: 'ready', resolution: 'audio-only' }),
    ]);
    for (const file of files) expect(Number(file.filesize)).toBeGreaterThan(1000);
  });

  it('GET {streamUrl}/{playbackId}/highest.mp4 redirects to a playable MP4 of the whole clip', async () => {
    const url = `${config.streamUrl}/${playbackId('public')}/highest.mp4`;
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(new RegExp(`^/assets/${asset.id}/highest\\.mp4\\?Policy=`));

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(String(bytes.length)).toBe(files[0]?.filesize);
    const file = join(work, 'highest.mp4');
    await writeFile(file, bytes);
    const { stdout } = await exec('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', file]);
    const info = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Number(info.format.duration)).toBeCloseTo(SECONDS, 0);
    const { stderr } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    expect(stderr).toBe('');
  });

  it('the redirect target answers range requests (players seek in it)', async () => {
    const res = await fetch(`${config.streamUrl}/${playbackId('public')}/audio.m4a`, {
      headers: { range: 'bytes=0-99' },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-type')).toBe('audio/mp4');
    expect((await res.arrayBuffer()).byteLength).toBe(100);
  });

  it('a signed playback id gets the MP4 only with a token for audience v', async () => {
    const url = `${config.streamUrl}/${playbackId('signed')}/highest.mp4`;
    expect((await fetch(url)).status).toBe(403);
    const key = await mux.system.signingKeys.create();
    const token = await mux.jwt.signPlaybackId(playbackId('signed'), {
      ...{ keyId: key.id, keySecret: key.private_key, type: 'video', expiration: '60s' },
    });
    const res = await fetch(`${url}?token=${token}`);
    expect(res.status).toBe(200);
    expect(String((await res.arrayBuffer()).byteLength)).toBe(files[0]?.filesize);
  });

  it('an asset that did not ask has no static renditions, and its MP4 URL is 404', async () => {
    const plain = await readyAsset({ playback_policies: ['public'] });
    expect(plain).not.toHaveProperty('static_renditions');
    const id = (plain.playback_ids as { id: string }[])[0]?.id;
    expect((await fetch(`${config.streamUrl}/${id}/highest.mp4`)).status).toBe(404);
  });

  it("Mux's SDK sends them (and the deprecated mp4_support) and reads them back as sent", async () => {
    const upload = await mux.video.uploads.create({
      cors_origin: '*',
      new_asset_settings: { playback_policies: ['public'], static_renditions: [{ resolution: 'audio-only' }] },
    });
    expect(upload.new_asset_settings?.static_renditions).toEqual([{ resolution: 'audio-only' }]);
    const legacy = await mux.video.uploads.create({
      cors_origin: '*',
      new_asset_settings: { playback_policies: ['public'], mp4_support: 'capped-1080p' },
    });
    expect(legacy.new_asset_settings?.mp4_support).toBe('capped-1080p');
    expect(legacy.new_asset_settings).not.toHaveProperty('static_renditions');
    await mux.video.uploads.cancel(upload.id);
    await mux.video.uploads.cancel(legacy.id);
  });
});
