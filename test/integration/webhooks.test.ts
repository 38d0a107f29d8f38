/**
 * Webhooks end to end: an endpoint registered through the API receives the events of an upload's life, each
 * signed so that the Mux SDK's `webhooks.unwrap` accepts it; a failing receiver is retried with backoff and every
 * attempt shows in the endpoint's delivery log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mux from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { target } from '../support/target.js';

const config = target();
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const dir = mkdtempSync(join(tmpdir(), 'gamma-hooks-'));

describe('webhooks', () => {
  let receiver: Receiver;

  // The first delivery is answered 500, to see it retried.
  beforeAll(async () => {
    receiver = await startReceiver(config, [500]);
  }, 180_000);
  afterAll(() => receiver?.close());

  it('delivers the events of an upload, signed for the Mux SDK, retrying a failure', async () => {
    const { url } = receiver;
    const registered = await client.request('POST', '/system/v1/webhooks', { address: url });
    expect(registered.status).toBe(201);
    const { id: endpointId, signing_secret: secret } = registered.json.data as { id: string; signing_secret: string };
    const listed = await client.request('GET', '/system/v1/webhooks');
    expect(listed.json.data).toContainEqual(expect.objectContaining({ id: endpointId, address: url }));

    const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
    const upload = await mux.video.uploads.create({
      cors_origin: '*',
      new_asset_settings: { playback_policies: ['public'], passthrough: 'hooked' },
    });
    expect(await client.put(upload.url as string, clip)).toBe(200);
    const assetId = await client.assetOfUpload(upload.id);

    // The upload's events and the asset's are ordered per object, not with each other: the upload's, held back
    // behind the failed first delivery, may arrive after the asset's `ready`. Wait for all of them.
    const expected = ['video.upload.created', 'video.upload.asset_created', 'video.asset.created', 'video.asset.ready'];
    const ofThis = <T extends { object: { id: string } }>(all: T[]) =>
      all.filter((e) => e.object.id === upload.id || e.object.id === assetId);
    const events = await client.until(
      'the upload and asset events to be delivered',
      async () =>
        Promise.all(
          (await receiver.received()).map(async (r) => ({
            ...(await mux.webhooks.unwrap(r.body, r.headers, secret)),
            raw: r,
          })),
        ),
      (all) => expected.every((type) => ofThis(all).some((e) => e.type === type)),
      120_000,
    );
    const ofThisUpload = ofThis(events);
    const types = ofThisUpload.map((e) => e.type);
    for (const type of expected) expect(types).toContain(type);
    // In order per object.
    expect(types.indexOf('video.upload.created')).toBeLessThan(types.indexOf('video.upload.asset_created'));
    expect(types.indexOf('video.asset.created')).toBeLessThan(types.indexOf('video.asset.ready'));
    const ready = ofThisUpload.find((e) => e.type === 'video.asset.ready');
    expect(ready?.data).toMatchObject({ id: assetId, status: 'ready', passthrough: 'hooked' });
    expect(ready?.environment?.id).toBe(config.environment);

    // The first POST was answered 500 and came again later: the log shows the failed attempt and the retry.
    type Entry = { event_id: string; attempt: number; outcome: string; response_status?: number };
    const entries = await client.until(
      'the failed delivery to be retried',
      async () =>
        (await client.request('GET', `/system/v1/webhooks/${endpointId}/deliveries?limit=100`)).json.data as Entry[],
      (log) => {
        const failed = log.find((d) => d.outcome === 'failed');
        return log.some((d) => d.event_id === failed?.event_id && d.outcome === 'delivered');
      },
      30_000,
    );
    const failed = entries.find((d) => d.outcome === 'failed');
    expect(failed).toMatchObject({ attempt: 1, response_status: 500 });
    expect(entries).toContainEqual(expect.objectContaining({ event_id: failed?.event_id, attempt: 2 }));

    expect((await client.request('DELETE', `/system/v1/webhooks/${endpointId}`)).status).toBe(204);
    const refused = await client.request('POST', '/system/v1/webhooks', { address: 'ftp://example.com/x' });
    expect(refused).toMatchObject({
      status: 400,
      json: { error: { type: 'invalid_parameters', messages: [expect.stringMatching(/^address: /)] } },
    });
  });
});
