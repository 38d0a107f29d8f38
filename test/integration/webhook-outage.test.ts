/**
 * A webhook receiver that is down for a long while — first answering 503, then refusing connections — while
 * uploads go through the platform. The pipeline does not wait for it (the assets become ready meanwhile); the
 * deliveries back off (exponentially, bounded: the local stack's schedule is 1 s doubling to 4 s, AWS's 30 s to
 * 1 h); and once the receiver is back every event arrives exactly once, each object's events in the order they
 * happened, with nothing left in the dead-letter queue.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import Mux from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator } from '../support/aws.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const config = needsPlatform('takes its receiver down for minutes and reads the webhook dead-letter queue');
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const dir = mkdtempSync(join(tmpdir(), 'gamma-hook-outage-'));
/** The local stack's backoff bound (lib/pipeline-stack.ts), and slack for starting a Lambda process per batch. */
const MAX_DELAY_S = 4;
const SLACK_S = 8;

interface Arrival {
  at: number;
  status: number;
  event: { id: string; type: string; object: { id: string }; created_at: string };
}
type LogEntry = { event_id: string; attempt: number; attempted_at: number; outcome: string; error?: string };

/** A receiver whose answer can be changed: 503, no listener at all, or 200. */
class Receiver {
  readonly arrivals: Arrival[] = [];
  mode: 'unavailable' | 'ok' = 'unavailable';
  private server?: Server;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.mode === 'ok' ? 200 : 503;
        this.arrivals.push({ at: Date.now(), status, event: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops listening: connections are refused until `start(port)` again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  delivered(ids: string[]): Arrival[] {
    return this.arrivals.filter((a) => a.status === 200 && ids.includes(a.event.object.id));
  }
}

describe('webhook receiver down for a long while', () => {
  const receiver = new Receiver();
  let endpointId: string;

  beforeAll(async () => {
    await receiver.start();
    const registered = await client.request('POST', '/system/v1/webhooks', {
      address: `http://127.0.0.1:${receiver.port}/hooks`,
    });
    expect(registered.status).toBe(201);
    endpointId = registered.json.data.id;
  });
  afterAll(async () => {
    await receiver.stop();
    if (endpointId) await client.request('DELETE', `/system/v1/webhooks/${endpointId}`);
  });

  it('backs off, delays nothing else, and delivers every event once and in order when it is back', async () => {
    const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
    const started = Date.now();
    const uploads = await Promise.all(
      [1, 2].map(() =>
        mux.video.uploads.create({ cors_origin: '*', new_asset_settings: { playback_policies: ['public'] } }),
      ),
    );
    for (const upload of uploads) expect(await client.put(upload.url as string, clip)).toBe(200);
    const assetIds = await Promise.all(uploads.map((u) => client.assetOfUpload(u.id)));
    const ids = [...uploads.map((u) => u.id), ...assetIds];

    // The pipeline goes on without the receiver: both assets are ready while every delivery still fails.
    const settled = await Promise.all(assetIds.map((id) => client.settledAsset(id)));
    expect(settled.map((a) => a.status)).toEqual(['ready', 'ready']);
    const readySeconds = (Date.now() - started) / 1000;
    expect(receiver.delivered(ids)).toEqual([]);
    expect(receiver.arrivals.length).toBeGreaterThan(0);

    // Then no listener at all for a while (connection refused).
    await receiver.stop();
    await new Promise((r) => setTimeout(r, 12_000));
    receiver.mode = 'ok';
    await receiver.start(receiver.port);
    const back = Date.now();

    const kinds = ['video.upload.created', 'video.upload.asset_created', 'video.asset.created', 'video.asset.ready'];
    const expected = uploads.length * kinds.length;
    await client.until(
      'every event to be delivered after the outage',
      async () => receiver.delivered(ids),
      (delivered) =>
        assetIds.every((id) =>
          delivered.some((a) => a.event.object.id === id && a.event.type === 'video.asset.ready'),
        ) && delivered.length >= expected,
      90_000,
    );
    const delivered = receiver.delivered(ids);

    // Nothing lost, nothing twice.
    for (const [i, upload] of uploads.entries()) {
      const types = delivered
        .filter((a) => [upload.id, assetIds[i]].includes(a.event.object.id))
        .map((a) => a.event.type);
      for (const kind of kinds) expect(types).toContain(kind);
    }
    const eventIds = delivered.map((a) => a.event.id);
    expect(new Set(eventIds).size).toBe(eventIds.length);

    // In order per object: arrival order is the order the events happened, created before ready.
    for (const id of ids) {
      const ofObject = delivered.filter((a) => a.event.object.id === id);
      const times = ofObject.map((a) => Date.parse(a.event.created_at));
      expect(times, `events of ${id} in arrival order`).toEqual([...times].sort((a, b) => a - b));
    }
    for (const assetId of assetIds) {
      const types = delivered.filter((a) => a.event.object.id === assetId).map((a) => a.event.type);
      expect(types.indexOf('video.asset.created')).toBeLessThan(types.indexOf('video.asset.ready'));
    }

    // Backoff: the attempts of the first event spread out (doubling), never further apart than the bound, and the
    // delivery came within one bound of the receiver's return.
    const log = (await client.request('GET', `/system/v1/webhooks/${endpointId}/deliveries?limit=100`)).json
      .data as LogEntry[];
    const first = uploads[0] && delivered.find((a) => a.event.object.id === uploads[0]?.id);
    const attempts = log.filter((d) => d.event_id === first?.event.id).sort((a, b) => a.attempted_at - b.attempted_at);
    const failures = attempts.filter((d) => d.outcome === 'failed');
    expect(failures.some((d) => /ECONNREFUSED/.test(d.error ?? ''))).toBe(true);
    expect(attempts.at(-1)?.outcome).toBe('delivered');
    const gaps = attempts.slice(1).map((d, i) => (d.attempted_at - (attempts[i]?.attempted_at ?? 0)) / 1000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_DELAY_S + SLACK_S);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(MAX_DELAY_S * 0.8);
    // A retry loop without backoff would have made an attempt every Lambda round trip (well under a second).
    const outageSeconds = (back - started) / 1000;
    expect(failures.length).toBeLessThan(outageSeconds / 1.5);
    const lastFailedAt = failures.at(-1)?.attempted_at ?? 0;
    expect((attempts.at(-1)?.attempted_at ?? 0) - lastFailedAt).toBeLessThanOrEqual((MAX_DELAY_S + SLACK_S) * 1000);

    // Nothing was parked in the dead-letter queue.
    const dlq = await new SQSClient(emulator(config)).send(
      new GetQueueAttributesCommand({
        QueueUrl: config.resources.WebhookDeadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Number(dlq.Attributes?.ApproximateNumberOfMessages)).toBe(0);
    console.info(
      `[webhook-outage] assets ready after ${readySeconds.toFixed(1)} s with the receiver down; ` +
        `outage ${outageSeconds.toFixed(1)} s; first event: ${failures.length} failed attempts, gaps ${gaps.map((g) => g.toFixed(1)).join(' ')} s`,
    );
  });
});
