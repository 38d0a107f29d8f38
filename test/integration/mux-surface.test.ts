/**
 * Issue 11's request surface through the official SDK with nothing changed but its base URL: Mux's getting-started
 * bodies sent verbatim, the older spellings, the settings an asset reports, and each method of `video.assets`,
 * `video.uploads`, `video.playbackIds`, `video.playbackRestrictions`, `video.playback`, `system.signingKeys`,
 * `system.webhooks` and `system.utilities` — served, or refused with a 400 that says this deployment lacks it.
 */
import { createReadStream, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mux, { BadRequestError } from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { needsLocalDeployment } from '../support/target.js';

const config = needsLocalDeployment('the platform fetches an input URL from a server on 127.0.0.1');
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const dir = mkdtempSync(join(tmpdir(), 'gamma-surface-'));
let server: Server;
let clipUrl: string;

beforeAll(async () => {
  const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
  server = createServer((req, res) => {
    if (req.url !== '/clip.mp4') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'video/mp4' });
    createReadStream(clip).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  clipUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/clip.mp4`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What a call's failure says; a call is started only here, so no rejection goes unhandled. */
const refusal = (call: Promise<unknown> | (() => Promise<unknown>)) =>
  (typeof call === 'function' ? call() : call).then(
    () => 'accepted',
    (err: unknown) => (err instanceof BadRequestError ? JSON.stringify(err.error) : `unexpected: ${String(err)}`),
  );

describe("Mux's getting-started bodies, verbatim", () => {
  it('"Stream video files" (POST /video/v1/assets) makes a basic asset that becomes ready', async () => {
    const body = `{ "inputs": [{ "url": "${clipUrl}" }], "playback_policies": ["public"], "video_quality": "basic" }`;
    const res = await client.request('POST', '/video/v1/assets', JSON.parse(body));
    expect(res.status).toBe(201);
    const id = res.json.data.id as string;
    const ready = await client.until(
      'the asset to be ready',
      () => mux.video.assets.retrieve(id),
      (a) => a.status !== 'preparing',
    );
    expect(ready).toMatchObject({ status: 'ready', video_quality: 'basic', encoding_tier: 'baseline', test: false });
    await mux.video.assets.delete(id);
  });

  it('"Upload files directly" (POST /video/v1/uploads) keeps its settings', async () => {
    const body =
      '{ "new_asset_settings": { "playback_policies": ["public"], "video_quality": "basic" }, "cors_origin": "*" }';
    const res = await client.request('POST', '/video/v1/uploads', JSON.parse(body));
    expect(res.status).toBe(201);
    expect(res.json.data.new_asset_settings).toEqual({ playback_policies: ['public'], video_quality: 'basic' });
    await mux.video.uploads.cancel(res.json.data.id);
  });
});

describe('the SDK, method by method', () => {
  it('video.assets and video.playbackIds: older spellings, settings reported, filters, playback ids', async () => {
    const asset = await mux.video.assets.create({
      // The SDK's types say array; Mux's reference allows one URL, and older integrations send it.
      input: clipUrl as never,
      playback_policy: 'public' as never,
      encoding_tier: 'smart',
      normalize_audio: true,
    } as never);
    expect(asset).toMatchObject({ video_quality: 'plus', encoding_tier: 'smart', normalize_audio: true, test: false });
    expect((await mux.video.assets.retrieve(asset.id)).id).toBe(asset.id);
    expect((await mux.video.assets.update(asset.id, { passthrough: 'p' })).passthrough).toBe('p');
    expect(await mux.video.assets.retrieveInputInfo(asset.id)).toEqual([
      expect.objectContaining({ settings: { url: clipUrl } }),
    ]);
    const listed = [];
    for await (const a of mux.video.assets.list({ limit: 100 })) listed.push(a.id);
    expect(listed).toContain(asset.id);
    expect((await mux.video.assets.list({ live_stream_id: 'ls1' })).data).toEqual([]);

    const pid = await mux.video.assets.createPlaybackId(asset.id, { policy: 'signed' });
    expect(await mux.video.assets.retrievePlaybackId(asset.id, pid.id)).toEqual(pid);
    expect(await mux.video.playbackIds.retrieve(pid.id)).toMatchObject({ object: { type: 'asset', id: asset.id } });
    await mux.video.assets.deletePlaybackId(asset.id, pid.id);

    const testAsset = await mux.video.assets.create({ inputs: [{ url: clipUrl }], test: true });
    expect(testAsset.test).toBe(true);
    await mux.video.assets.delete(testAsset.id);
    await mux.video.assets.delete(asset.id);
  });

  it('video.uploads: create, retrieve, list, filter assets by upload, cancel', async () => {
    const upload = await mux.video.uploads.create({
      cors_origin: '*',
      new_asset_settings: { playback_policies: ['public'], video_quality: 'premium', master_access: 'none' },
    });
    expect(upload).toMatchObject({ new_asset_settings: { video_quality: 'premium' } });
    expect((await mux.video.uploads.retrieve(upload.id)).id).toBe(upload.id);
    expect((await mux.video.uploads.list({ limit: 100 })).data.map((u) => u.id)).toContain(upload.id);
    expect((await mux.video.assets.list({ upload_id: upload.id })).data).toEqual([]);
    expect((await mux.video.uploads.cancel(upload.id)).status).toBe('cancelled');
  });

  it('refuses what it cannot do, by name: drm, drm_configuration_id, encoding_tier against video_quality', async () => {
    const url = clipUrl;
    expect(await refusal(mux.video.assets.create({ inputs: [{ url }], playback_policies: ['drm'] }))).toContain(
      'drm is not supported by this deployment',
    );
    const drmConfig = mux.video.assets.create({
      inputs: [{ url }],
      advanced_playback_policies: [{ policy: 'signed', drm_configuration_id: 'c1' }],
    });
    expect(await refusal(drmConfig)).toContain('drm_configuration_id: is not supported by this deployment');
    const both = mux.video.assets.create({ inputs: [{ url }], video_quality: 'plus', encoding_tier: 'baseline' });
    expect(await refusal(both)).toContain('encoding_tier: baseline is video_quality basic');
    expect(await refusal(mux.video.assets.create({ inputs: [{ url }], colour: 'red' } as never))).toContain(
      'colour: is not a known field',
    );
  });

  it('video.playback helpers on the API host redirect to the stream', async () => {
    const res = await fetch(`${config.apiUrl}/nosuchid.m3u8?x=1`, {
      redirect: 'manual',
      headers: { authorization: `Basic ${Buffer.from(`${config.tokenId}:${config.tokenSecret}`).toString('base64')}` },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${config.streamUrl}/nosuchid.m3u8?x=1`);
  });

  it('system.signingKeys, system.webhooks, system.utilities', async () => {
    const key = await mux.system.signingKeys.create();
    expect((await mux.system.signingKeys.retrieve(key.id)).id).toBe(key.id);
    expect((await mux.system.signingKeys.list()).data.map((k) => k.id)).toContain(key.id);
    await mux.system.signingKeys.delete(key.id);

    const hook = await mux.system.webhooks.create({ address: 'http://127.0.0.1:9/hooks' });
    expect(hook).toMatchObject({ address: 'http://127.0.0.1:9/hooks', enabled: true });
    expect(hook.signing_secret).toBeTruthy();
    expect(await mux.system.webhooks.update(hook.id, { enabled: false })).toMatchObject({ enabled: false });
    expect((await mux.system.webhooks.retrieve(hook.id)).enabled).toBe(false);
    expect((await mux.system.webhooks.list()).data.map((w) => w.id)).toContain(hook.id);
    await mux.system.webhooks.delete(hook.id);

    expect(await mux.system.utilities.whoami()).toMatchObject({ environment_id: expect.any(String) });
  });
});
