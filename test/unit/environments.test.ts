import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../lambdas/core/domain/errors.js';
import { expand, ForbiddenError, type Permission } from '../../lambdas/core/domain/permissions.js';
import {
  createEnvironment,
  getEnvironment,
  listEnvironments,
  renameEnvironment,
  whoami,
} from '../../lambdas/core/usecases/environments.js';
import { type Caller, createToken } from '../../lambdas/core/usecases/tokens.js';
import { InMemoryEnvironments, InMemoryTokens } from './access-fakes.js';

const caller = (permissions: Permission[], env = 'dev', tokenId = 'me'): Caller => ({
  env,
  tokenId,
  permissions: expand(permissions),
});

describe('environments', () => {
  let environments: InMemoryEnvironments;
  let tokens: InMemoryTokens;
  const now = () => 7_000;
  beforeEach(() => {
    environments = new InMemoryEnvironments();
    tokens = new InMemoryTokens();
  });

  it('lists only its own environment to a token without organization:read, recording it on first sight', async () => {
    await environments.putIfAbsent({ id: 'prod', name: 'Production', created_at: 1 });
    expect(await listEnvironments(caller(['video:write', 'system:write']), { environments, now })).toEqual({
      data: [{ id: 'dev', name: 'dev', created_at: '7' }],
    });
  });

  it('lists every environment to an organization token and creates and renames them', async () => {
    const org = caller(['organization:write']);
    const created = await createEnvironment({ name: 'Staging' }, org, { environments, now });
    expect(created).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9]{24}$/), name: 'Staging', created_at: '7' });
    expect(await renameEnvironment(created.id, { name: 'QA' }, org, { environments })).toMatchObject({ name: 'QA' });
    const { data } = await listEnvironments(org, { environments, now });
    expect(data.map((e) => e.name)).toEqual(['dev', 'QA']);
    expect(await getEnvironment(created.id, caller(['organization:read']), { environments })).toMatchObject({
      name: 'QA',
    });
  });

  it('refuses creating or renaming without organization:write, and hides other environments', async () => {
    const system = caller(['video:write', 'system:write']);
    await expect(createEnvironment({ name: 'x' }, system, { environments })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(renameEnvironment('dev', { name: 'x' }, system, { environments })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await environments.putIfAbsent({ id: 'prod', name: 'Production', created_at: 1 });
    await expect(getEnvironment('prod', system, { environments })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("answers whoami with the token's name, environment and permissions", async () => {
    const { id } = await createToken('dev', 'reader', { tokens, environments }, { permissions: ['video:read'] });
    expect(await whoami(caller(['video:read'], 'dev', id), { tokens, environments })).toEqual({
      access_token_name: 'reader',
      environment_id: 'dev',
      environment_name: 'dev',
      permissions: ['video:read'],
    });
    // And, for a token that expires, when (a token it makes may not outlive it).
    const expiring = { ...caller(['video:read'], 'dev', id), expiresAt: 1_900_000_000 };
    expect(await whoami(expiring, { tokens, environments })).toMatchObject({ expires_at: '1900000000' });
  });
});
