/**
 * The official Mux SDK (`@mux/mux-node`) against Gamma, changing nothing but its base URL: the direct-upload flow
 * to a playable asset, listing, updating, playback ids, deletion (objects and playback stop), and errors.
 */
import { createReadStream, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import Mux from '@mux/mux-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../lambdas/core/adapters/clients.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsLocalDeployment } from '../support/target.js';

const config = needsLocalDeployment('the platform fetches an input URL from a server on 127.0.0.1');
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const dir = mkdtempSync(join(tmpdir(), 'gamma-mux-'));

async function outputKeys(assetId: string): Promise<string[]> {
  process.env.AWS_ENDPOINT_URL = config.endpoint;
  const out = await s3Client().send(
    new ListObjectsV2Command({ Bucket: config.resources.OutputBucketName, Prefix: `assets/${assetId}/` }),
  );
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}

describe('the Mux SDK against Gamma', () => {
  let clip: string;
  beforeAll(async () => {
    clip = await makeClip(join(dir, 'clip.mp4'), { width: 640, height: 360, seconds: 3 });
  });

  it('create upload → PUT → asset ready → playback id → list → update → delete', async () => {
    const upload = await mux.video.uploads.create({
      cors_origin: 'https://example.com',
      timeout: 900,
      new_asset_settings: { playback_policies: ['public'], passthrough: 'order-42', meta: { title: 'First' } },
    });
    expect(upload).toMatchObject({ status: 'waiting', timeout: 900, cors_origin: 'https://example.com' });
    expect((await mux.video.uploads.retrieve(upload.id)).id).toBe(upload.id);
    expect(await client.put(upload.url as string, clip)).toBe(200);

    const assetId = await client.until(
      'the upload to get an asset',
      async () => (await mux.video.uploads.retrieve(upload.id)).asset_id,
      (id) => Boolean(id),
    );
    const asset = await client.until(
      'the asset to be ready',
      () => mux.video.assets.retrieve(assetId as string),
      (a) => a.status !== 'preparing',
    );
    expect(asset).toMatchObject({ status: 'ready', passthrough: 'order-42', meta: { title: 'First' } });
    expect(asset.upload_id).toBe(upload.id);
    const publicId = asset.playback_ids?.[0]?.id as string;
    expect((await fetch(`${config.streamUrl}/${publicId}.m3u8`)).status).toBe(200);

    const extra = await mux.video.assets.createPlaybackId(asset.id, { policy: 'public' });
    expect(extra.policy).toBe('public');
    expect(await mux.video.assets.retrievePlaybackId(asset.id, extra.id as string)).toEqual(extra);
    expect(await mux.video.playbackIds.retrieve(extra.id as string)).toEqual({
      id: extra.id,
      policy: 'public',
      object: { type: 'asset', id: asset.id },
    });
    expect((await fetch(`${config.streamUrl}/${extra.id}.m3u8`)).status).toBe(200);
    await mux.video.assets.deletePlaybackId(asset.id, extra.id as string);
    expect((await fetch(`${config.streamUrl}/${extra.id}.m3u8`)).status).toBe(404);

    // Signed playback: a key from the SDK's signing-keys API, a token from the SDK's own signer.
    const signed = await mux.video.assets.createPlaybackId(asset.id, { policy: 'signed' });
    const key = await mux.system.signingKeys.create();
    const signedUrl = `${config.streamUrl}/${signed.id}.m3u8`;
    const token = (type: 'video' | 'thumbnail') =>
      mux.jwt.signPlaybackId(signed.id as string, { keyId: key.id, keySecret: key.private_key, type });
    expect((await fetch(signedUrl)).status).toBe(403);
    expect((await fetch(`${signedUrl}?token=${await token('thumbnail')}`)).status).toBe(403);
    expect((await fetch(`${signedUrl}?token=${await token('video')}`)).status).toBe(200);
    expect((await mux.system.signingKeys.list()).data.map((k) => k.id)).toContain(key.id);
    await mux.system.signingKeys.delete(key.id);
    expect((await fetch(`${signedUrl}?token=${await token('video')}`)).status).toBe(403);

    const updated = await mux.video.assets.update(asset.id, { passthrough: 'order-43', meta: { creator_id: 'me' } });
    expect(updated).toMatchObject({ passthrough: 'order-43', meta: { title: 'First', creator_id: 'me' } });

    const listed = await mux.video.assets.list({ limit: 100 });
    expect(listed.data.map((a) => a.id)).toContain(asset.id);
    const uploads = await mux.video.uploads.list({ limit: 100 });
    expect(uploads.data.map((u) => u.id)).toContain(upload.id);

    expect((await outputKeys(asset.id)).length).toBeGreaterThan(0);
    await mux.video.assets.delete(asset.id);
    expect(await outputKeys(asset.id)).toEqual([]);
    await expect(mux.video.assets.retrieve(asset.id)).rejects.toBeInstanceOf(Mux.NotFoundError);
    await expect(mux.video.playbackIds.retrieve(publicId)).rejects.toBeInstanceOf(Mux.NotFoundError);
    expect((await fetch(`${config.streamUrl}/${publicId}.m3u8`)).status).toBe(404);
    const after = await mux.video.assets.list({ limit: 100 });
    expect(after.data.map((a) => a.id)).not.toContain(asset.id);
  });

  it('creates an asset from an input URL the platform fetches, and refuses internal addresses', async () => {
    const server = createServer((req, res) => {
      if (req.url !== '/clip.mp4') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'video/mp4' });
      createReadStream(clip).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/clip.mp4`;
      const created = await mux.video.assets.create({
        inputs: [{ url }],
        playback_policies: ['public'],
        passthrough: 'from-url',
      });
      expect(created).toMatchObject({ status: 'preparing', passthrough: 'from-url', ingest_type: 'on_demand_url' });
      const asset = await client.until(
        'the asset from a URL to be ready',
        () => mux.video.assets.retrieve(created.id),
        (a) => a.status !== 'preparing',
      );
      expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
      expect((await fetch(`${config.streamUrl}/${asset.playback_ids?.[0]?.id}.m3u8`)).status).toBe(200);
      // What the probe read from the file, and the URL it came from (640x360 H.264 with mono 48 kHz AAC, 3 s).
      const [info] = await mux.video.assets.retrieveInputInfo(created.id);
      expect(info?.settings).toEqual({ url });
      expect(info?.file?.container_format).toBe('mov,mp4,m4a,3gp,3g2,mj2');
      expect(info?.file?.tracks).toEqual([
        expect.objectContaining({ type: 'video', encoding: 'h264', width: 640, height: 360, frame_rate: 30 }),
        expect.objectContaining({ type: 'audio', encoding: 'aac', channels: 1, sample_rate: 48000 }),
      ]);
      expect(info?.file?.tracks?.[0]?.duration).toBeCloseTo(3, 0);

      const missing = await mux.video.assets.create({
        inputs: [{ url: `${url}.nope` }],
        playback_policies: ['public'],
      });
      const errored = await client.until(
        'the asset of a missing URL to error',
        () => mux.video.assets.retrieve(missing.id),
        (a) => a.status !== 'preparing',
      );
      expect(errored).toMatchObject({ status: 'errored', errors: { messages: ['The input URL answered 404'] } });
    } finally {
      server.close();
    }
    await expect(
      mux.video.assets.create({ inputs: [{ url: 'http://169.254.169.254/latest/meta-data/' }] }),
    ).rejects.toMatchObject({
      status: 400,
      error: { error: { messages: [expect.stringMatching(/^inputs\.0\.url: is refused/)] } },
    });
  });

  it('cancels a waiting upload; a file PUT afterwards never becomes an asset', async () => {
    const upload = await mux.video.uploads.create({
      cors_origin: '*',
      new_asset_settings: { playback_policies: ['public'] },
    });
    const cancelled = await mux.video.uploads.cancel(upload.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await client.put(upload.url as string, clip)).toBe(200);
    await new Promise((r) => setTimeout(r, 5000));
    const after = await mux.video.uploads.retrieve(upload.id);
    expect(after.status).toBe('cancelled');
    expect(after.asset_id).toBeUndefined();
    await expect(mux.video.uploads.cancel(upload.id)).rejects.toBeInstanceOf(Mux.ConflictError);
  });

  it('pages uploads with limit and page, and assets with the cursor', async () => {
    for (let i = 0; i < 3; i++) await mux.video.uploads.create({ cors_origin: '*' });
    const first = await mux.video.uploads.list({ limit: 2, page: 1 });
    const second = await mux.video.uploads.list({ limit: 2, page: 2 });
    expect(first.data).toHaveLength(2);
    expect(second.data.length).toBeGreaterThan(0);
    expect(second.data.map((u) => u.id)).not.toContain(first.data[0]?.id);

    const seen: string[] = [];
    for await (const upload of mux.video.uploads.list({ limit: 2 })) {
      seen.push(upload.id);
      if (seen.length >= 5) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(5);
  });

  it('reports errors in Mux shape, naming the field', async () => {
    const bad = await client.request('POST', '/video/v1/uploads', { new_asset_settings: { colour: 'x' } });
    expect(bad).toMatchObject({
      status: 400,
      json: {
        error: { type: 'invalid_parameters', messages: ['new_asset_settings.colour: is not a known field'] },
      },
    });
    const wrongType = await client.request('POST', '/video/v1/uploads', { timeout: 'soon' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.messages[0]).toMatch(/^timeout: /);

    await expect(mux.video.uploads.create({ cors_origin: '*', timeout: 5 })).rejects.toMatchObject({
      status: 400,
      error: { error: { type: 'invalid_parameters', messages: [expect.stringContaining('timeout')] } },
    });
    await expect(mux.video.assets.retrieve('doesnotexist')).rejects.toBeInstanceOf(Mux.NotFoundError);
    const stranger = new Mux({ tokenId: 'nobody', tokenSecret: 'nothing', baseURL: config.apiUrl });
    await expect(stranger.video.assets.list()).rejects.toBeInstanceOf(Mux.AuthenticationError);
  });
});
