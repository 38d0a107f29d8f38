import { beforeEach, describe, expect, it } from 'vitest';
import { hashSecret, parseBasicAuthorization, verifySecret } from '../../lambdas/core/auth.js';
import { UnauthorizedError } from '../../lambdas/core/domain/errors.js';
import { authenticate, createToken } from '../../lambdas/core/usecases/tokens.js';
import { InMemoryTokens } from './fakes.js';

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

describe('access tokens', () => {
  let tokens: InMemoryTokens;
  beforeEach(() => {
    tokens = new InMemoryTokens();
  });

  it('creates a token whose secret is returned once and stored only hashed', async () => {
    const { id, secret } = await createToken('env1', 'ci', { tokens, now: () => 5_000 });

    const stored = tokens.tokens.get(id);
    expect(stored).toMatchObject({ id, env: 'env1', name: 'ci', created_at: 5 });
    expect(stored?.secret_hash).not.toContain(secret);
    expect(await authenticate(basic(`${id}:${secret}`), { tokens })).toEqual({ env: 'env1', tokenId: id });
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
});
