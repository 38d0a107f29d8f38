/**
 * The master MP4's URL, signed when an asset is read (lambdas/core/usecases/master-urls.ts): the transcoder records
 * `{ status: 'ready', expires_at }` and holds no key; the API and the webhook fan-out add the URL.
 */
import { describe, expect, it } from 'vitest';
import { masterUrlExpiry, withMasterUrls } from '../../lambdas/core/usecases/master-urls.js';
import type { MediaChange } from '../../lambdas/core/usecases/notify.js';
import { createWebhookEndpoint, fanOutChange } from '../../lambdas/core/usecases/webhooks.js';
import { InMemoryEnvironments } from './access-fakes.js';
import { fakeResolve, InMemoryWebhooks, RecordingQueue } from './api-fakes.js';
import { preparingAsset } from './fakes.js';

const sign = async (assetId: string, expiresAt: number) =>
  `https://cdn.example/assets/${assetId}/master.mp4?E=${expiresAt}`;

describe('withMasterUrls', () => {
  it('signs each ready master without a URL, in an asset, a list and an event, until the hour after next day', async () => {
    const now = 1_800_000_100; // 100 s past a whole hour
    const body = {
      data: [{ id: 'a', master: { status: 'ready' } }, { id: 'b', master: { status: 'preparing' } }, { id: 'c' }],
      event: { type: 'video.asset.master.ready', data: { id: 'd', master: { status: 'ready' } } },
    };
    await withMasterUrls(body, sign, now);
    const expiry = 1_800_003_600 + 24 * 3600;
    expect(masterUrlExpiry(now)).toBe(expiry);
    expect(body.data[0]?.master).toEqual({
      status: 'ready',
      url: `https://cdn.example/assets/a/master.mp4?E=${expiry}`,
    });
    expect(body.data[1]?.master).toEqual({ status: 'preparing' });
    expect(body.data[2]).toEqual({ id: 'c' });
    expect(body.event.data.master).toEqual({
      status: 'ready',
      url: `https://cdn.example/assets/d/master.mp4?E=${expiry}`,
    });
  });

  it('keeps a URL already stored (masters written before this change), and changes nothing without a signer', async () => {
    const stored = { id: 'a', master: { status: 'ready', url: 'https://old.example/m.mp4' } };
    await withMasterUrls(stored, sign);
    expect(stored.master.url).toBe('https://old.example/m.mp4');
    const unsigned = { id: 'a', master: { status: 'ready' } };
    await withMasterUrls(unsigned, undefined);
    expect(unsigned.master).toEqual({ status: 'ready' });
  });
});

describe('the webhook fan-out', () => {
  it("sends `video.asset.master.ready` with the master's signed URL", async () => {
    const webhooks = new InMemoryWebhooks();
    const resolve = fakeResolve({ 'a.example': ['93.184.216.34'] });
    await createWebhookEndpoint({ address: 'https://a.example/hook' }, { env: 'env1', webhooks, resolve });
    const ready = preparingAsset({ status: 'ready', master_access: 'temporary' });
    const change: MediaChange = {
      kind: 'asset',
      eventId: 'evt1',
      at: new Date('2026-01-01T00:00:00Z'),
      before: { ...ready, master: { status: 'preparing' } },
      after: { ...ready, master: { status: 'ready', expires_at: 1_800_000_000 } },
    };
    const queue = new RecordingQueue();
    expect(
      await fanOutChange(change, { webhooks, queue, environments: new InMemoryEnvironments(), masterUrl: sign }),
    ).toBe(1);
    expect(queue.jobs[0]?.event).toMatchObject({
      type: 'video.asset.master.ready',
      data: {
        id: 'asset1',
        master: {
          status: 'ready',
          url: expect.stringMatching(/^https:\/\/cdn\.example\/assets\/asset1\/master\.mp4\?E=\d+$/),
        },
      },
    });
  });
});
