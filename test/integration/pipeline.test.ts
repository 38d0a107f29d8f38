/**
 * The foundation, end to end against the deployed stack: a client creates an upload, PUTs a generated clip to the
 * presigned URL, and the platform takes it through SQS → ingest → Fargate (local agent) → FFmpeg → HLS in S3 →
 * `ready`, pushing status over the WebSocket; the result plays through the stream URL.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder, renditionNames } from '../../lambdas/core/domain/ladder.js';
import { ffprobeDuration, GammaClient, makeClip } from '../support/client.js';
import { junkBytes } from '../support/media-checks.js';
import { target } from '../support/target.js';

const config = target();
const client = new GammaClient(config);
const dir = mkdtempSync(join(tmpdir(), 'gamma-it-'));

async function uploadFile(file: string) {
  const upload = await client.createUpload();
  expect(upload.status).toBe('waiting');
  expect(await client.put(upload.url, file)).toBe(200);
  return upload;
}

describe('upload → HLS → live status', () => {
  let clip: string;
  beforeAll(async () => {
    clip = await makeClip(join(dir, 'clip.mp4'), { width: 1280, height: 720, seconds: 5 });
  });

  it('turns an uploaded clip into playable adaptive HLS and pushes preparing then ready', async () => {
    const socket = await client.listen();
    const upload = await uploadFile(clip);
    const assetId = await client.assetOfUpload(upload.id);
    const asset = await client.settledAsset(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');

    const source = await probe(clip);
    expect(asset.duration).toBeCloseTo(source.durationSeconds, 0);
    expect(asset.max_stored_resolution).toBe('HD');
    expect(asset.aspect_ratio).toBe('16:9');
    expect(asset.tracks.map((t: { type: string }) => t.type).sort()).toEqual(['audio', 'video']);
    const playbackId = asset.playback_ids[0].id as string;

    const masterUrl = `${config.streamUrl}/${playbackId}.m3u8`;
    const master = await (await fetch(masterUrl)).text();
    const expected = renditionNames(planLadder(source));
    expect(expected).toEqual(['360p', '480p', '720p']);
    const variants = master.split('\n').filter((line) => line && !line.startsWith('#'));
    // Each signed for the asset's folder (test/integration/signed-playback.test.ts).
    expect(variants.map((v) => v.split('?')[0])).toEqual(
      expected.map((name) => `assets/${assetId}/${name}/index.m3u8`),
    );
    for (const variant of variants) {
      const duration = await ffprobeDuration(new URL(variant, masterUrl).href);
      expect(Math.abs(duration - source.durationSeconds)).toBeLessThan(0.5);
    }

    await client.until(
      'the WebSocket to report ready',
      async () => socket.messages,
      (messages) => messages.some((m) => m.object?.id === assetId && m.data?.status === 'ready'),
      15_000,
    );
    const statuses = socket.messages.filter((m) => m.object?.id === assetId).map((m) => m.data.status);
    expect(statuses[0]).toBe('preparing');
    expect(statuses.at(-1)).toBe('ready');
    expect(statuses.indexOf('preparing')).toBeLessThan(statuses.indexOf('ready'));
    socket.close();
  });

  it('marks a corrupt upload errored with a reason, and the next good upload still becomes ready', async () => {
    const corrupt = join(dir, 'corrupt.mp4');
    writeFileSync(corrupt, junkBytes(256 * 1024));
    const bad = await uploadFile(corrupt);
    const good = await uploadFile(clip);

    const badAsset = await client.settledAsset(await client.assetOfUpload(bad.id));
    expect(badAsset.status).toBe('errored');
    expect(badAsset.errors.messages.join(' ')).toMatch(/could not be read/i);

    const goodAsset = await client.settledAsset(await client.assetOfUpload(good.id));
    expect(goodAsset.status).toBe('ready');
  });

  it('refuses requests without a valid access token', async () => {
    const res = await fetch(`${config.apiUrl}/video/v1/assets`);
    expect([401, 403]).toContain(res.status);
    const wrong = await fetch(`${config.apiUrl}/video/v1/assets`, {
      headers: { authorization: `Basic ${Buffer.from(`${config.tokenId}:wrong`).toString('base64')}` },
    });
    expect([401, 403]).toContain(wrong.status);
  });
});
