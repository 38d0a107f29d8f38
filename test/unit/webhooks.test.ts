import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
import type { WebhookEndpoint } from '../../lambdas/core/ports.js';
import type { MediaChange } from '../../lambdas/core/usecases/notify.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  deliverWebhook,
  fanOutChange,
  listWebhookEndpoints,
  MAX_WEBHOOK_ENDPOINTS,
  updateWebhookEndpoint,
} from '../../lambdas/core/usecases/webhooks.js';
import { createWebhookDeliverHandler } from '../../lambdas/handlers/webhook-deliver.js';
import { InMemoryEnvironments } from './access-fakes.js';
import { fakeResolve, InMemoryWebhooks, RecordingQueue, ScriptedReceiver } from './api-fakes.js';
import { conditionFailed } from './dynamo-condition.js';
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

/** env1 is recorded under a name; env2 predates environment records. */
const environments = () => {
  const recorded = new InMemoryEnvironments();
  recorded.environments.set('env1', { id: 'env1', name: 'Production', created_at: 1_700_000_000 });
  return recorded;
};

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
    expect(JSON.stringify(await listWebhookEndpoints({ limit: 25, page: 1 }, { env: 'env1', webhooks }))).not.toContain(
      'secret',
    );

    const queue = new RecordingQueue();
    expect(await fanOutChange(readyChange, { webhooks, queue, environments: environments() })).toBe(2);

    // A disabled endpoint (PATCH enabled: false) gets nothing until it is enabled again.
    const off = await updateWebhookEndpoint(created.id, { enabled: false }, { env: 'env1', webhooks, resolve });
    expect(off).toMatchObject({ id: created.id, address: 'https://a.example/hook', enabled: false });
    expect(
      await fanOutChange(readyChange, { webhooks, queue: new RecordingQueue(), environments: environments() }),
    ).toBe(1);
    await updateWebhookEndpoint(created.id, { enabled: true }, { env: 'env1', webhooks, resolve });
    expect(queue.jobs.map((j) => j.env)).toEqual(['env1', 'env1']);
    // One order key per endpoint and object: each endpoint gets an asset's events in order, independently.
    const endpointIds = (await webhooks.listEndpoints('env1')).map((e) => e.id);
    expect(queue.jobs.map((j) => j.order_key).sort()).toEqual(endpointIds.map((id) => `${id}:asset1`).sort());
    expect(queue.jobs[0]?.event).toMatchObject({
      type: 'video.asset.ready',
      id: 'evt1',
      object: { type: 'asset', id: 'asset1' },
      environment: { id: 'env1', name: 'Production' },
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
    let n = 0;
    const create = (env: string) =>
      createWebhookEndpoint({ address: `https://a.example/hook/${n++}` }, { env, webhooks, resolve });
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
    await expect(create('env2')).resolves.toMatchObject({
      address: expect.stringMatching(/^https:\/\/a\.example\/hook\/\d+$/),
    });
  });

  it("puts an endpoint back in DynamoDB only while it still has the address written over (an update's undo)", async () => {
    const doc = mockClient(DynamoDBDocumentClient);
    const endpoint = { id: 'e1', env: 'env1', url: 'https://a.example/old', secret: 's', created_at: 1 };
    doc.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    const repo = new DynamoWebhookRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'webhooks');
    expect(await repo.putEndpoint(endpoint, 'https://a.example/new')).toBe(false);
    expect(doc.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_exists(#pk) AND #url = :url',
      ExpressionAttributeValues: { ':url': 'https://a.example/new' },
    });
    expect(await repo.putEndpoint(endpoint)).toBe(true);
    expect(doc.commandCalls(PutCommand)[1]?.args[0].input).not.toHaveProperty('ConditionExpression');
    doc.restore();
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

  it('refuses an address the environment already has (POST and PATCH) with a 400 naming the field', async () => {
    const webhooks = new InMemoryWebhooks();
    const ctx = { env: 'env1', webhooks, resolve };
    const first = await createWebhookEndpoint({ address: 'https://a.example/hook' }, ctx);
    const refused = {
      name: 'ValidationError',
      messages: [`address: the environment already has a webhook with this address (${first.id})`],
    };
    await expect(createWebhookEndpoint({ address: 'https://a.example/hook' }, ctx)).rejects.toMatchObject(refused);
    // Compared as the exact string: another spelling is another address; another environment may have the same one.
    await expect(createWebhookEndpoint({ address: 'https://a.example/hook/' }, ctx)).resolves.toBeDefined();
    await expect(
      createWebhookEndpoint({ address: 'https://a.example/hook' }, { ...ctx, env: 'env2' }),
    ).resolves.toBeDefined();
    expect(await webhooks.listEndpoints('env1')).toHaveLength(2);

    const second = await createWebhookEndpoint({ address: 'https://b.example/hook' }, ctx);
    await expect(updateWebhookEndpoint(second.id, { address: 'https://a.example/hook' }, ctx)).rejects.toMatchObject(
      refused,
    );
    expect((await webhooks.getEndpoint('env1', second.id))?.url).toBe('https://b.example/hook');
    // Its own address again, or another change with it, is no duplicate.
    await expect(
      updateWebhookEndpoint(second.id, { address: 'https://b.example/hook', enabled: false }, ctx),
    ).resolves.toMatchObject({ address: 'https://b.example/hook', enabled: false });
    // Deleting an endpoint frees its address.
    await webhooks.deleteEndpoint('env1', first.id);
    await expect(updateWebhookEndpoint(second.id, { address: 'https://a.example/hook' }, ctx)).resolves.toMatchObject({
      address: 'https://a.example/hook',
    });
  });

  it('never leaves an address twice when creates and updates race for it', async () => {
    const webhooks = new InMemoryWebhooks();
    const ctx = { env: 'env1', webhooks, resolve };
    const racing = await Promise.allSettled([
      createWebhookEndpoint({ address: 'https://a.example/hook' }, ctx),
      createWebhookEndpoint({ address: 'https://a.example/hook' }, ctx),
      createWebhookEndpoint({ address: 'https://a.example/hook' }, ctx),
    ]);
    const urls = async () => (await webhooks.listEndpoints('env1')).map((e) => e.url);
    expect((await urls()).filter((u) => u === 'https://a.example/hook').length).toBeLessThanOrEqual(1);
    expect(racing.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(2);

    const b = await createWebhookEndpoint({ address: 'https://b.example/hook' }, ctx);
    const c = await createWebhookEndpoint({ address: 'https://other.example/hook' }, ctx);
    await Promise.allSettled([
      updateWebhookEndpoint(b.id, { address: 'https://b.example/new' }, ctx),
      updateWebhookEndpoint(c.id, { address: 'https://b.example/new' }, ctx),
    ]);
    expect((await urls()).filter((u) => u === 'https://b.example/new').length).toBeLessThanOrEqual(1);
    expect(new Set(await urls()).size).toBe((await urls()).length);
  });

  it('does not bring back an endpoint deleted while its refused PATCH was undone', async () => {
    const webhooks = new InMemoryWebhooks();
    const ctx = { env: 'env1', webhooks, resolve };
    await createWebhookEndpoint({ address: 'https://a.example/hook' }, ctx);
    const b = await createWebhookEndpoint({ address: 'https://b.example/hook' }, ctx);
    // The PATCH's write lands while another endpoint takes that address, and a DELETE of b runs before its undo.
    const listEndpoints = webhooks.listEndpoints.bind(webhooks);
    let reads = 0;
    vi.spyOn(webhooks, 'listEndpoints').mockImplementation(async (env) => {
      reads += 1;
      if (reads === 2) {
        const stored = (await webhooks.getEndpoint('env1', b.id)) as WebhookEndpoint;
        await webhooks.putEndpoint({ ...stored, id: 'twin', url: 'https://other.example/new' });
        await deleteWebhookEndpoint(b.id, ctx);
      }
      return listEndpoints(env);
    });
    await expect(updateWebhookEndpoint(b.id, { address: 'https://other.example/new' }, ctx)).rejects.toMatchObject({
      messages: [expect.stringContaining('address: the environment already has a webhook with this address')],
    });
    expect(await webhooks.getEndpoint('env1', b.id)).toBeUndefined();
  });

  it("names the event's environment as Mux does, reading the name once per change and only for endpoints", async () => {
    const webhooks = new InMemoryWebhooks();
    const recorded = environments();
    const reads = vi.spyOn(recorded, 'get');
    // No endpoint: nothing queued, nothing read.
    expect(await fanOutChange(readyChange, { webhooks, queue: new RecordingQueue(), environments: recorded })).toBe(0);
    expect(reads).not.toHaveBeenCalled();

    for (const host of ['a', 'b', 'other'])
      await createWebhookEndpoint({ address: `https://${host}.example/hook` }, { env: 'env1', webhooks, resolve });
    // A change that implies two events (the asset's own and a text track's) for three endpoints: one read.
    const track = {
      id: 'track1',
      type: 'text',
      text_type: 'subtitles',
      text_source: 'uploaded',
      language_code: 'en',
      name: 'English',
      closed_captions: false,
      status: 'ready',
      created_at: 1_700_000_000_000,
    } as const;
    const withTrack: MediaChange = {
      ...readyChange,
      after: { ...preparingAsset(), status: 'ready', text_tracks: { track1: track } },
    };
    const queue = new RecordingQueue();
    const queued = await fanOutChange(withTrack, { webhooks, queue, environments: recorded });
    expect(queued).toBeGreaterThan(3);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(new Set(queue.jobs.map((j) => JSON.stringify(j.event.environment)))).toEqual(
      new Set([JSON.stringify({ id: 'env1', name: 'Production' })]),
    );

    // An environment made before environments were recorded is named by its id, as the API lists it.
    await createWebhookEndpoint({ address: 'https://a.example/hook' }, { env: 'env2', webhooks, resolve });
    const env2Change: MediaChange = {
      ...readyChange,
      before: { ...preparingAsset(), env: 'env2' },
      after: { ...preparingAsset(), env: 'env2', status: 'ready' },
    };
    const queue2 = new RecordingQueue();
    await fanOutChange(env2Change, { webhooks, queue: queue2, environments: recorded });
    expect(queue2.jobs[0]?.event.environment).toEqual({ id: 'env2', name: 'env2' });
  });

  it('queues nothing for a change that implies no event', async () => {
    const webhooks = new InMemoryWebhooks();
    await createWebhookEndpoint({ address: 'https://a.example/hook' }, { env: 'env1', webhooks, resolve });
    const queue = new RecordingQueue();
    const same: MediaChange = { ...readyChange, before: readyChange.after };
    expect(await fanOutChange(same, { webhooks, queue, environments: environments() })).toBe(0);
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
    await fanOutChange(readyChange, { webhooks, queue, environments: environments() });
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
    // Mux's whole envelope (the SDK's BaseWebhookEvent): the first attempt lists no earlier one.
    expect(event).toMatchObject({
      type: 'video.asset.ready',
      id: 'evt1',
      object: { type: 'asset', id: 'asset1' },
      created_at: '2026-01-01T00:00:00.000Z',
      environment: { id: 'env1', name: 'Production' },
      attempts: [],
      data: { id: 'asset1' },
    });
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

  it("lists this event's earlier failed attempts at this endpoint in `attempts`, oldest first", async () => {
    const { webhooks, endpoint, job, sender } = await setup([500, new Error('connect ECONNREFUSED'), 204]);
    const other = await createWebhookEndpoint(
      { address: 'https://b.example/hook' },
      { env: 'env1', webhooks, resolve },
    );
    // Another endpoint's failure, and another event's at this endpoint, are not this event's attempts here.
    const failure = {
      event_type: 'video.asset.ready',
      attempt: 1,
      attempted_at: 1,
      outcome: 'failed',
      response_status: 503,
      duration_ms: 1,
    } as const;
    await webhooks.recordDelivery({ ...failure, endpoint_id: other.id, event_id: 'evt1' });
    await webhooks.recordDelivery({ ...failure, endpoint_id: endpoint.id, event_id: 'evt0' });
    const reads = vi.spyOn(webhooks, 'listFailedAttempts');
    // Near the real time: the SDK refuses a signature more than 5 minutes old.
    const t0 = Date.now() - 120_000;
    let clock = t0;
    const now = () => clock;

    expect(await deliverWebhook(job, 1, { webhooks, sender, now })).toBe('failed');
    // The first receive reads nothing: there can be no earlier attempt.
    expect(reads).not.toHaveBeenCalled();
    clock += 30_000;
    expect(await deliverWebhook(job, 2, { webhooks, sender, now })).toBe('failed');
    // The endpoint moves meanwhile: each attempt shows the address it went to.
    await updateWebhookEndpoint(
      endpoint.id,
      { address: 'https://a.example/moved' },
      { env: 'env1', webhooks, resolve },
    );
    clock += 60_000;
    expect(await deliverWebhook(job, 3, { webhooks, sender, now })).toBe('delivered');

    const bodies = await Promise.all(
      sender.received.map((r) => mux.webhooks.unwrap(r.body, r.headers, endpoint.signing_secret)),
    );
    expect(bodies.map((b) => b.attempts.length)).toEqual([0, 1, 2]);
    const [first, second] = webhooks.deliveries.filter((d) => d.endpoint_id === endpoint.id && d.event_id === 'evt1');
    expect(bodies[2]?.attempts).toEqual([
      {
        id: first?.id,
        address: 'https://a.example/hook',
        created_at: new Date(t0).toISOString(),
        response_status_code: 500,
      },
      // No answer (connection refused): no status code.
      { id: second?.id, address: 'https://a.example/hook', created_at: new Date(t0 + 30_000).toISOString() },
    ]);
    expect(first?.id).toMatch(/^\w+$/);
    expect(first?.id).not.toBe(second?.id);
    expect(sender.received[2]?.url).toBe('https://a.example/moved');
    // The delivery log shows each attempt's id and address too.
    expect(webhooks.deliveries.at(-1)).toMatchObject({ address: 'https://a.example/moved', outcome: 'delivered' });
  });

  it('DynamoDB: keeps a failed attempt under its event as well as in the log, and lists them by event', async () => {
    const doc = mockClient(DynamoDBDocumentClient);
    doc.on(PutCommand).resolves({});
    const stored = {
      id: 'att1',
      endpoint_id: 'e1',
      address: 'https://a.example/hook',
      event_id: 'evt1',
      event_type: 'video.asset.ready',
      attempt: 1,
      attempted_at: 1_767_225_610_000,
      outcome: 'failed',
      response_status: 500,
      duration_ms: 12,
    } as const;
    doc.on(QueryCommand).resolves({ Items: [{ pk: 'attempts#e1#evt1', sk: '000001', ...stored, expires_at: 1 }] });
    const repo = new DynamoWebhookRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'webhooks');

    await repo.recordDelivery(stored);
    const items = doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(items.map((i) => i?.pk).sort()).toEqual(['attempts#e1#evt1', 'deliveries#e1']);
    expect(items.every((i) => typeof i?.expires_at === 'number')).toBe(true);
    doc.resetHistory();
    await repo.recordDelivery({ ...stored, attempt: 2, outcome: 'delivered', response_status: 200 });
    expect(doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.pk)).toEqual(['deliveries#e1']);

    expect(await repo.listFailedAttempts('e1', 'evt1')).toEqual([stored]);
    expect(doc.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':pk': 'attempts#e1#evt1',
    });
    doc.restore();
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
