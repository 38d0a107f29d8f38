import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanUp, ingestObjectOf } from '../../scripts/test-deployed/cleanup.js';
import type { Target } from '../support/target.js';

const target: Target = {
  apiUrl: 'https://api.example.com',
  websocketUrl: 'wss://ws.example.com/live',
  streamUrl: 'https://stream.example.com',
  tokenId: 'tok',
  tokenSecret: 'secret',
  environment: 'deployed-run-abc',
  region: 'eu-west-1',
  local: false,
  resources: { MediaTableName: 'media', TokensTableName: 'tokens', WebhooksTableName: 'webhooks' },
};

describe('ingestObjectOf', () => {
  it('reads the bucket and key of a presigned URL, path-style or virtual-hosted', () => {
    expect(ingestObjectOf('http://127.0.0.1:4566/ingest-b/uploads/u1?X-Amz-Signature=x')).toEqual({
      bucket: 'ingest-b',
      key: 'uploads/u1',
    });
    expect(ingestObjectOf('https://ingest-b.s3.eu-west-1.amazonaws.com/uploads/u1?X-Amz-Signature=x')).toEqual({
      bucket: 'ingest-b',
      key: 'uploads/u1',
    });
    expect(ingestObjectOf('https://example.com/')).toBeUndefined();
  });
});

describe('cleanUp', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const s3 = mockClient(S3Client);
  /** The API as the run's token sees it, changed by the cleanup's own calls. */
  let api: {
    assets: string[];
    uploads: { id: string; status: string; asset_id?: string; url: string }[];
    hooks: string[];
    keys: string[];
    restrictions: string[];
  };
  const calls: string[] = [];

  beforeEach(() => {
    ddb.reset();
    s3.reset();
    calls.length = 0;
    api = {
      assets: ['a1'],
      uploads: [
        { id: 'u1', status: 'asset_created', asset_id: 'a1', url: 'http://e/ingest/uploads/u1' },
        { id: 'u2', status: 'waiting', url: 'http://e/ingest/uploads/u2' },
      ],
      hooks: ['w1'],
      keys: ['k1'],
      restrictions: ['r1'],
    };
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const path = new URL(url).pathname;
      const method = init.method ?? 'GET';
      calls.push(`${method} ${path}`);
      expect(new Headers(init.headers).get('authorization')).toBe(
        `Basic ${Buffer.from('tok:secret').toString('base64')}`,
      );
      const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
      if (method === 'GET' && path === '/video/v1/assets') return json({ data: api.assets.map((id) => ({ id })) });
      if (method === 'GET' && path === '/video/v1/uploads') return json({ data: api.uploads });
      if (method === 'GET' && path === '/system/v1/webhooks') return json({ data: api.hooks.map((id) => ({ id })) });
      if (method === 'GET' && path === '/system/v1/signing-keys') return json({ data: api.keys.map((id) => ({ id })) });
      if (method === 'GET' && path === '/video/v1/playback-restrictions') {
        return json({ data: api.restrictions.map((id) => ({ id })) });
      }
      if (method === 'DELETE' && path.startsWith('/video/v1/assets/')) api.assets = [];
      if (method === 'DELETE' && path.startsWith('/system/v1/webhooks/')) api.hooks = [];
      if (method === 'DELETE' && path.startsWith('/system/v1/signing-keys/')) api.keys = [];
      if (method === 'DELETE' && path.startsWith('/video/v1/playback-restrictions/')) api.restrictions = [];
      return new Response(null, { status: 204 });
    });
    ddb.on(QueryCommand, { IndexName: 'byEnv' }).resolves({ Items: [{ id: 'u3' }] });
    ddb.on(QueryCommand, { TableName: 'webhooks' }).resolves({ Items: [{ sk: 'd1' }] });
    ddb.on(DeleteCommand, { TableName: 'media' }).callsFake(async () => {
      api.uploads = [];
      return {};
    });
    ddb.on(ScanCommand).resolves({ Items: [{ id: 'tok' }, { id: 'tok2' }] });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("removes the environment's objects through the API, then its records, files and tokens", async () => {
    const removeReceiver = vi.fn(async () => {});
    const left = await cleanUp(target, {
      doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      s3: new S3Client({ region: 'eu-west-1' }),
      createdEndpoints: ['w0'],
      removeReceiver,
      log: () => {},
    });

    expect(left).toEqual({ assets: [], uploads: [], webhookEndpoints: [], signingKeys: [], playbackRestrictions: [] });
    expect(calls).toEqual(
      expect.arrayContaining([
        'DELETE /video/v1/assets/a1',
        'PUT /video/v1/uploads/u2/cancel',
        'DELETE /system/v1/webhooks/w1',
        'DELETE /system/v1/signing-keys/k1',
        'DELETE /video/v1/playback-restrictions/r1',
      ]),
    );
    expect(removeReceiver).toHaveBeenCalledOnce();
    // Only the file of the upload that never became an asset; the asset's deletion took the other.
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'ingest', Key: 'uploads/u2' },
    ]);
    const deletes = ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input);
    // Records of this environment only: each media delete is conditioned on it.
    const media = deletes.filter((d) => d.TableName === 'media');
    expect(media.map((d) => d.Key?.pk).sort()).toEqual(['asset#a1', 'upload#u1', 'upload#u2', 'upload#u3']);
    for (const d of media) expect(d.ExpressionAttributeValues).toEqual({ ':env': 'deployed-run-abc' });
    // Delivery logs of the listed endpoint and of the one a test deleted itself.
    expect(deletes.filter((d) => d.TableName === 'webhooks').map((d) => d.Key?.pk)).toEqual([
      'deliveries#w1',
      'deliveries#w0',
    ]);
    // Tokens found by the environment's prefix.
    const scan = ddb.commandCalls(ScanCommand)[0]?.args[0].input;
    expect(scan?.ExpressionAttributeValues).toEqual({ ':env': 'deployed-run-abc' });
    expect(deletes.filter((d) => d.TableName === 'tokens').map((d) => d.Key?.id)).toEqual(['tok', 'tok2']);
  });

  it('reports what it could not remove', async () => {
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const path = new URL(url).pathname;
      if ((init.method ?? 'GET') !== 'GET') return new Response('{"error":{"messages":["no"]}}', { status: 500 });
      const data = path === '/video/v1/assets' ? [{ id: 'stuck' }] : [];
      return new Response(JSON.stringify({ data }), { status: 200 });
    });
    const logged: string[] = [];
    const left = await cleanUp(target, {
      doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      s3: new S3Client({ region: 'eu-west-1' }),
      createdEndpoints: [],
      log: (line) => logged.push(line),
    });
    expect(left.assets).toEqual(['stuck']);
    expect(logged.join('\n')).toContain('delete asset stuck');
  });
});
