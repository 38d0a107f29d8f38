/**
 * Issue 11's downloads after creation, through `@mux/mux-node` with only its base URL changed: an upload made with
 * `master_access: "temporary"` gets a master MP4 whose URL downloads a valid MP4 of the whole clip (the clip is
 * H.264 + AAC, so a stream copy); master access turned off and on again on the ready asset; static renditions
 * added (one made, one skipped: the asset has no such rung), deleted, and `PUT …/mp4-support`; `thumbnail_time` set
 * and unset; and the webhooks Mux sends for all of it, each verified with `mux.webhooks.unwrap`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Mux from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { target } from '../support/target.js';

const exec = promisify(execFile);
const config = target();
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const work = mkdtempSync(join(tmpdir(), 'gamma-master-'));
const SECONDS = 4;

type Asset = Awaited<ReturnType<typeof mux.video.assets.retrieve>>;

let receiver: Receiver;
let webhookId: string;
let secret: string;
let asset: Asset;

/** Polls the asset until `check` holds. */
const assetWhen = (what: string, check: (a: Asset) => boolean) =>
  client.until(what, () => mux.video.assets.retrieve(asset.id), check, 120_000);

/** The events received for the asset so far, each verified as the SDK verifies them. */
async function events(): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const received = await receiver.received();
  const unwrapped = await Promise.all(received.map((r) => mux.webhooks.unwrap(r.body, r.headers, secret)));
  return (unwrapped as unknown as { type: string; data: Record<string, unknown> }[]).filter(
    (e) => e.data.id === asset.id || e.data.asset_id === asset.id,
  );
}

const waitForEvents = (types: string[]) =>
  client.until(
    `the webhooks ${types.join(', ')}`,
    events,
    (seen) => types.every((t) => seen.some((e) => e.type === t)),
    60_000,
  );

/** ffprobe's view of a file: container, codecs, duration. */
async function probe(file: string) {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]);
  const json = JSON.parse(stdout) as {
    format: { format_name: string; duration: string };
    streams: { codec_type: string; codec_name: string }[];
  };
  return {
    format: json.format.format_name,
    duration: Number(json.format.duration),
    codecs: json.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(),
  };
}

beforeAll(async () => {
  receiver = await startReceiver(config);
  const registered = await client.request('POST', '/system/v1/webhooks', { address: receiver.url });
  expect(registered.status).toBe(201);
  ({ id: webhookId, signing_secret: secret } = registered.json.data as { id: string; signing_secret: string });

  const clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: SECONDS });
  const upload = await mux.video.uploads.create({
    cors_origin: '*',
    new_asset_settings: { playback_policies: ['public'], master_access: 'temporary' },
  });
  expect(await client.put(upload.url ?? '', clip)).toBe(200);
  const assetId = await client.assetOfUpload(upload.id);
  asset = await mux.video.assets.retrieve(assetId);
  asset = await assetWhen(
    'the asset and its master to settle',
    (a) => a.status !== 'preparing' && a.master?.status !== 'preparing',
  );
  expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
}, 240_000);

afterAll(async () => {
  if (webhookId) await client.request('DELETE', `/system/v1/webhooks/${webhookId}`);
  if (asset) await mux.video.assets.delete(asset.id).catch(() => undefined);
  await receiver?.close();
});

describe('master access', () => {
  it('makes the master ready with a URL to a valid MP4 of the whole clip, and sends its webhooks', async () => {
    expect(asset.master_access).toBe('temporary');
    expect(asset.master).toEqual({ status: 'ready', url: expect.stringMatching(/\/master\.mp4\?/) });
    const res = await fetch(asset.master?.url ?? '');
    expect(res.status).toBe(200);
    const file = join(work, 'master.mp4');
    await writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const probed = await probe(file);
    expect(probed.format).toContain('mp4');
    expect(probed.codecs).toEqual(['audio:aac', 'video:h264']);
    expect(probed.duration).toBeGreaterThan(SECONDS - 0.5);
    expect(probed.duration).toBeLessThan(SECONDS + 0.5);
    await waitForEvents(['video.asset.master.preparing', 'video.asset.master.ready']);
    // Signed by the webhook fan-out, as the API signs it on read: the transcoder holds no signing key.
    const readyEvent = (await events()).find((e) => e.type === 'video.asset.master.ready');
    expect(readyEvent?.data.master).toEqual({ status: 'ready', url: expect.stringMatching(/\/master\.mp4\?/) });
  });

  it('turns off (the master and its file go) and on again for the ready asset', async () => {
    const url = asset.master?.url ?? '';
    const off = await mux.video.assets.updateMasterAccess(asset.id, { master_access: 'none' });
    expect(off.master_access).toBe('none');
    expect(off.master).toBeUndefined();
    expect((await fetch(url)).status).not.toBe(200);
    await waitForEvents(['video.asset.master.deleted']);

    const on = await mux.video.assets.updateMasterAccess(asset.id, { master_access: 'temporary' });
    expect(on).toMatchObject({ master_access: 'temporary', master: { status: 'preparing' } });
    const ready = await assetWhen('the new master', (a) => a.master?.status !== 'preparing');
    expect(ready.master?.status).toBe('ready');
    expect((await fetch(ready.master?.url ?? '')).status).toBe(200);
  });
});

describe('static renditions after creation', () => {
  const playbackId = () => asset.playback_ids?.[0]?.id ?? '';

  it('adds one that is made and one the asset cannot have (skipped), then deletes the first', async () => {
    const highest = await mux.video.assets.createStaticRendition(asset.id, { resolution: 'highest', passthrough: 'p' });
    expect(highest).toMatchObject({ name: 'highest.mp4', status: 'preparing', passthrough: 'p' });
    const skipped = await mux.video.assets.createStaticRendition(asset.id, { resolution: '1080p' });
    expect(skipped).toMatchObject({ name: '1080p.mp4', status: 'skipped' });

    const ready = await assetWhen('highest.mp4', (a) =>
      (a.static_renditions?.files ?? []).some((f) => f.id === highest.id && f.status !== 'preparing'),
    );
    expect(ready.static_renditions?.files?.find((f) => f.id === highest.id)).toMatchObject({
      status: 'ready',
      width: 640,
      height: 360,
    });
    const download = await fetch(`${config.streamUrl}/${playbackId()}/highest.mp4`);
    expect(download.status).toBe(200);
    expect(Number(download.headers.get('content-length'))).toBeGreaterThan(1000);

    await mux.video.assets.deleteStaticRendition(asset.id, highest.id ?? '');
    const after = await mux.video.assets.retrieve(asset.id);
    expect(after.static_renditions?.files?.map((f) => f.name)).toEqual(['1080p.mp4']);
    expect((await fetch(`${config.streamUrl}/${playbackId()}/highest.mp4`)).status).toBe(404);
    await waitForEvents([
      'video.asset.static_rendition.created',
      'video.asset.static_rendition.ready',
      'video.asset.static_rendition.skipped',
      'video.asset.static_rendition.deleted',
    ]);
  });

  it('PUT mp4-support adds the MP4 and the M4A, reported the Mux way (the value, one status, capped-1080p.mp4), and none removes them', async () => {
    // Mux lets an asset have mp4_support's files or the Static Renditions API's, not both: the skipped 1080p first.
    const refused = await mux.video.assets
      .updateMP4Support(asset.id, { mp4_support: 'audio-only,capped-1080p' })
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({ status: 400 });
    const skipped = (await mux.video.assets.retrieve(asset.id)).static_renditions?.files?.[0];
    await mux.video.assets.deleteStaticRendition(asset.id, skipped?.id ?? '');

    const asked = await mux.video.assets.updateMP4Support(asset.id, { mp4_support: 'audio-only,capped-1080p' });
    expect(asked.mp4_support).toBe('audio-only,capped-1080p');
    expect(asked.static_renditions).toEqual({ status: 'preparing', files: [] });
    const made = await assetWhen('the mp4_support files', (a) => a.static_renditions?.status === 'ready');
    // Listed by Mux's names, without the Static Renditions API's id, resolution or status.
    expect(made.static_renditions?.files).toEqual([
      expect.objectContaining({ name: 'capped-1080p.mp4', ext: 'mp4', width: 640, height: 360 }),
      expect.objectContaining({ name: 'audio.m4a', ext: 'm4a' }),
    ]);
    expect(made.static_renditions?.files?.[0]).not.toHaveProperty('id');
    const capped = await fetch(`${config.streamUrl}/${playbackId()}/capped-1080p.mp4`);
    expect(capped.status).toBe(200);
    expect(Number(capped.headers.get('content-length'))).toBeGreaterThan(1000);

    const none = await mux.video.assets.updateMP4Support(asset.id, { mp4_support: 'none' });
    expect(none.mp4_support).toBe('none');
    expect(none.static_renditions?.files ?? []).toEqual([]);
    expect(none.static_renditions).not.toHaveProperty('status');
    await waitForEvents([
      'video.asset.static_renditions.preparing',
      'video.asset.static_renditions.ready',
      'video.asset.static_renditions.deleted',
    ]);
  });
});

describe('thumbnail_time', () => {
  it('is set with the update and unset with DELETE …/thumbnail-time', async () => {
    expect((await mux.video.assets.update(asset.id, { thumbnail_time: 1 })).thumbnail_time).toBe(1);
    await mux.video.assets.deleteThumbnailTime(asset.id);
    expect((await mux.video.assets.retrieve(asset.id)).thumbnail_time).toBeUndefined();
  });
});
