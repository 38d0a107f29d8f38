import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpWebhookSender } from '../../lambdas/core/adapters/http-webhook-sender.js';
import { logger } from '../../lambdas/core/logger.js';
import { createWebhookDeliverHandler } from '../../lambdas/handlers/webhook-deliver.js';
import { InMemoryWebhooks, RecordingQueue, ScriptedReceiver } from './api-fakes.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

/** A receiver that answers a status line, then one header byte every 50 ms, never finishing its headers. */
async function tricklingReceiver(): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write('HTTP/1.1 200 OK\r\nX-Slow: ');
    const drip = setInterval(() => socket.write('a'), 50);
    socket.on('close', () => clearInterval(drip));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

async function quickReceiver(): Promise<string> {
  const server = createHttpServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  servers.push(server as unknown as Server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

const loopback = { allowLoopback: true };
const retry = { baseSeconds: 10, maxSeconds: 60 };

const record = (messageId: string, endpointId: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: JSON.stringify({
    endpoint_id: endpointId,
    env: 'env1',
    order_key: `${endpointId}:asset1`,
    event: { id: `evt-${messageId}`, type: 'video.asset.ready' },
  }),
  attributes: { ApproximateReceiveCount: '1', MessageGroupId: `${endpointId}:asset1` },
});

async function endpoints(urls: Record<string, string>): Promise<InMemoryWebhooks> {
  const webhooks = new InMemoryWebhooks();
  for (const [id, url] of Object.entries(urls)) {
    await webhooks.putEndpoint({ id, env: 'env1', url, secret: 's', created_at: 1 });
  }
  return webhooks;
}

const quietLogs = () => {
  for (const level of ['info', 'warn', 'error'] as const) vi.spyOn(logger, level).mockImplementation(() => undefined);
};

describe('webhook delivery deadline', () => {
  it('cuts off a receiver that keeps its socket busy by trickling headers (an idle timeout never fires)', async () => {
    const url = await tricklingReceiver();
    await expect(new HttpWebhookSender(loopback, 300).post(url, '{}', {})).rejects.toThrow('No answer within 300 ms');
  });

  it('handler: a slow endpoint fails its own record only; the other endpoint is delivered and acked', async () => {
    const webhooks = await endpoints({ slow: await tricklingReceiver(), quick: await quickReceiver() });
    const queue = new RecordingQueue();
    const sender = new HttpWebhookSender(loopback, 300);
    const handler = createWebhookDeliverHandler(() => ({ webhooks, sender, queue, retry }));
    quietLogs();
    const result = await handler({ Records: [record('s1', 'slow'), record('q1', 'quick')] } as unknown as SQSEvent);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 's1' }]);
    expect(webhooks.deliveries.map((d) => [d.endpoint_id, d.outcome])).toEqual(
      expect.arrayContaining([
        ['slow', 'failed'],
        ['quick', 'delivered'],
      ]),
    );
  });

  it('handler: with too little of the function left, records are reported failed unattempted, not timed out', async () => {
    const webhooks = await endpoints({ e1: 'https://a.example/hook' });
    const sender = new ScriptedReceiver([200]);
    const handler = createWebhookDeliverHandler(() => ({ webhooks, sender, queue: new RecordingQueue(), retry }));
    const context = { getRemainingTimeInMillis: () => 1_000 } as unknown as Context;
    vi.spyOn(logger, 'addContext').mockImplementation(() => undefined);
    quietLogs();
    const result = await handler({ Records: [record('r1', 'e1'), record('r2', 'e1')] } as unknown as SQSEvent, context);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['r1', 'r2']);
    expect(sender.received).toHaveLength(0);
  });
});
