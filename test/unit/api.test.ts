import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import Mux from '@mux/mux-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lambdas/core/logger.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import { MAX_URL_INPUTS_IN_FLIGHT } from '../../lambdas/core/usecases/url-inputs.js';
import { type ApiEvent, createApiHandler, handler } from '../../lambdas/handlers/api.js';
import {
  fakeResolve,
  InMemoryInputSlots,
  InMemoryPlaybackRestrictions,
  InMemorySigningKeys,
  InMemoryWebhooks,
  RecordingInputQueue,
} from './api-fakes.js';
import { InMemoryAssetFiles } from './asset-files-fakes.js';
import { assetWorkDeps } from './asset-work-fakes.js';
import {
  FakeUploadUrls,
  InMemoryConnections,
  InMemoryEnvironments,
  InMemoryMediaRepository,
  InMemoryObjects,
  InMemoryTokens,
  preparingAsset,
  RecordingPusher,
  waitingUpload,
} from './fakes.js';
import { FakeMultipartUploads } from './multipart-fakes.js';
import { InMemorySearch } from './search-fakes.js';
import { FakeFiles, InMemoryTextStore, InMemoryTextTracks } from './track-fakes.js';
import { InMemoryVocabularies } from './transcription-fakes.js';

interface RequestOptions {
  body?: string;
  query?: Record<string, string>;
  /** Call as this environment, with a real access token of it in HTTP Basic; omit to send no credentials. */
  as?: 'env1' | 'env2';
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
}

function request(method: string, path: string, options: RequestOptions = {}): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'ANY /video/v1/{proxy+}',
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query).toString(),
    headers: { ...(options.as && { authorization: basicAuth[options.as] }), ...options.headers },
    ...(options.query && { queryStringParameters: options.query }),
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
  } as unknown as ApiEvent;
}

const asEnv1 = { as: 'env1' } as const;
/** `Basic …` headers of one real access token per environment, made in beforeEach. */
const basicAuth: Record<'env1' | 'env2', string> = { env1: '', env2: '' };

let media: InMemoryMediaRepository;
let tokens: InMemoryTokens;
let objects: InMemoryObjects;
let inputs: RecordingInputQueue;
let webhooks: InMemoryWebhooks;
let inputSlots: InMemoryInputSlots;
let playbackRestrictions: InMemoryPlaybackRestrictions;
let signingKeys: InMemorySigningKeys;
let api: ReturnType<typeof createApiHandler>;

beforeEach(async () => {
  media = new InMemoryMediaRepository();
  tokens = new InMemoryTokens();
  objects = new InMemoryObjects();
  inputs = new RecordingInputQueue();
  webhooks = new InMemoryWebhooks();
  inputSlots = new InMemoryInputSlots();
  playbackRestrictions = new InMemoryPlaybackRestrictions();
  signingKeys = new InMemorySigningKeys();
  api = createApiHandler(() => ({
    media,
    assetFiles: new InMemoryAssetFiles(media),
    tokens,
    ...assetWorkDeps(media),
    environments: new InMemoryEnvironments(),
    connections: new InMemoryConnections(),
    pusher: new RecordingPusher(),
    search: new InMemorySearch(media),
    objects,
    webhooks,
    signingKeys,
    playbackRestrictions,
    inputs,
    inputSlots,
    ingestBucket: 'ingest',
    resolve: fakeResolve({
      'videos.example.com': ['93.184.216.34'],
      'internal.example.com': ['10.1.2.3'],
      'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
    }),
    allowLoopbackUrls: false,
    outputBucket: 'output',
    urls: new FakeUploadUrls(),
    multipart: new FakeMultipartUploads(),
    maxUploadBytes: 10 * 1024 ** 3,
    streamUrl: 'https://stream.example',
    defaultUploadTimeout: 3600,
    tracks: new InMemoryTextTracks(media),
    files: new FakeFiles(),
    textObjects: new InMemoryTextStore(),
    writer: new InMemoryTextStore(),
    vocabularies: new InMemoryVocabularies(),
    masterUrl: async (assetId, expiresAt) => `https://stream.example/assets/${assetId}/master.mp4?Expires=${expiresAt}`,
  }));
  for (const env of ['env1', 'env2'] as const) {
    const { id, secret } = await createToken(env, undefined, { tokens });
    basicAuth[env] = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  }
  await media.putUpload(waitingUpload());
  await media.putUpload(waitingUpload({ id: 'theirs', env: 'env2' }));
  await media.createAsset(preparingAsset());
});

async function call(event: ApiEvent) {
  const response = await api(event);
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === '' ? undefined : JSON.parse(response.body),
  };
}

afterEach(() => vi.restoreAllMocks());

describe('api handler', () => {
  it('creates an upload: 201 with the Mux upload under data', async () => {
    const res = await call(
      request('POST', '/video/v1/uploads', {
        ...asEnv1,
        body: JSON.stringify({ new_asset_settings: { playback_policies: ['public'] }, cors_origin: '*' }),
      }),
    );

    expect(res.status).toBe(201);
    expect(res.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(res.body.data).toMatchObject({ status: 'waiting', timeout: 3600, url: expect.stringContaining('uploads/') });
    expect((await media.getUpload(res.body.data.id))?.env).toBe('env1');
  });

  it('accepts a base64-encoded body', async () => {
    const body = Buffer.from(JSON.stringify({ timeout: 600 })).toString('base64');
    const res = await call(request('POST', '/video/v1/uploads', { ...asEnv1, body, isBase64Encoded: true }));
    expect(res.status).toBe(201);
    expect(res.body.data.timeout).toBe(600);
  });

  it('gets and lists uploads and assets of the caller only', async () => {
    expect((await call(request('GET', '/video/v1/uploads/upload1', asEnv1))).body.data).toMatchObject({
      id: 'upload1',
    });
    expect((await call(request('GET', '/video/v1/assets/asset1/', asEnv1))).body.data).toMatchObject({
      id: 'asset1',
      status: 'preparing',
      playback_ids: [{ id: 'play1', policy: 'public' }],
    });
    const uploads = await call(request('GET', '/video/v1/uploads', asEnv1));
    expect(uploads).toMatchObject({ status: 200, body: { data: [{ id: 'upload1' }] } });
    expect(uploads.body).not.toHaveProperty('next_cursor');
  });

  it('pages assets with limit and returns next_cursor while there are more', async () => {
    await media.createAsset(preparingAsset({ id: 'asset2', created_at: 1_800_000_000 }));
    const first = await call(request('GET', '/video/v1/assets', { ...asEnv1, query: { limit: '1' } }));
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual(['asset2']);

    const next = await call(
      request('GET', '/video/v1/assets', { ...asEnv1, query: { cursor: first.body.next_cursor } }),
    );
    expect(next.body.data.map((a: { id: string }) => a.id)).toEqual(['asset1']);
  });

  it("accepts Mux's deprecated playback_policy (one or a list) as playback_policies", async () => {
    const one = await call(
      request('POST', '/video/v1/uploads', { ...asEnv1, body: '{"new_asset_settings":{"playback_policy":"signed"}}' }),
    );
    expect(one.body.data.new_asset_settings).toEqual({ playback_policies: ['signed'] });
    const both = await call(
      request('POST', '/video/v1/uploads', {
        ...asEnv1,
        body: '{"new_asset_settings":{"playback_policy":["signed"],"playback_policies":["public"]}}',
      }),
    );
    expect(both.body.data.new_asset_settings).toEqual({ playback_policies: ['public'] });
    const bad = await call(
      request('POST', '/video/v1/uploads', { ...asEnv1, body: '{"new_asset_settings":{"playback_policy":"drm"}}' }),
    );
    expect(bad.body.error.messages[0]).toMatch(/^new_asset_settings\.playback_policy\.0: drm is not supported by this/);
  });

  it('cancels a waiting upload, and refuses to cancel it twice (409)', async () => {
    const res = await call(request('PUT', '/video/v1/uploads/upload1/cancel', asEnv1));
    expect(res).toMatchObject({ status: 200, body: { data: { id: 'upload1', status: 'cancelled' } } });
    const again = await call(request('PUT', '/video/v1/uploads/upload1/cancel', asEnv1));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ type: 'conflict', messages: [expect.stringContaining('cancelled')] });
  });

  it('updates passthrough and merges meta', async () => {
    await call(
      request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body: '{"meta":{"title":"T","creator_id":"c"}}' }),
    );
    const res = await call(
      request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body: '{"passthrough":"p","meta":{"title":"U"}}' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ passthrough: 'p', meta: { title: 'U', creator_id: 'c' } });
  });

  it('deletes an asset: 204, its objects and playback ids are gone, and it is no longer found or listed', async () => {
    objects.add('output', 'assets/asset1/master.m3u8');
    objects.add('output', 'assets/asset1/360p/index.m3u8');
    objects.add('output', 'assets/asset10/master.m3u8');
    objects.add('ingest', 'uploads/upload1');

    const res = await call(request('DELETE', '/video/v1/assets/asset1', asEnv1));
    expect(res).toMatchObject({ status: 204, body: undefined });
    expect([...objects.objects]).toEqual(['output/assets/asset10/master.m3u8']);
    expect(await media.getPlaybackId('play1')).toBeUndefined();
    expect((await call(request('GET', '/video/v1/assets/asset1', asEnv1))).status).toBe(404);
    expect((await call(request('GET', '/video/v1/assets', asEnv1))).body.data).toEqual([]);
    expect((await call(request('DELETE', '/video/v1/assets/asset1', asEnv1))).status).toBe(404);
  });

  it('creates, retrieves and deletes playback ids, and finds the asset by playback id', async () => {
    const made = await call(
      request('POST', '/video/v1/assets/asset1/playback-ids', { ...asEnv1, body: '{"policy":"signed"}' }),
    );
    expect(made.status).toBe(201);
    const pid = made.body.data.id as string;
    expect(made.body.data).toEqual({ id: pid, policy: 'signed' });

    const byAsset = await call(request('GET', `/video/v1/assets/asset1/playback-ids/${pid}`, asEnv1));
    expect(byAsset.body.data).toEqual({ id: pid, policy: 'signed' });
    const byId = await call(request('GET', `/video/v1/playback-ids/${pid}`, asEnv1));
    expect(byId.body.data).toEqual({ id: pid, policy: 'signed', object: { type: 'asset', id: 'asset1' } });
    const theirs = await call(request('GET', `/video/v1/playback-ids/${pid}`, { as: 'env2' }));
    expect(theirs.status).toBe(404);

    expect((await call(request('DELETE', `/video/v1/assets/asset1/playback-ids/${pid}`, asEnv1))).status).toBe(204);
    expect((await call(request('GET', `/video/v1/playback-ids/${pid}`, asEnv1))).status).toBe(404);
    expect((await call(request('GET', '/video/v1/assets/asset1', asEnv1))).body.data.playback_ids).toEqual([
      { id: 'play1', policy: 'public' },
    ]);
  });

  it('creates an asset from an input URL: 201 preparing, queued for fetching, passthrough kept', async () => {
    const res = await call(
      request('POST', '/video/v1/assets', {
        ...asEnv1,
        body: JSON.stringify({
          inputs: [{ url: 'https://videos.example.com/a.mp4' }],
          playback_policies: ['public'],
          passthrough: 'p1',
        }),
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'preparing', passthrough: 'p1', ingest_type: 'on_demand_url' });
    // Mux adds is_live only to an asset made from a live stream.
    expect(res.body.data).not.toHaveProperty('is_live');
    expect(res.body.data.playback_ids).toHaveLength(1);
    expect(inputs.jobs).toEqual([{ assetId: res.body.data.id, url: 'https://videos.example.com/a.mp4' }]);
    expect((await media.getAsset(res.body.data.id))?.source).toEqual({
      bucket: 'ingest',
      key: `uploads/input-${res.body.data.id}`,
    });
  });

  it.each([
    ['ftp://videos.example.com/a.mp4', 'must be an http or https URL'],
    ['http://10.0.0.8/a.mp4', 'private, loopback or link-local'],
    ['http://169.254.169.254/latest/meta-data/', 'private, loopback or link-local'],
    ['http://[::1]:8080/a.mp4', 'private, loopback or link-local'],
    ['http://[::ffff:192.168.1.1]/a.mp4', 'private, loopback or link-local'],
    ['https://internal.example.com/a.mp4', 'private, loopback or link-local'],
    ['https://rebind.example.com/a.mp4', 'private, loopback or link-local'],
    ['https://nowhere.example.com/a.mp4', 'does not resolve'],
    ['https://user:pw@videos.example.com/a.mp4', 'must not carry credentials'],
  ])('refuses the input URL %s: 400 naming inputs.0.url', async (url, reason) => {
    const res = await call(
      request('POST', '/video/v1/assets', { ...asEnv1, body: JSON.stringify({ inputs: [{ url }] }) }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.messages).toEqual([expect.stringMatching(new RegExp(`^inputs\\.0\\.url: .*${reason}`))]);
    expect(inputs.jobs).toEqual([]);
  });

  describe('errors, in Mux shape', () => {
    it.each([
      ['no credentials', 401, 'unauthorized', 'Unauthorized request', () => request('GET', '/video/v1/uploads')],
      [
        'a wrong secret',
        401,
        'unauthorized',
        'Unauthorized request',
        () => request('GET', '/video/v1/uploads', { headers: { authorization: `Basic ${btoa('x:y')}` } }),
      ],
      [
        'an upload of another environment',
        404,
        'not_found',
        "doesn't exist",
        () => request('GET', '/video/v1/uploads/theirs', asEnv1),
      ],
      ['a missing asset', 404, 'not_found', "doesn't exist", () => request('GET', '/video/v1/assets/nope', asEnv1)],
      ['an unknown path', 404, 'not_found', "doesn't exist", () => request('GET', '/video/v1/nothing-here', asEnv1)],
      [
        "a part of Mux's API Gamma does not offer",
        404,
        'not_found',
        '/video/v1/live-streams: Gamma is on-demand video only: it has no live streams',
        () => request('GET', '/video/v1/live-streams', asEnv1),
      ],
      [
        'one of its items',
        404,
        'not_found',
        'Gamma offers no DRM',
        () => request('GET', '/video/v1/drm-configurations/abc', asEnv1),
      ],
      [
        'a method the path lacks',
        405,
        'method_not_allowed',
        'Method not allowed',
        () => request('PUT', '/video/v1/assets/asset1', asEnv1),
      ],
      [
        'malformed JSON',
        400,
        'invalid_parameters',
        'body: is not valid JSON',
        () => request('POST', '/video/v1/uploads', { ...asEnv1, body: '{"timeout":' }),
      ],
      [
        'an unknown body field',
        400,
        'invalid_parameters',
        'playback_policy: is not a known field',
        () => request('POST', '/video/v1/uploads', { ...asEnv1, body: '{"playback_policy":["public"]}' }),
      ],
      [
        'a timeout out of range',
        400,
        'invalid_parameters',
        'timeout: must be between 60 and 604800 seconds',
        () => request('POST', '/video/v1/uploads', { ...asEnv1, body: '{"timeout":10}' }),
      ],
      [
        'a limit over 100',
        400,
        'invalid_parameters',
        'limit: must be at most 100',
        () => request('GET', '/video/v1/assets', { ...asEnv1, query: { limit: '500' } }),
      ],
      [
        'a wrong type',
        400,
        'invalid_parameters',
        'passthrough: ',
        () => request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body: '{"passthrough":5}' }),
      ],
      [
        'an unknown meta field',
        400,
        'invalid_parameters',
        'meta.author: is not a known field',
        () => request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body: '{"meta":{"author":"x"}}' }),
      ],
      [
        'an unknown playback policy',
        400,
        'invalid_parameters',
        'policy: must be "public" or "signed"',
        () => request('POST', '/video/v1/assets/asset1/playback-ids', { ...asEnv1, body: '{"policy":"private"}' }),
      ],
      [
        'a playback id the asset lacks',
        404,
        'not_found',
        "doesn't exist",
        () => request('DELETE', '/video/v1/assets/asset1/playback-ids/nope', asEnv1),
      ],
      [
        'a forged cursor',
        400,
        'invalid_parameters',
        'cursor: ',
        () => request('GET', '/video/v1/assets', { ...asEnv1, query: { cursor: 'abc' } }),
      ],
      [
        'a page too deep to walk',
        400,
        'invalid_parameters',
        'page: must be at most 10000 items deep',
        () => request('GET', '/video/v1/uploads', { ...asEnv1, query: { limit: '1', page: '1000000' } }),
      ],
      [
        'a cursor longer than any Gamma gives',
        400,
        'invalid_parameters',
        'cursor: must be at most 4096 characters',
        () => request('GET', '/video/v1/assets', { ...asEnv1, query: { cursor: 'A'.repeat(100_000) } }),
      ],
    ] as const)('%s → %i %s', async (_, status, type, message, event) => {
      const res = await call(event());
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { type, messages: [expect.stringContaining(message)] } });
    });

    it('names the allowed methods on 405', async () => {
      const res = await call(request('DELETE', '/video/v1/uploads', asEnv1));
      expect(res.headers).toMatchObject({ allow: 'POST, GET' });
    });

    it('answers 500 without internals when something unexpected fails', async () => {
      media.getAsset = async () => {
        throw new Error('ProvisionedThroughputExceededException: table media');
      };
      const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
      const res = await call(request('GET', '/video/v1/assets/asset1', asEnv1));
      expect(res.status).toBe(500);
      expect(logged).toHaveBeenCalledOnce();
      expect(res.body.error.type).toBe('internal_error');
      expect(JSON.stringify(res.body)).not.toContain('media');
    });
  });
});

describe("Mux's surface beyond assets and uploads", () => {
  it('redirects the SDK playback helpers on the API host to the stream URL, query and all', async () => {
    const hls = await call(request('GET', '/pb1.m3u8', { ...asEnv1, query: { token: 'jwt', max_resolution: '720p' } }));
    expect(hls.status).toBe(302);
    expect(hls.headers?.location).toBe('https://stream.example/pb1.m3u8?token=jwt&max_resolution=720p');
    const thumb = await call(request('GET', '/pb1/thumbnail.jpg', { ...asEnv1, query: { time: '2' } }));
    expect(thumb.headers?.location).toBe('https://stream.example/pb1/thumbnail.jpg?time=2');
    const vtt = await call(request('GET', '/pb1/storyboard.vtt', asEnv1));
    expect(vtt.headers?.location).toBe('https://stream.example/pb1/storyboard.vtt');
    const track = await call(request('GET', '/pb1/text/track1.txt', { ...asEnv1, query: { token: 'jwt' } }));
    expect(track.headers?.location).toBe('https://stream.example/pb1/text/track1.txt?token=jwt');
    expect((await call(request('GET', '/pb1/text/../secrets.vtt', asEnv1))).status).toBe(404);
    expect((await call(request('GET', '/video/v1', asEnv1))).status).toBe(404);
    expect((await call(request('GET', '/pb1/secrets.txt', asEnv1))).status).toBe(404);
  });

  it('whoami names the environment of the token', async () => {
    const res = await call(request('GET', '/system/v1/whoami', asEnv1));
    expect(res.body.data).toMatchObject({ environment_id: 'env1', permissions: expect.any(Array) });
  });

  it("video/v1/playback-restrictions: Mux's routes, envelope and statuses, one environment's only", async () => {
    const body = '{"referrer":{"allowed_domains":["*.example.com"],"allow_no_referrer":true}}';
    const created = await call(request('POST', '/video/v1/playback-restrictions', { ...asEnv1, body }));
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    const one = `/video/v1/playback-restrictions/${id}`;
    const referrer = '{"allowed_domains":["example.com"]}';
    const put = await call(request('PUT', `${one}/referrer`, { ...asEnv1, body: referrer }));
    expect(put.body.data.referrer).toEqual({
      allowed_domains: ['example.com'],
      allow_no_referrer: false,
    });
    const agent = '{"allow_no_user_agent":false,"allow_high_risk_user_agent":false}';
    const updated = await call(request('PUT', `${one}/user_agent`, { ...asEnv1, body: agent }));
    expect(updated.body.data.user_agent).toEqual({ allow_no_user_agent: false, allow_high_risk_user_agent: false });
    const listed = await call(request('GET', '/video/v1/playback-restrictions', { ...asEnv1, query: { limit: '1' } }));
    expect(listed.body).toEqual({ data: [updated.body.data] });
    expect((await call(request('GET', one, { as: 'env2' }))).status).toBe(404);
    expect((await call(request('DELETE', one, asEnv1))).status).toBe(204);
    expect((await call(request('GET', one, asEnv1))).status).toBe(404);
  });

  it('system/v1/webhooks: create (address, secret once), retrieve, disable, list, delete', async () => {
    const created = await call(
      request('POST', '/system/v1/webhooks', { ...asEnv1, body: '{"address":"https://videos.example.com/hook"}' }),
    );
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({ address: 'https://videos.example.com/hook', enabled: true });
    expect(created.body.data.signing_secret).toMatch(/^[0-9a-f]{64}$/);
    const off = await call(request('PATCH', `/system/v1/webhooks/${id}`, { ...asEnv1, body: '{"enabled":false}' }));
    expect(off.body.data).toMatchObject({ id, enabled: false });
    const got = await call(request('GET', `/system/v1/webhooks/${id}`, asEnv1));
    expect(got.body.data).not.toHaveProperty('signing_secret');
    expect((await call(request('GET', `/system/v1/webhooks/${id}`, { as: 'env2' }))).status).toBe(404);
    const listed = await call(request('GET', '/system/v1/webhooks', asEnv1));
    expect(listed.body.data.map((w: { id: string }) => w.id)).toEqual([id]);
    expect((await call(request('DELETE', `/system/v1/webhooks/${id}`, asEnv1))).status).toBe(204);
    expect((await call(request('GET', '/system/v1/webhook-endpoints', asEnv1))).status).toBe(404);
  });

  it('filters assets by upload_id; live_stream_id lists none (no live streams here)', async () => {
    await media.transitionUpload('upload1', 'asset_created', { asset_id: 'asset1' });
    const byUpload = await call(request('GET', '/video/v1/assets', { ...asEnv1, query: { upload_id: 'upload1' } }));
    expect(byUpload.body.data.map((a: { id: string }) => a.id)).toEqual(['asset1']);
    const theirs = await call(request('GET', '/video/v1/assets', { as: 'env2', query: { upload_id: 'upload1' } }));
    expect(theirs.body.data).toEqual([]);
    const live = await call(request('GET', '/video/v1/assets', { ...asEnv1, query: { live_stream_id: 'ls1' } }));
    expect(live).toMatchObject({ status: 200, body: { data: [] } });
  });
});

describe("an asset's files and thumbnail time after creation", () => {
  it('are routed to their use cases: 201 with the file, 400 naming a bad field, 204 for thumbnail-time', async () => {
    await media.createAsset(
      preparingAsset({
        id: 'asset9',
        status: 'ready',
        renditions: ['360p'],
        tracks: [],
        duration: 4,
        thumbnail_time: 1,
      }),
    );
    const added = await call(
      request('POST', '/video/v1/assets/asset9/static-renditions', {
        ...asEnv1,
        body: JSON.stringify({ resolution: 'highest' }),
      }),
    );
    // No video track recorded: the asset cannot have it.
    expect(added).toMatchObject({ status: 201, body: { data: { name: 'highest.mp4', status: 'skipped' } } });
    const bad = await call(
      request('PUT', '/video/v1/assets/asset9/master-access', {
        ...asEnv1,
        body: JSON.stringify({ master_access: 'forever' }),
      }),
    );
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { messages: ['master_access: must be temporary or none'] } },
    });
    // As Mux: before the end (at it is refused too), on a ready asset only.
    const thumbnailAt = (asset: string, time: number) =>
      call(
        request('PATCH', `/video/v1/assets/${asset}`, { ...asEnv1, body: JSON.stringify({ thumbnail_time: time }) }),
      );
    for (const time of [9, 4]) {
      expect((await thumbnailAt('asset9', time)).body.error.messages).toEqual([
        "thumbnail_time: must be less than the asset's duration (4 seconds)",
      ]);
    }
    expect((await thumbnailAt('asset9', 3.9)).body.data.thumbnail_time).toBe(3.9);
    expect((await thumbnailAt('asset1', 0)).body.error.messages).toEqual([
      'thumbnail_time: can be set only on a ready asset (this one is preparing)',
    ]);
    expect((await call(request('DELETE', '/video/v1/assets/asset9/thumbnail-time', asEnv1))).status).toBe(204);
    expect((await media.getAsset('asset9'))?.thumbnail_time).toBeUndefined();
  });

  it("signs a ready master's URL as the asset is read (the transcoder stores none), in Mux's `{ status, url }`", async () => {
    const expires_at = Math.floor(Date.now() / 1000) + 3600;
    await media.createAsset(
      preparingAsset({
        id: 'asset9',
        status: 'ready',
        master_access: 'temporary',
        master: { status: 'ready', expires_at },
      }),
    );
    const url = expect.stringMatching(/^https:\/\/stream\.example\/assets\/asset9\/master\.mp4\?Expires=\d+$/);
    const one = await call(request('GET', '/video/v1/assets/asset9', asEnv1));
    expect(one.body.data.master).toEqual({ status: 'ready', url });
    const list = await call(request('GET', '/video/v1/assets', asEnv1));
    expect(list.body.data.find((a: { id: string }) => a.id === 'asset9').master).toEqual({ status: 'ready', url });
    // Nothing is signed for a master not ready.
    const preparing = await call(request('GET', '/video/v1/assets/asset1', asEnv1));
    expect(preparing.body.data.master).toBeUndefined();
  });
});

describe('URL inputs in flight', () => {
  it(`are bounded per environment: the ${MAX_URL_INPUTS_IN_FLIGHT + 1}th gets Mux's 429, another environment is unaffected`, async () => {
    const create = (as: 'env1' | 'env2') =>
      call(
        request('POST', '/video/v1/assets', {
          as,
          body: JSON.stringify({ inputs: [{ url: 'https://videos.example.com/a.mp4' }] }),
        }),
      );
    for (let i = 0; i < MAX_URL_INPUTS_IN_FLIGHT; i++) expect((await create('env1')).status).toBe(201);
    const refused = await create('env1');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: { type: 'too_many_requests', messages: [expect.stringMatching(/already has 10 assets being fetched/)] },
    });
    expect((await create('env2')).status).toBe(201);
    expect(inputs.jobs).toHaveLength(MAX_URL_INPUTS_IN_FLIGHT + 1);
  });
});

describe('ids no record can have', () => {
  /** As DynamoDB does: a key over 2048 bytes is an error (ValidationException), not a miss. */
  const refuseLongKeys = (id: string) => {
    if (Buffer.byteLength(id) > 2048) throw Object.assign(new Error('Key too large'), { name: 'ValidationException' });
  };

  it("are 404s in Mux's shape, never looked up, never 500s", async () => {
    for (const method of ['getAsset', 'getUpload', 'getPlaybackId'] as const) {
      const original = media[method].bind(media) as (id: string) => Promise<unknown>;
      vi.spyOn(media, method).mockImplementation(async (id: string) => {
        refuseLongKeys(id);
        return original(id) as never;
      });
    }
    const long = 'a'.repeat(3000);
    for (const path of [
      `/video/v1/assets/${long}`,
      `/video/v1/uploads/${long}`,
      `/video/v1/playback-ids/${long}`,
      `/video/v1/assets/asset1/playback-ids/${long}`,
    ]) {
      const res = await call(request('GET', path, asEnv1));
      expect(res.status, path.slice(0, 40)).toBe(404);
      expect(res.body).toMatchObject({ error: { type: 'not_found' } });
    }
    expect((await call(request('DELETE', `/video/v1/assets/${long}`, asEnv1))).status).toBe(404);
  });

  it('in an access token are refused as unknown credentials (401), not looked up', async () => {
    vi.spyOn(tokens, 'get').mockImplementation(async (id: string) => {
      refuseLongKeys(id);
      return undefined;
    });
    const authorization = `Basic ${Buffer.from(`${'k'.repeat(3000)}:secret`).toString('base64')}`;
    expect((await call(request('GET', '/video/v1/assets', { headers: { authorization } }))).status).toBe(401);
  });
});

describe('api handler wired from the environment', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    doc.reset();
    for (const [name, value] of Object.entries({
      MEDIA_TABLE: 'media-table',
      TOKENS_TABLE: 'tokens-table',
      SIGNING_KEYS_TABLE: 'signing-keys-table',
      INGEST_BUCKET: 'ingest-bucket',
      OUTPUT_BUCKET: 'output-bucket',
      INPUT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/inputs',
      WEBHOOKS_TABLE: 'webhooks-table',
      CONNECTIONS_TABLE: 'connections-table',
      WEBSOCKET_CALLBACK_URL: 'https://ws.example/live',
      STREAM_URL: 'https://stream.example',
      TRANSCODER: 'fargate',
      ECS_CLUSTER_ARN: 'arn:aws:ecs:eu-west-1:1:cluster/c',
      TASK_DEFINITION_ARN: 'arn:aws:ecs:eu-west-1:1:task-definition/t:1',
      TASK_CONTAINER_NAME: 'transcoder',
      TASK_SUBNETS: 'subnet-1',
      TASK_SECURITY_GROUPS: 'sg-1',
      UPLOAD_TIMEOUT_SECONDS: '3600',
      MAX_UPLOAD_BYTES: String(512 * 1024 ** 3),
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL: '',
    })) {
      vi.stubEnv(name, value);
    }
  });
  afterEach(() => vi.unstubAllEnvs());

  it('stores the upload in MEDIA_TABLE and returns a presigned URL without checksum parameters', async () => {
    doc.on(PutCommand).resolves({});
    // The token lookup reads the tokens table; answer it from the in-memory store the test's token was made in.
    doc.on(GetCommand, { TableName: 'tokens-table' }).callsFake(async ({ Key }) => {
      const token = await tokens.get(String(Object.values(Key)[0]));
      return { Item: token };
    });
    const res = await handler(request('POST', '/video/v1/uploads', { ...asEnv1, body: '{}' }));

    expect(res.statusCode).toBe(201);
    const url = new URL(JSON.parse(res.body).data.url);
    expect(url.hostname).toBe('ingest-bucket.s3.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
    expect(doc.commandCalls(PutCommand)[0]?.args[0].input.TableName).toBe('media-table');
  });
});

describe("the Mux SDK's auto-pagination through the API", () => {
  /** The official SDK, its requests answered by the API handler as env1. */
  const sdk = () => {
    const [tokenId, tokenSecret] = Buffer.from(basicAuth.env1.slice('Basic '.length), 'base64').toString().split(':');
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const res = await api(
        request(init?.method ?? 'GET', url.pathname, {
          as: 'env1',
          query: Object.fromEntries(url.searchParams),
          ...(typeof init?.body === 'string' && { body: init.body }),
        }),
      );
      return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } });
    };
    return new Mux({ tokenId, tokenSecret, baseURL: 'https://api.example', fetch, maxRetries: 0 });
  };
  const all = async <T extends { id: string }>(items: AsyncIterable<T>) => {
    const ids: string[] = [];
    for await (const item of items) {
      ids.push(item.id);
      if (ids.length > 50) throw new Error('the pages never end');
    }
    return ids;
  };

  it('walks every list to its end, each item once (page numbers for uploads, keys, restrictions; cursors for assets)', async () => {
    const mux = sdk();
    // Twelve uploads a page each: past page 10, where page numbers stopped before.
    const uploads = ['upload1'];
    for (let n = 2; n <= 12; n++) {
      await media.putUpload(waitingUpload({ id: `up${n}`, created_at: 1_700_000_000 + n }));
      uploads.push(`up${n}`);
    }
    for (const n of [2, 3, 4]) await media.createAsset(preparingAsset({ id: `asset${n}` }));
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push((await mux.system.signingKeys.create()).id);
    const body = {
      referrer: { allowed_domains: ['example.com'] },
      user_agent: { allow_no_user_agent: true, allow_high_risk_user_agent: true },
    };
    const restrictions = [];
    for (let i = 0; i < 3; i++) restrictions.push((await mux.video.playbackRestrictions.create(body)).id);

    expect((await all(mux.video.uploads.list({ limit: 1 }))).sort()).toEqual(uploads.sort());
    expect((await all(mux.video.assets.list({ limit: 2 }))).sort()).toEqual(['asset1', 'asset2', 'asset3', 'asset4']);
    expect((await all(mux.system.signingKeys.list({ limit: 2 }))).sort()).toEqual(keys.sort());
    expect((await all(mux.video.playbackRestrictions.list({ limit: 2 }))).sort()).toEqual(restrictions.sort());
    const hooks = [];
    for (let i = 0; i < 3; i++) {
      hooks.push((await mux.system.webhooks.create({ address: `https://videos.example.com/hooks/${i}` })).id);
    }
    expect((await all(mux.system.webhooks.list({ limit: 2 }))).sort()).toEqual(hooks.sort());
  });
});

describe('security review fixes', () => {
  /** Mints a token of env1 through the API (as env1's full-access token) and returns its request options. */
  const mint = async (permissions: string[]) => {
    const res = await call(
      request('POST', '/system/v1/access-tokens', { ...asEnv1, body: JSON.stringify({ permissions }) }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { id, secret } = res.body.data;
    return { id, headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` } };
  };
  const rootId = () => Buffer.from(basicAuth.env1.slice('Basic '.length), 'base64').toString().split(':')[0];

  describe('revoking access tokens', () => {
    it("refuses a system:write token the organization administrator's token of its environment (403), which keeps working", async () => {
      const system = await mint(['system:read', 'system:write']);
      expect((await call(request('GET', `/system/v1/access-tokens/${rootId()}`, system))).status).toBe(200);
      const refused = await call(request('DELETE', `/system/v1/access-tokens/${rootId()}`, system));
      expect(refused).toMatchObject({
        status: 403,
        body: {
          error: { type: 'forbidden', messages: [expect.stringMatching(/organization:read, organization:write$/)] },
        },
      });
      expect((await call(request('GET', '/video/v1/assets', asEnv1))).status).toBe(200);
      expect((await call(request('GET', '/system/v1/whoami', system))).status).toBe(200);
    });

    it('answers 404 for a token the caller cannot see, as GET does, and revokes with organization:write', async () => {
      const admin = await mint(['video:write', 'system:write', 'organization:write']);
      const system = await mint(['system:write']);
      // env2's token: another environment's, which the system token may neither see nor revoke.
      const env2Id = Buffer.from(basicAuth.env2.slice('Basic '.length), 'base64').toString().split(':')[0];
      const elsewhere = { as: 'env2' } as const;
      const get = await call(request('GET', `/system/v1/access-tokens/${env2Id}`, system));
      const del = await call(request('DELETE', `/system/v1/access-tokens/${env2Id}`, system));
      expect([get.status, del.status]).toEqual([404, 404]);
      expect(del.body).toEqual(get.body);
      expect((await call(request('GET', '/video/v1/assets', elsewhere))).status).toBe(200);

      expect((await call(request('DELETE', `/system/v1/access-tokens/${env2Id}`, admin))).status).toBe(204);
      expect((await call(request('GET', '/video/v1/assets', elsewhere))).status).toBe(401);
    });
  });

  describe("an upload's presigned url", () => {
    it('is left out for a video:read token, in a get and a list, and shown with video:write', async () => {
      const reader = await mint(['video:read']);
      const one = await call(request('GET', '/video/v1/uploads/upload1', reader));
      expect(one.status).toBe(200);
      expect(one.body.data).toMatchObject({ id: 'upload1', status: 'waiting' });
      expect(one.body.data).not.toHaveProperty('url');
      const list = await call(request('GET', '/video/v1/uploads', reader));
      expect(list.body.data.map((u: { id: string }) => u.id)).toEqual(['upload1']);
      expect(list.body.data[0]).not.toHaveProperty('url');

      const writer = await mint(['video:write']);
      for (const path of ['/video/v1/uploads/upload1', '/video/v1/uploads']) {
        const res = await call(request('GET', path, writer));
        expect(JSON.stringify(res.body)).toContain('"url":"https://ingest.example/uploads/upload1"');
      }
    });
  });

  describe('text that is not valid Unicode', () => {
    const bad = (field: string) => `${field}: must be valid Unicode text (it has an unpaired surrogate)`;

    it.each([
      ['PATCH', '/video/v1/assets/asset1', '{"passthrough":"\\ud800"}', [bad('passthrough')]],
      [
        'POST',
        '/video/v1/uploads',
        '{"new_asset_settings":{"passthrough":"\\ud800"}}',
        [bad('new_asset_settings.passthrough')],
      ],
      [
        'POST',
        '/video/v1/uploads',
        '{"new_asset_settings":{"meta":{"title":"a\\udfffb"}}}',
        [bad('new_asset_settings.meta.title')],
      ],
      [
        'POST',
        '/video/v1/assets',
        '{"inputs":[{"url":"https://videos.example.com/a.mp4"},{"url":"https://videos.example.com/\\udc00"}]}',
        [bad('inputs.1.url')],
      ],
      [
        'PATCH',
        '/video/v1/assets/asset1',
        '{"meta":{"x\\ud800":"y"},"passthrough":"\\ud83d"}',
        ['meta.x\ufffd: the field name must be valid Unicode text (it has an unpaired surrogate)', bad('passthrough')],
      ],
    ])('refuses %s %s %s with a 400 naming the field', async (method, path, body, messages) => {
      const before = await media.getAsset('asset1');
      const res = await call(request(method, path, { ...asEnv1, body }));
      expect(res).toMatchObject({ status: 400, body: { error: { type: 'invalid_parameters', messages } } });
      expect(await media.getAsset('asset1')).toEqual(before);
    });

    it('refuses it in a base64-encoded body too, and takes a surrogate pair (an emoji) as the character it is', async () => {
      const body = Buffer.from('{"passthrough":"\\udbff"}').toString('base64');
      const res = await call(request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body, isBase64Encoded: true }));
      expect(res.body.error.messages).toEqual([bad('passthrough')]);
      const ok = await call(
        request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body: '{"passthrough":"\\ud83d\\ude00"}' }),
      );
      expect(ok).toMatchObject({ status: 200, body: { data: { passthrough: '😀' } } });
    });

    it('names at most 10 of them', async () => {
      const body = JSON.stringify({ meta: { title: 't' } }).replace(
        '"t"',
        `[${Array(50).fill('"\\ud800"').join(',')}]`,
      );
      const res = await call(request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body }));
      expect(res.body.error.messages).toHaveLength(10);
      expect(res.body.error.messages[9]).toBe(bad('meta.title.9'));
    });

    it('walks a deeply nested body without overflowing the stack', async () => {
      const depth = 200_000;
      const body = `{"passthrough":${'['.repeat(depth)}"\\ud800"${']'.repeat(depth)}}`;
      const res = await call(request('PATCH', '/video/v1/assets/asset1', { ...asEnv1, body }));
      expect(res.status).toBe(400);
      expect(res.body.error.messages[0]).toMatch(/^passthrough\.0\.0\.0.*…: must be valid Unicode text/);
      // The path is cut short: the answer stays small.
      expect(res.body.error.messages[0].length).toBeLessThan(300);
    });
  });
});
