/**
 * Nobody let in: every API route and the WebSocket's $connect refuse a missing or wrong token; one environment's
 * token can neither see nor delete another's uploads and assets; and no secret reaches the logs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DynamoTokenRepository } from '../../lambdas/core/adapters/dynamo-tokens.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import { STATE_DIR } from '../../scripts/local/platform.js';
import { emulator } from '../support/aws.js';
import { GammaClient } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const config = needsPlatform('searches the log of the emulator the tests start for token secrets');
const client = new GammaClient(config);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Every route of the API, with ids that need not exist: the token is checked before anything is looked up. */
const ROUTES: [string, string][] = [
  ['POST', '/video/v1/uploads'],
  ['GET', '/video/v1/uploads'],
  ['GET', '/video/v1/uploads/u1'],
  ['PUT', '/video/v1/uploads/u1/cancel'],
  ['GET', '/video/v1/assets'],
  ['GET', '/video/v1/assets/a1'],
  ['PATCH', '/video/v1/assets/a1'],
  ['DELETE', '/video/v1/assets/a1'],
  ['POST', '/video/v1/assets/a1/playback-ids'],
  ['GET', '/video/v1/assets/a1/playback-ids/p1'],
  ['DELETE', '/video/v1/assets/a1/playback-ids/p1'],
  ['GET', '/video/v1/playback-ids/p1'],
  ['POST', '/system/v1/webhooks'],
  ['GET', '/system/v1/webhooks'],
  ['DELETE', '/system/v1/webhooks/w1'],
  ['GET', '/system/v1/webhooks/w1/deliveries'],
];

let other: GammaClient;
let otherSecret: string;
beforeAll(async () => {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(emulator(config)));
  const token = await createToken('other', 'security test: a second environment', {
    tokens: new DynamoTokenRepository(doc, config.resources.TokensTableName as string),
  });
  otherSecret = token.secret;
  other = new GammaClient({ ...config, tokenId: token.id, tokenSecret: token.secret });
});

describe('API authentication', () => {
  const attempts: [string, Record<string, string>][] = [
    ['no token', {}],
    ['a wrong secret', { authorization: basic(config.tokenId, 'not-the-secret') }],
    ['an unknown token', { authorization: basic('nosuchtoken', config.tokenSecret) }],
    ['a bearer token', { authorization: `Bearer ${config.tokenSecret}` }],
    ['garbage', { authorization: 'Basic %%%' }],
  ];
  for (const [what, headers] of attempts) {
    it(`refuses ${what} on every route`, async () => {
      const statuses = await Promise.all(
        ROUTES.map(async ([method, path]) => {
          const res = await fetch(`${config.apiUrl}${path}`, {
            method,
            headers: { ...headers, 'content-type': 'application/json' },
            ...(method !== 'GET' && method !== 'DELETE' && { body: '{}' }),
          });
          return `${method} ${path} ${res.status}`;
        }),
      );
      expect(statuses.filter((s) => !/ 40[13]$/.test(s))).toEqual([]);
    });
  }
});

describe('environments', () => {
  it("cannot see or delete another environment's upload and asset", async () => {
    const upload = await client.createUpload();
    // Any object will do: the asset is created when a file arrives, whatever becomes of its transcode.
    expect((await fetch(upload.url, { method: 'PUT', body: 'not a video' })).status).toBe(200);
    const assetId = await client.assetOfUpload(upload.id);

    expect((await other.request('GET', `/video/v1/uploads/${upload.id}`)).status).toBe(404);
    expect((await other.request('GET', `/video/v1/assets/${assetId}`)).status).toBe(404);
    expect((await other.request('PATCH', `/video/v1/assets/${assetId}`, { passthrough: 'x' })).status).toBe(404);
    expect((await other.request('DELETE', `/video/v1/assets/${assetId}`)).status).toBe(404);
    expect((await other.request('PUT', `/video/v1/uploads/${upload.id}/cancel`)).status).toBe(404);
    const listed = (await other.request('GET', '/video/v1/assets?limit=100')).json.data as { id: string }[];
    expect(listed.map((a) => a.id)).not.toContain(assetId);

    const mine = await client.request('GET', `/video/v1/assets/${assetId}`);
    expect(mine.status).toBe(200);
    expect(mine.json.data.status).not.toBe('deleted');
  });
});

describe('WebSocket $connect', () => {
  const connect = (token: string | undefined) =>
    new Promise<'open' | 'refused'>((resolve) => {
      const url =
        token === undefined ? config.websocketUrl : `${config.websocketUrl}?token=${encodeURIComponent(token)}`;
      const ws = new WebSocket(url);
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('unexpected-response', () => resolve('refused'));
      ws.once('error', () => resolve('refused'));
    });

  it('refuses a missing or wrong token and accepts a valid one', async () => {
    expect(await connect(undefined)).toBe('refused');
    expect(await connect(`${config.tokenId}:wrong`)).toBe('refused');
    expect(await connect('garbage')).toBe('refused');
    expect(await connect(`${config.tokenId}:${config.tokenSecret}`)).toBe('open');
  });

  it('refuses a token without video:read (its events would carry the assets that token may not read)', async () => {
    const client = new GammaClient(config);
    const minted = await client.request('POST', '/system/v1/access-tokens', {
      name: 'system only',
      permissions: ['system:write'],
    });
    expect(minted.status, JSON.stringify(minted.json)).toBe(201);
    const { id, secret } = minted.json.data;
    try {
      expect(await connect(`${id}:${secret}`)).toBe('refused');
    } finally {
      await client.request('DELETE', `/system/v1/access-tokens/${id}`);
    }
  });
});

describe('logs', () => {
  it('never contain a token secret', async () => {
    // The emulator's log (with every Lambda's output) of this run: the folder holding this emulator's outputs.
    const port = new URL(config.endpoint).port;
    const root = join(STATE_DIR, 'test-logs');
    const folder = readdirSync(root).find((d) => readdirSync(join(root, d)).includes(`cdk-outputs-${port}.json`));
    expect(folder, 'the log folder of this run').toBeDefined();
    const log = readFileSync(join(root, folder as string, 'ministack.log'), 'utf8');
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('"level":"INFO"'); // the functions' structured logs are there to be searched
    expect(log.includes(config.tokenSecret)).toBe(false);
    expect(log.includes(otherSecret)).toBe(false);
  });
});
