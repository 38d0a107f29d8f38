import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import Mux from '@mux/mux-node';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoWebhookRepository } from '../../lambdas/core/adapters/dynamo-webhooks.js';
import { HttpWebhookSender } from '../../lambdas/core/adapters/http-webhook-sender.js';
import {
  retryDelaySeconds,
  verifyWebhookSignature,
  webhookSignature,
} from '../../lambdas/core/domain/webhook-signature.js';
import { logger } from '../../lambdas/core/logger.js';
import type { MediaChange } from '../../lambdas/core/usecases/notify.js';
import {
  createWebhookEndpoint,
  deliverWebhook,
  fanOutChange,
  listWebhookEndpoints,
  MAX_WEBHOOK_ENDPOINTS,
  updateWebhookEndpoint,
} from '../../lambdas/core/usecases/webhooks.js';
import { createWebhookDeliverHandler } from '../../lambdas/handlers/webhook-deliver.js';
import { fakeResolve, InMemoryWebhooks, RecordingQueue, ScriptedReceiver } from './api-fakes.js';
import { preparingAsset } from './fakes.js';

afterEach(() => vi.restoreAllMocks());

/** Public addresses for the example hosts. */
const resolve = fakeResolve({
  'a.example': ['93.184.216.34'],
  'b.example': ['93.184.216.35'],
  'other.example': ['93.184.216.36'],
  'internal.example': ['10.0.0.5'],
});

const mux = new Mux({ tokenId: 'x', tokenSecret: 'y' });

const readyChange: MediaChange = {
  kind: 'asset',
  eventId: 'evt1',
  at: new Date('2026-01-01T00:00:00Z'),
  before: preparingAsset(),
  after: { ...preparingAsset(), status: 'ready' },
};

describe('webhook signatures', () => {
  it('are accepted by the Mux SDK, and refused with another secret or a changed body', async () => {
    const body = JSON.stringify({ type: 'video.asset.ready', data: { id: 'a' } });
    const header = webhookSignature(body, 'secret1', Math.floor(Date.now() / 1000));
    await expect(mux.webhooks.unwrap(body, { 'mux-signature': header }, 'secret1')).resolves.toMatchObject({
      type: 'video.asset.ready',
    });
    await expect(mux.webhooks.verifySignature(body, { 'mux-signature': header }, 'secret2')).rejects.toThrow();
    await expect(mux.webhooks.verifySignature(`${body} `, { 'mux-signature': header }, 'secret1')).rejects.toThrow();
    expect(verifyWebhookSignature(body, header, 'secret1', { toleranceSeconds: 300 })).toBe(true);
    expect(verifyWebhookSignature(body, header, 'secret1', { nowSeconds: 0, toleranceSeconds: 300 })).toBe(false);
  });

  it("refuse a replay older than 5 minutes when the caller names no tolerance, as Mux's SDK does", () => {
    const body = '{"type":"video.asset.ready"}';
    const now = 1_800_000_000;
    const header = webhookSignature(body, 'secret1', now - 301);
    expect(verifyWebhookSignature(body, header, 'secret1', { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(body, header, 'secret1', { nowSeconds: now - 2 })).toBe(true);
    expect(verifyWebhookSignature(body, header, 'secret1', { nowSeconds: now, toleranceSeconds: 3600 })).toBe(true);
  });

  it('back off exponentially up to the schedule bound, jitter staying under it', () => {
    const schedule = { baseSeconds: 30, maxSeconds: 3600 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelaySeconds(n, schedule, () => 0))).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]);
    expect(retryDelaySeconds(4, schedule, () => 1)).toBe(192);
    expect(retryDelaySeconds(100, schedule, () => 0.5)).toBe(3240);
    // Locally the same schedule runs in seconds; SQS's 12-hour visibility limit caps any configuration.
    expect(retryDelaySeconds(3, { baseSeconds: 1, maxSeconds: 4 }, () => 0)).toBe(4);
    expect(retryDelaySeconds(40, { baseSeconds: 30, maxSeconds: 86_400 }, () => 0)).toBe(43_200);
  });
});

describe('webhook endpoints and fan-out', () => {
  it('queues an event once per endpoint of its environment only, and shows the secret only on creation', async () => {
    const webhooks = new InMemoryWebhooks();
    const created = await createWebhookEndpoint(
      { address: 'https://a.example/hook' },
      { env: 'env1', webhooks, resolve },
    );
    await createWebhookEndpoint({ address: 'https://b.example/hook' }, { env: 'env1', webhooks, resolve });
    await createWebhookEndpoint({ address: 'https://other.example/hook' }, { env: 'env2', webhooks, resolve });
    expect(created.signing_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await listWebhookEndpoints({ env: 'env1', webhooks }))).not.toContain('secret');

    const queue = new RecordingQueue();
    expect(await fanOutChange(readyChange, { webhooks, queue })).toBe(2);

    // A disabled endpoint (PATCH enabled: false) gets nothing until it is enabled again.
    const off = await updateWebhookEndpoint(created.id, { enabled: false }, { env: 'env1', webhooks, resolve });
    expect(off).toMatchObject({ id: created.id, address: 'https://a.example/hook', enabled: false });
    expect(await fanOutChange(readyChange, { webhooks, queue: new RecordingQueue() })).toBe(1);
    await updateWebhookEndpoint(created.id, { enabled: true }, { env: 'env1', webhooks, resolve });
    expect(queue.jobs.map((j) => j.env)).toEqual(['env1', 'env1']);
    // One order key per endpoint and object: each endpoint gets an asset's events in order, independently.
    const endpointIds = (await webhooks.listEndpoints('env1')).map((e) => e.id);
    expect(queue.jobs.map((j) => j.order_key).sort()).toEqual(endpointIds.map((id) => `${id}:asset1`).sort());
    expect(queue.jobs[0]?.event).toMatchObject({
      type: 'video.asset.ready',
      id: 'evt1',
      object: { type: 'asset', id: 'asset1' },
      environment: { id: 'env1' },
      data: { id: 'asset1', status: 'ready' },
    });
  });

  it('refuses endpoint URLs inside a network (the Lambda runtime API, metadata, private hosts)', async () => {
    const webhooks = new InMemoryWebhooks();
    for (const url of [
      'http://127.0.0.1:9001/2018-06-01/runtime',
      'http://169.254.169.254/',
      'https://internal.example/h',
    ]) {
      await expect(createWebhookEndpoint({ address: url }, { env: 'env1', webhooks, resolve })).rejects.toMatchObject({
        messages: [expect.stringMatching(/^address: is refused/)],
      });
    }
    expect(webhooks.endpoints.size).toBe(0);
  });

  it('refuses a 21st endpoint of an environment with a 400 naming the limit, also when creates race', async () => {
    const webhooks = new InMemoryWebhooks();
    const create = (env: string) =>
      createWebhookEndpoint({ address: 'https://a.example/hook' }, { env, webhooks, resolve });
    for (let i = 0; i < MAX_WEBHOOK_ENDPOINTS - 1; i++) await create('env1');
    const racing = await Promise.allSettled([create('env1'), create('env1'), create('env1')]);
    expect((await webhooks.listEndpoints('env1')).length).toBeLessThanOrEqual(MAX_WEBHOOK_ENDPOINTS);
    expect(racing.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(2);
    while ((await webhooks.listEndpoints('env1')).length < MAX_WEBHOOK_ENDPOINTS) await create('env1');
    await expect(create('env1')).rejects.toMatchObject({
      name: 'ValidationError',
      messages: [
        'address: an environment has at most 20 webhooks; delete one (DELETE /system/v1/webhooks/{WEBHOOK_ID}) to add another',
      ],
    });
    expect(await webhooks.listEndpoints('env1')).toHaveLength(MAX_WEBHOOK_ENDPOINTS);
    await expect(create('env2')).resolves.toMatchObject({ address: 'https://a.example/hook' });
  });

  it('lists every endpoint from DynamoDB, following the pages of a query past 1 MB', async () => {
    const doc = mockClient(DynamoDBDocumentClient);
    const item = (id: string) => ({ id, env: 'env1', url: `https://a.example/${id}`, secret: 's', created_at: 1 });
    doc
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('e1')], LastEvaluatedKey: { pk: 'env#env1', sk: 'endpoint#e1' } })
      .resolvesOnce({ Items: [item('e2')] });
    const repo = new DynamoWebhookRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'webhooks');
    expect((await repo.listEndpoints('env1')).map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(doc.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      pk: 'env#env1',
      sk: 'endpoint#e1',
    });
    doc.restore();
  });

  it('queues nothing for a change that implies no event', async () => {
    const webhooks = new InMemoryWebhooks();
    await createWebhookEndpoint({ address: 'https://a.example/hook' }, { env: 'env1', webhooks, resolve });
    const queue = new RecordingQueue();
    const same: MediaChange = { ...readyChange, before: readyChange.after };
    expect(await fanOutChange(same, { webhooks, queue })).toBe(0);
  });
});

describe('webhook delivery', () => {
  async function setup(script: (number | Error)[]) {
    const webhooks = new InMemoryWebhooks();
    const endpoint = await createWebhookEndpoint(
      { address: 'https://a.example/hook' },
      { env: 'env1', webhooks, resolve },
    );
    const queue = new RecordingQueue();
    await fanOutChange(readyChange, { webhooks, queue });
    const job = queue.jobs[0];
    if (!job) throw new Error('no job');
    return { webhooks, endpoint, job, sender: new ScriptedReceiver(script) };
  }

  it('POSTs the envelope signed so the Mux SDK verifies it, and logs the attempt', async () => {
    const { webhooks, endpoint, job, sender } = await setup([204]);
    expect(await deliverWebhook(job, 1, { webhooks, sender })).toBe('delivered');
    const [post] = sender.received;
    expect(post?.url).toBe('https://a.example/hook');
    const event = await mux.webhooks.unwrap(post?.body ?? '', post?.headers ?? {}, endpoint.signing_secret);
    expect(event).toMatchObject({ type: 'video.asset.ready', data: { id: 'asset1' } });
    expect(webhooks.deliveries).toMatchObject([
      { endpoint_id: endpoint.id, event_id: 'evt1', attempt: 1, outcome: 'delivered', response_status: 204 },
    ]);
  });

  it('reports a non-2xx answer or no answer as failed, and an endpoint deleted meanwhile as gone', async () => {
    const { webhooks, endpoint, job, sender } = await setup([500, new Error('connect ECONNREFUSED')]);
    expect(await deliverWebhook(job, 1, { webhooks, sender })).toBe('failed');
    expect(await deliverWebhook(job, 2, { webhooks, sender })).toBe('failed');
    expect(webhooks.deliveries.map((d) => d.response_status ?? d.error)).toEqual([500, 'connect ECONNREFUSED']);
    await webhooks.deleteEndpoint('env1', endpoint.id);
    expect(await deliverWebhook(job, 3, { webhooks, sender })).toBe('endpoint_gone');
    expect(sender.received).toHaveLength(2);
  });

  const record = (messageId: string, receiveCount: number, body: string, group?: string) => ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount), ...(group && { MessageGroupId: group }) },
  });
  const quietLogs = () => {
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    return vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  };
  const retry = { baseSeconds: 10, maxSeconds: 60 };

  it('handler: a failed record is postponed by the backoff delay and reported; the others are acked', async () => {
    const { webhooks, job } = await setup([]);
    const sender = new ScriptedReceiver([200, 503]);
    const queue = new RecordingQueue();
    const handler = createWebhookDeliverHandler(() => ({ webhooks, sender, queue, retry }));
    const body = JSON.stringify(job);
    const event = {
      Records: [record('ok', 1, body, 'g1'), record('fails', 3, body, 'g2'), record('garbage', 1, '{"nope":1}', 'g3')],
    } as unknown as SQSEvent;

    const logged = quietLogs();
    const result = await handler(event);
    expect(logged).toHaveBeenCalledWith('Dropping a malformed webhook message', expect.anything());
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'fails' }]);
    expect(queue.postponed).toHaveLength(1);
    expect(queue.postponed[0]?.receiptHandle).toBe('rh-fails');
    // Third receive: 10 s doubled twice, less up to 20% jitter.
    expect(queue.postponed[0]?.delaySeconds).toBeGreaterThanOrEqual(32);
    expect(queue.postponed[0]?.delaySeconds).toBeLessThanOrEqual(40);
  });

  it('handler: a failure holds back the later events of its group, not other groups', async () => {
    const { webhooks, job } = await setup([]);
    const event = (type: string) => JSON.stringify({ ...job, event: { ...job.event, id: type, type } });
    // Group a: created fails, so updated and ready must wait; group b is delivered meanwhile.
    const sender = new ScriptedReceiver([503, 200]);
    const queue = new RecordingQueue();
    const handler = createWebhookDeliverHandler(() => ({ webhooks, sender, queue, retry }));
    const records = [
      record('a1', 1, event('video.asset.created'), 'a'),
      record('b1', 1, event('video.upload.created'), 'b'),
      record('a2', 1, event('video.asset.updated'), 'a'),
      record('a3', 1, event('video.asset.ready'), 'a'),
    ];

    quietLogs();
    const result = await handler({ Records: records } as unknown as SQSEvent);

    expect(sender.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'video.asset.created',
      'video.upload.created',
    ]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a1', 'a2', 'a3']);
    // All three come back after the same delay, so the group resumes in order with its first event.
    const delays = new Set(queue.postponed.map((p) => p.delaySeconds));
    expect(queue.postponed.map((p) => p.receiptHandle).sort()).toEqual(['rh-a1', 'rh-a2', 'rh-a3']);
    expect(delays.size).toBe(1);
  });
});

describe('HttpWebhookSender', () => {
  it('POSTs to a receiver, and refuses one on an internal address unless loopback is allowed', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://localhost:${(server.address() as AddressInfo).port}/hook`;
    try {
      await expect(new HttpWebhookSender().post(url, '{"a":1}', {})).rejects.toThrow(/private, loopback/);
      expect(await new HttpWebhookSender({ allowLoopback: true }).post(url, '{"a":1}', {})).toEqual({ status: 202 });
      expect(bodies).toEqual(['{"a":1}']);
    } finally {
      server.close();
    }
  });
});
