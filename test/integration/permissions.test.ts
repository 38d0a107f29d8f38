/**
 * The permissions matrix through the deployed API: each kind of token against every route of the route table
 * (allowed: anything but 403; refused: 403 in Mux's error shape), tokens that cannot grant more than they hold, the
 * environments a token sees, and revocation within seconds (API 401 and the token's WebSocket closed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { allows, type Permission } from '../../lambdas/core/domain/permissions.js';
import { ROUTES } from '../../lambdas/handlers/api/routes.js';
import { GammaClient } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const config = needsPlatform('mints organization tokens with the development token of the platform the tests start');
const admin = new GammaClient(config);

/** The kinds of token a team hands out. */
const KINDS: Record<string, Permission[]> = {
  'video read-only': ['video:read'],
  'video full': ['video:write'],
  'system only': ['system:write'],
  'video and system': ['video:write', 'system:write'],
  organization: ['video:write', 'system:write', 'organization:write'],
};

async function mint(permissions: Permission[], name: string) {
  const { status, json } = await admin.request('POST', '/system/v1/access-tokens', { name, permissions });
  expect(status, JSON.stringify(json)).toBe(201);
  return { client: new GammaClient({ ...config, tokenId: json.data.id, tokenSecret: json.data.secret }), ...json.data };
}

/** A route's path with made-up ids: the permission is checked before anything is looked up. */
const concrete = (path: string) => path.replace(/\{[A-Z_]+\}/g, 'x0000000000');

const clients: Record<string, GammaClient> = {};
beforeAll(async () => {
  for (const [kind, permissions] of Object.entries(KINDS)) clients[kind] = (await mint(permissions, kind)).client;
});

describe('the permissions matrix', () => {
  for (const [kind, permissions] of Object.entries(KINDS)) {
    it(`${kind} (${permissions.join(', ')}): 403 exactly on the routes its permissions do not cover`, async () => {
      const client = clients[kind] as GammaClient;
      const outcomes = await Promise.all(
        ROUTES.map(async (route) => {
          const { status, json } = await client.request(
            route.method,
            concrete(route.path),
            route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
          );
          const expected = allows(permissions, route.permission) ? 'allowed' : 'forbidden';
          const got = status === 403 && json?.error?.type === 'forbidden' ? 'forbidden' : 'allowed';
          // A refusal for any other reason than permission (401, 5xx) would hide what is being tested.
          expect([401, 500], `${route.method} ${route.path}`).not.toContain(status);
          return { route: `${route.method} ${route.path}`, expected, got, status };
        }),
      );
      expect(outcomes.filter((o) => o.expected !== o.got)).toEqual([]);
      // The matrix is not vacuous: every kind is refused somewhere or allowed everything by design.
      const refused = outcomes.filter((o) => o.got === 'forbidden').length;
      expect(refused > 0 || kind === 'organization').toBe(true);
    });
  }

  it('a read-only token reads assets and is refused every write with a message naming the permission', async () => {
    const reader = clients['video read-only'] as GammaClient;
    expect((await reader.request('GET', '/video/v1/assets')).status).toBe(200);
    const refused = await reader.request('POST', '/video/v1/uploads', {});
    expect(refused).toEqual({
      status: 403,
      json: { error: { type: 'forbidden', messages: ['This access token does not have the video:write permission'] } },
    });
  });

  it('a token cannot mint a token with more than it holds', async () => {
    const system = clients['system only'] as GammaClient;
    const res = await system.request('POST', '/system/v1/access-tokens', { permissions: ['video:write'] });
    expect(res.status).toBe(403);
    expect(res.json.error.messages[0]).toContain('video:write');
  });
});

describe('environments', () => {
  it('an organization token creates an environment and mints a token there that sees only it', async () => {
    const org = clients.organization as GammaClient;
    const created = await org.request('POST', '/system/v1/environments', { name: 'Staging' });
    expect(created.status).toBe(201);
    const env = created.json.data.id as string;
    const listed = await org.request('GET', '/system/v1/environments');
    expect(listed.json.data.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining(['dev', env]));

    const minted = await org.request('POST', '/system/v1/access-tokens', {
      permissions: ['video:read'],
      environment_id: env,
      expires_in: 3600,
    });
    expect(minted.status).toBe(201);
    const staging = new GammaClient({ ...config, tokenId: minted.json.data.id, tokenSecret: minted.json.data.secret });
    expect((await staging.request('GET', '/system/v1/environments')).json.data).toEqual([
      expect.objectContaining({ id: env, name: 'Staging' }),
    ]);
    expect((await staging.request('GET', '/system/v1/whoami')).json.data).toMatchObject({
      environment_id: env,
      environment_name: 'Staging',
      permissions: ['video:read'],
    });
    // An asset of dev is not found from the other environment.
    expect((await staging.request('GET', '/video/v1/assets')).json.data).toEqual([]);
  });
});

describe('revocation', () => {
  it('a revoked token gets 401 within seconds and its open WebSocket is closed', async () => {
    const victim = await mint(['video:read'], 'to be revoked');
    expect((await victim.client.request('GET', '/video/v1/assets')).status).toBe(200);
    const socket = new WebSocket(`${config.websocketUrl}?token=${victim.id}:${victim.secret}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));

    const revokedAt = Date.now();
    expect((await admin.request('DELETE', `/system/v1/access-tokens/${victim.id}`)).status).toBe(204);
    const refused = await victim.client.until(
      'the revoked token to be refused',
      async () => (await victim.client.request('GET', '/video/v1/assets')).status,
      (status: number) => status === 401,
      5_000,
    );
    const refusedAfter = Date.now() - revokedAt;
    const closedAfter =
      (await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))])) - revokedAt;
    console.log(`revoked token: 401 after ${refusedAfter} ms, WebSocket closed after ${closedAfter} ms`);
    expect(refused).toBe(401);
    expect(closedAfter).toBeGreaterThanOrEqual(0);
    expect(socket.readyState).toBe(WebSocket.CLOSED);
    expect((await admin.request('GET', `/system/v1/access-tokens/${victim.id}`)).status).toBe(404);
  });
});
