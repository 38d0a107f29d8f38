/**
 * Bad requests through the deployed API (issue 7): malformed JSON, wrong types and unknown fields on every endpoint
 * that takes a body are refused with Mux's 400 naming the problem, and change nothing; metadata with path
 * separators, unicode and control characters round-trips exactly, while 10 KB strings are refused by name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GammaClient } from '../support/client.js';
import { target } from '../support/target.js';

const client = new GammaClient(target());

type ErrorBody = { error: { type: string; messages: string[] } };

describe('bad requests', () => {
  let uploadId: string;
  let assetId: string;

  beforeAll(async () => {
    uploadId = (await client.createUpload()).id;
    // An asset from an input URL nothing answers: it ends errored, which is all these requests need.
    const created = await client.request('POST', '/video/v1/assets', {
      inputs: [{ url: 'http://127.0.0.1:9/nothing.mp4' }],
      playback_policies: ['public'],
    });
    expect(created.status).toBe(201);
    assetId = created.json.data.id;
  });

  /** Every route that takes a JSON body, with a valid body's wrong-typed and unknown-field variants. */
  const routes = () => [
    {
      name: 'create upload',
      method: 'POST',
      path: '/video/v1/uploads',
      wrongType: { timeout: 'soon' },
      field: 'timeout',
    },
    {
      name: 'create asset',
      method: 'POST',
      path: '/video/v1/assets',
      wrongType: { inputs: 'http://x' },
      field: 'inputs',
    },
    {
      name: 'update asset',
      method: 'PATCH',
      path: `/video/v1/assets/${assetId}`,
      wrongType: { passthrough: 42 },
      field: 'passthrough',
    },
    {
      name: 'create playback id',
      method: 'POST',
      path: `/video/v1/assets/${assetId}/playback-ids`,
      wrongType: { policy: ['public'] },
      field: 'policy',
    },
    {
      name: 'start multipart',
      method: 'POST',
      path: `/video/v1/uploads/${uploadId}/parts`,
      wrongType: { size: '40MB' },
      field: 'size',
    },
    {
      name: 'complete multipart',
      method: 'POST',
      path: `/video/v1/uploads/${uploadId}/complete`,
      wrongType: { parts: 'all' },
      field: 'parts',
    },
    {
      name: 'add webhook endpoint',
      method: 'POST',
      path: '/system/v1/webhooks',
      wrongType: { address: 7 },
      field: 'address',
    },
  ];

  it('refuses malformed JSON on every endpoint that takes a body', async () => {
    for (const route of routes()) {
      for (const body of ['{"timeout": ', 'not json', '[1, 2', '{"a":1}}']) {
        const res = await client.request(route.method, route.path, body);
        expect(res.status, `${route.name} with ${body}`).toBe(400);
        expect((res.json as ErrorBody).error.type, route.name).toBe('invalid_parameters');
        expect((res.json as ErrorBody).error.messages.join(' '), route.name).toMatch(/JSON/i);
      }
    }
  });

  it('refuses wrong types and unknown fields on every endpoint that takes a body, naming the field', async () => {
    for (const route of routes()) {
      const wrong = await client.request(route.method, route.path, route.wrongType);
      expect(wrong.status, `${route.name}: wrong type`).toBe(400);
      expect((wrong.json as ErrorBody).error.messages.join(' '), route.name).toContain(route.field);

      const unknown = await client.request(route.method, route.path, { ...route.wrongType, colour: 'blue' });
      expect(unknown.status, `${route.name}: unknown field`).toBe(400);
      expect((unknown.json as ErrorBody).error.messages.join(' '), route.name).toContain('colour');
    }
  });

  it('changed nothing while refusing: the upload still waits, the asset keeps its one playback id', async () => {
    expect((await client.request('GET', `/video/v1/uploads/${uploadId}`)).json.data.status).toBe('waiting');
    const asset = (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data;
    expect(asset.playback_ids).toHaveLength(1);
    expect(asset.passthrough).toBeUndefined();
  });

  it('keeps titles and passthrough with path separators, unicode and control characters exactly', async () => {
    const title = '../../etc/passwd \\ C:\\Windows — 日本語の動画 🎬 e\u0301 \u0007bell\ttab\nnewline \u202Eevil';
    const passthrough = 'a/b\\c\u0000nul 👍';
    const upload = await client.createUpload({
      new_asset_settings: { playback_policies: ['public'], passthrough, meta: { title } },
    });
    const stored = (await client.request('GET', `/video/v1/uploads/${upload.id}`)).json.data;
    expect(stored.new_asset_settings.meta.title).toBe(title);
    expect(stored.new_asset_settings.passthrough).toBe(passthrough);
    // The file's key is the upload's id, never a name a client chose.
    expect(new URL(upload.url).pathname).toMatch(new RegExp(`/uploads/${upload.id}$`));

    const patched = await client.request('PATCH', `/video/v1/assets/${assetId}`, { meta: { title } });
    expect(patched.status).toBe(200);
    expect((await client.request('GET', `/video/v1/assets/${assetId}`)).json.data.meta.title).toBe(title);
  });

  it('refuses 10 KB strings, naming the field, and keeps what was there', async () => {
    const long = 'x'.repeat(10 * 1024);
    const cases: [string, string, unknown, string][] = [
      ['PATCH', `/video/v1/assets/${assetId}`, { meta: { title: long } }, 'meta.title'],
      ['PATCH', `/video/v1/assets/${assetId}`, { passthrough: long }, 'passthrough'],
      ['PATCH', `/video/v1/assets/${assetId}`, { meta: { external_id: long } }, 'meta.external_id'],
      ['POST', '/video/v1/uploads', { new_asset_settings: { meta: { creator_id: long } } }, 'creator_id'],
      ['POST', '/video/v1/uploads', { cors_origin: long }, 'cors_origin'],
    ];
    const before = (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data;
    for (const [method, path, body, field] of cases) {
      const res = await client.request(method, path, body);
      expect(res.status, field).toBe(400);
      expect((res.json as ErrorBody).error.messages.join(' '), field).toContain(field);
    }
    const after = (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data;
    expect(after.meta).toEqual(before.meta);
    expect(after.passthrough).toEqual(before.passthrough);
  });
});
