import { beforeEach, describe, expect, it } from 'vitest';
import { hashSecret, parseBasicAuthorization, verifySecret } from '../../lambdas/core/auth.js';
import { NotFoundError, UnauthorizedError } from '../../lambdas/core/domain/errors.js';
import { allows, expand, ForbiddenError, type Permission } from '../../lambdas/core/domain/permissions.js';
import {
  authenticate,
  type Caller,
  CreateAccessTokenInput,
  cachingAuthenticator,
  createAccessToken,
  createToken,
  getAccessToken,
  listAccessTokens,
  MAX_ACCESS_TOKENS,
  revokeAccessToken,
} from '../../lambdas/core/usecases/tokens.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryEnvironments, InMemoryTokens } from './access-fakes.js';
import { InMemoryConnections, RecordingPusher } from './fakes.js';

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

describe('secret hashing', () => {
  it('stores salt:hash and verifies only the same secret', async () => {
    const stored = await hashSecret('s3cret');
    expect(stored).toMatch(/^[0-9a-f]{32}:[0-9a-f]{64}$/);
    expect(await verifySecret('s3cret', stored)).toBe(true);
    expect(await verifySecret('s3cret!', stored)).toBe(false);
    expect(await hashSecret('s3cret')).not.toBe(stored);
  });

  it('rejects a malformed stored hash instead of throwing', async () => {
    expect(await verifySecret('s3cret', 'nonsense')).toBe(false);
    expect(await verifySecret('s3cret', 'abcd:ef')).toBe(false);
  });

  it('parses HTTP Basic credentials, keeping colons inside the secret', () => {
    expect(parseBasicAuthorization(basic('id1:a:b'))).toEqual({ id: 'id1', secret: 'a:b' });
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined();
    expect(parseBasicAuthorization(basic('no-colon'))).toBeUndefined();
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
  });
});

describe('permissions', () => {
  it('lets write include read, and nothing else', () => {
    expect(allows(['video:write'], 'video:read')).toBe(true);
    expect(allows(['video:read'], 'video:write')).toBe(false);
    expect(allows(['video:write'], 'system:read')).toBe(false);
    expect(allows(['organization:write'], 'organization:read')).toBe(true);
    expect(expand(['system:write', 'video:read'])).toEqual(['video:read', 'system:read', 'system:write']);
  });
});

describe('access tokens', () => {
  let tokens: InMemoryTokens;
  let environments: InMemoryEnvironments;
  beforeEach(() => {
    tokens = new InMemoryTokens();
    environments = new InMemoryEnvironments();
  });

  it('creates a token whose secret is returned once and stored only hashed, recording its environment', async () => {
    const { id, secret } = await createToken('env1', 'ci', { tokens, environments, now: () => 5_000 });

    const stored = tokens.tokens.get(id);
    expect(stored).toMatchObject({ id, env: 'env1', name: 'ci', created_at: 5 });
    expect(stored?.secret_hash).not.toContain(secret);
    expect(await environments.get('env1')).toEqual({ id: 'env1', name: 'env1', created_at: 5 });
    const caller = await authenticate(basic(`${id}:${secret}`), { tokens });
    expect(caller).toMatchObject({ env: 'env1', tokenId: id });
    expect(caller.permissions).toContain('organization:write');
  });

  it('gives a token stored before permissions existed full access', async () => {
    const { id, secret } = await createToken('env1', undefined, { tokens });
    delete tokens.tokens.get(id)?.permissions;
    const caller = await authenticate(basic(`${id}:${secret}`), { tokens });
    expect(caller.permissions).toEqual(expand(['video:write', 'system:write', 'organization:write']));
  });

  it.each([
    ['a wrong secret', (id: string) => basic(`${id}:wrong`)],
    ['an unknown id', () => basic('unknown:whatever')],
    ['no header', () => undefined],
    ['a malformed header', () => 'Basic !!!'],
  ])('rejects %s', async (_, header) => {
    const { id } = await createToken('env1', undefined, { tokens });
    await expect(authenticate(header(id), { tokens })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an expired token', async () => {
    let now = 1_000_000;
    const { id, secret } = await createToken('env1', undefined, { tokens, now: () => now }, { expiresIn: 60 });
    await expect(authenticate(basic(`${id}:${secret}`), { tokens, now: () => now })).resolves.toBeDefined();
    now += 60_000;
    await expect(authenticate(basic(`${id}:${secret}`), { tokens, now: () => now })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  it('runs scrypt once per token and container but reads the token on every request, so revocation is immediate', async () => {
    const { id, secret } = await createToken('env1', undefined, { tokens });
    const verify = cachingAuthenticator({ tokens });
    const header = basic(`${id}:${secret}`);
    const started = performance.now();
    await verify(header);
    const first = performance.now() - started;
    const again = performance.now();
    for (let i = 0; i < 20; i++) await verify(header);
    const cached = (performance.now() - again) / 20;
    console.log(
      `token check: first ${first.toFixed(1)} ms (scrypt), then ${cached.toFixed(3)} ms (${(first / cached).toFixed(0)}× less)`,
    );
    expect(tokens.reads).toBe(21);

    await expect(verify(basic(`${id}:wrong`))).rejects.toBeInstanceOf(UnauthorizedError);
    await tokens.delete('env1', id);
    await expect(verify(header)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe('the access-token API', () => {
  let tokens: InMemoryTokens;
  let environments: InMemoryEnvironments;
  let connections: InMemoryConnections;
  let pusher: RecordingPusher;
  const ctx = () => ({ tokens, environments, connections, pusher });
  const caller = (permissions: Permission[], env = 'env1'): Caller => ({
    env,
    tokenId: 'me',
    permissions: expand(permissions),
  });
  const input = (body: unknown) => parseOrThrow(CreateAccessTokenInput, body);

  beforeEach(async () => {
    tokens = new InMemoryTokens();
    environments = new InMemoryEnvironments();
    connections = new InMemoryConnections();
    pusher = new RecordingPusher();
    await environments.putIfAbsent({ id: 'env2', name: 'Production', created_at: 1 });
  });

  it('creates a scoped token in the caller environment and lists it without its secret', async () => {
    const created = await createAccessToken(
      input({ name: 'reader', permissions: ['video:read'] }),
      caller(['video:write', 'system:write']),
      ctx(),
    );
    expect(created).toMatchObject({ name: 'reader', environment_id: 'env1', permissions: ['video:read'] });
    expect(created.secret).toEqual(expect.any(String));
    const { data } = await listAccessTokens({}, caller(['system:read']), ctx());
    expect(data).toEqual([expect.objectContaining({ id: created.id, permissions: ['video:read'] })]);
    expect(JSON.stringify(data)).not.toContain(created.secret);
  });

  it(`keeps at most ${MAX_ACCESS_TOKENS} live tokens per environment; expired ones (removed by TTL) do not count`, async () => {
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < MAX_ACCESS_TOKENS; i++) {
      await tokens.put({ id: `t${i}`, env: 'env1', secret_hash: 'x:y', created_at: 1, permissions: ['video:read'] });
    }
    await tokens.put({ id: 'old', env: 'env1', secret_hash: 'x:y', created_at: 1, expires_at: now - 10 });
    const body = input({ permissions: ['video:read'] });
    const started = performance.now();
    await expect(createAccessToken(body, caller(['video:write', 'system:write']), ctx())).rejects.toThrow(
      `an environment has at most ${MAX_ACCESS_TOKENS} access tokens`,
    );
    expect(performance.now() - started).toBeLessThan(50); // refused before any scrypt
    expect((await tokens.listByEnv('env1')).length).toBe(MAX_ACCESS_TOKENS + 1);
    // Another environment has its own; a revoked token frees a place.
    const org = caller(['video:write', 'system:write', 'organization:write']);
    await createAccessToken(input({ permissions: ['video:read'], environment_id: 'env2' }), org, ctx());
    await tokens.delete('env1', 't0');
    await createAccessToken(body, caller(['video:write', 'system:write']), ctx());
  });

  it('never grants a permission the creator lacks', async () => {
    await expect(
      createAccessToken(input({ permissions: ['video:write'] }), caller(['video:read', 'system:write']), ctx()),
    ).rejects.toThrow(new ForbiddenError('A token cannot grant permissions it does not have: video:write'));
  });

  it('never makes a token that outlives its creator: without expires_in it ends with it, past it is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiring = { ...caller(['video:write', 'system:write']), expiresAt: now + 600 };
    const child = await createAccessToken(input({ permissions: ['video:read'] }), expiring, ctx());
    const ends = Number(child.expires_at);
    expect(ends).toBeGreaterThan(now + 590);
    expect(ends).toBeLessThanOrEqual(now + 600);
    const shorter = await createAccessToken(input({ permissions: ['video:read'], expires_in: 120 }), expiring, ctx());
    expect(Number(shorter.expires_at)).toBeLessThanOrEqual(now + 121);
    await expect(
      createAccessToken(input({ permissions: ['video:read'], expires_in: 3600 }), expiring, ctx()),
    ).rejects.toThrow(/expires_in: must be at most \d+ seconds, when the token making it expires/);
    // A creator that never expires makes tokens that never do, unless asked.
    const forever = await createAccessToken(
      input({ permissions: ['video:read'] }),
      caller(['video:read', 'system:write']),
      ctx(),
    );
    expect(forever).not.toHaveProperty('expires_at');
  });

  it('mints tokens for another environment only with organization:write', async () => {
    const body = input({ permissions: ['video:read'], environment_id: 'env2' });
    await expect(createAccessToken(body, caller(['video:write', 'system:write']), ctx())).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    const org = caller(['video:write', 'system:write', 'organization:write']);
    expect(await createAccessToken(body, org, ctx())).toMatchObject({ environment_id: 'env2' });
    await expect(
      createAccessToken(input({ permissions: ['video:read'], environment_id: 'nope' }), org, ctx()),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses unknown permissions and out-of-range lifetimes, naming the field', () => {
    expect(() => input({ permissions: ['video:admin'] })).toThrow(/permissions\.0: must be one of/);
    expect(() => input({ permissions: ['video:read'], expires_in: 10 })).toThrow(/expires_in: must be at least 60/);
    expect(() => input({ permissions: [] })).toThrow(/permissions: must name at least one/);
  });

  it('revokes a token: it stops authenticating and its WebSocket connections are closed', async () => {
    const { id, secret } = await createToken('env1', 'victim', { tokens }, { permissions: ['video:read'] });
    await connections.put({ connectionId: 'c1', env: 'env1', token_id: id, connected_at: 1 });
    await connections.put({ connectionId: 'c2', env: 'env1', token_id: 'other', connected_at: 1 });

    expect(await revokeAccessToken(id, caller(['system:write']), ctx())).toEqual({ closedConnections: 1 });
    expect(pusher.closed).toEqual(['c1']);
    expect([...connections.connections.keys()]).toEqual(['c2']);
    await expect(authenticate(basic(`${id}:${secret}`), { tokens })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('revokes with a token every token it created, and theirs, in any environment (connections closed)', async () => {
    const root = await createToken('env1', 'sign-in', { tokens });
    const asRoot: Caller = {
      env: 'env1',
      tokenId: root.id,
      permissions: expand(['video:write', 'system:write', 'organization:write']),
    };
    const child = await createAccessToken(input({ permissions: ['video:read', 'system:write'] }), asRoot, ctx());
    const asChild: Caller = { env: 'env1', tokenId: child.id, permissions: expand(['video:read', 'system:write']) };
    const grandchild = await createAccessToken(input({ permissions: ['video:read'] }), asChild, ctx());
    const elsewhere = await createAccessToken(
      input({ permissions: ['video:read'], environment_id: 'env2' }),
      asRoot,
      ctx(),
    );
    const unrelated = await createToken('env1', 'other', { tokens });
    await connections.put({ connectionId: 'c-grandchild', env: 'env1', token_id: grandchild.id, connected_at: 1 });
    const auth = (t: { id: string; secret: string }) => authenticate(basic(`${t.id}:${t.secret}`), { tokens });
    for (const t of [child, grandchild, elsewhere]) await expect(auth(t)).resolves.toMatchObject({ tokenId: t.id });

    expect(await revokeAccessToken(root.id, caller(['organization:write']), ctx())).toEqual({ closedConnections: 1 });
    for (const t of [root, child, grandchild, elsewhere]) {
      await expect(auth(t)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(tokens.tokens.has(t.id)).toBe(false);
    }
    expect(pusher.closed).toEqual(['c-grandchild']);
    await expect(auth(unrelated)).resolves.toMatchObject({ tokenId: unrelated.id });
  });

  it('stops a token whose creator is gone even where the sweep missed it (created during the revocation)', async () => {
    const root = await createToken('env1', 'sign-in', { tokens });
    const late = await createToken('env1', 'made meanwhile', { tokens }, { createdBy: root.id });
    const auth = () => authenticate(basic(`${late.id}:${late.secret}`), { tokens });
    await expect(auth()).resolves.toMatchObject({ tokenId: late.id });
    await tokens.delete('env1', root.id); // revoked, and this one not swept
    await expect(auth()).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("hides another environment's tokens unless the caller has the organization permission", async () => {
    const { id } = await createToken('env2', undefined, { tokens });
    await expect(getAccessToken(id, caller(['system:write']), ctx())).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeAccessToken(id, caller(['system:write']), ctx())).rejects.toBeInstanceOf(NotFoundError);
    expect(await getAccessToken(id, caller(['organization:read']), ctx())).toMatchObject({ environment_id: 'env2' });
    await revokeAccessToken(id, caller(['organization:write']), ctx());
    expect(tokens.tokens.has(id)).toBe(false);
  });

  describe('revokes only what the caller could have made', () => {
    const auth = (t: { id: string; secret: string }) => authenticate(basic(`${t.id}:${t.secret}`), { tokens });
    const as = (t: { id: string }, permissions: Permission[], env = 'env1'): Caller => ({
      env,
      tokenId: t.id,
      permissions: expand(permissions),
    });

    it("refuses a system:write token an administrator's token of its environment, and what that one made elsewhere", async () => {
      // The review's reproduction: T1 {video:write, system:write, organization:write} in env1 makes T2 {video:read} in
      // env2; S2 {system:read, system:write} of env1, not made by T1, tries to revoke T1.
      const admin = await createToken('env1', 'admin', { tokens });
      const t1Permissions: Permission[] = ['video:write', 'system:write', 'organization:write'];
      const t1 = await createAccessToken(input({ permissions: t1Permissions }), as(admin, t1Permissions), ctx());
      const t2 = await createAccessToken(
        input({ permissions: ['video:read'], environment_id: 'env2' }),
        as(t1, t1Permissions),
        ctx(),
      );
      const s2 = await createAccessToken(
        input({ permissions: ['system:read', 'system:write'] }),
        as(admin, t1Permissions),
        ctx(),
      );
      const asS2 = as(s2, ['system:read', 'system:write']);

      // S2 sees T1 (same environment) but may not end it: 403 naming what it lacks, nothing deleted.
      expect(await getAccessToken(t1.id, asS2, ctx())).toMatchObject({ id: t1.id });
      const refused = revokeAccessToken(t1.id, asS2, ctx());
      await expect(refused).rejects.toBeInstanceOf(ForbiddenError);
      await expect(refused).rejects.toThrow(/permissions it does not have: organization:read, organization:write$/);
      for (const t of [t1, t2]) await expect(auth(t)).resolves.toMatchObject({ tokenId: t.id });
      // T2 lives in another environment: S2 cannot see it (404, as GET answers), let alone revoke it.
      await expect(getAccessToken(t2.id, asS2, ctx())).rejects.toBeInstanceOf(NotFoundError);
      await expect(revokeAccessToken(t2.id, asS2, ctx())).rejects.toBeInstanceOf(NotFoundError);
      await expect(auth(t2)).resolves.toMatchObject({ tokenId: t2.id });

      // An organization:write caller still revokes T1, and T2 with it.
      await revokeAccessToken(t1.id, as(admin, t1Permissions), ctx());
      for (const t of [t1, t2]) await expect(auth(t)).rejects.toBeInstanceOf(UnauthorizedError);
      await expect(auth(s2)).resolves.toMatchObject({ tokenId: s2.id });
    });

    it('refuses, without the organization permissions it holds, a token with them (legacy full-access ones too)', async () => {
      const admin = await createToken('env1', 'admin', { tokens }, { permissions: ['organization:write'] });
      const orgReader = await createToken('env1', 'org', { tokens }, { permissions: ['organization:read'] });
      const legacy = await createToken('env1', 'legacy', { tokens });
      delete tokens.tokens.get(legacy.id)?.permissions;
      const system = caller(['system:write']);
      for (const t of [admin, orgReader, legacy]) {
        await expect(revokeAccessToken(t.id, system, ctx())).rejects.toThrow(/does not have: organization:read/);
        expect(tokens.tokens.has(t.id)).toBe(true);
      }
      // The environment's other tokens are system:write's to manage, more video permissions than its own or not.
      const writer = await createToken('env1', 'writer', { tokens }, { permissions: ['video:write'] });
      await revokeAccessToken(writer.id, system, ctx());
      expect(tokens.tokens.has(writer.id)).toBe(false);
      // organization:read revokes a token that holds it (as it could have made one), not organization:write's.
      const orgRead = caller(['system:write', 'organization:read']);
      await revokeAccessToken(orgReader.id, orgRead, ctx());
      expect(tokens.tokens.has(orgReader.id)).toBe(false);
      await expect(revokeAccessToken(admin.id, orgRead, ctx())).rejects.toThrow(/does not have: organization:write$/);
      await revokeAccessToken(legacy.id, caller(['system:write', 'organization:write']), ctx());
      expect(tokens.tokens.has(legacy.id)).toBe(false);
    });

    it('refuses, without organization:write, a token whose revocation would end tokens in another environment', async () => {
      // A within-permissions token that made one elsewhere (as a token stored with created_by could have).
      const parent = await createToken('env1', 'parent', { tokens }, { permissions: ['video:read'] });
      const away = await createToken('env2', 'away', { tokens }, { permissions: ['video:read'], createdBy: parent.id });
      const near = await createToken('env1', 'near', { tokens }, { permissions: ['video:read'], createdBy: parent.id });
      const refused = revokeAccessToken(parent.id, caller(['video:write', 'system:write']), ctx());
      await expect(refused).rejects.toThrow(/other environments.*organization:write/);
      for (const t of [parent, away, near]) await expect(auth(t)).resolves.toMatchObject({ tokenId: t.id });

      // Children only in the caller's environment go with their parent.
      await tokens.delete('env2', away.id);
      await revokeAccessToken(parent.id, caller(['video:write', 'system:write']), ctx());
      for (const t of [parent, near]) expect(tokens.tokens.has(t.id)).toBe(false);
    });

    it('lets a token revoke itself and what it made', async () => {
      const self = await createToken('env1', 'self', { tokens }, { permissions: ['video:read', 'system:write'] });
      const child = await createToken('env1', 'child', { tokens }, { permissions: ['video:read'], createdBy: self.id });
      await revokeAccessToken(self.id, as(self, ['video:read', 'system:write']), ctx());
      for (const t of [self, child]) expect(tokens.tokens.has(t.id)).toBe(false);
    });
  });
});
