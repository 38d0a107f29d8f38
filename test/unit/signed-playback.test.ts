/** Signed playback: tokens made by the Mux SDK's own signer with a key from createSigningKey play; others get 403. */
import { generateKeyPairSync } from 'node:crypto';
import Mux from '@mux/mux-node';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolvePlayback, type TextObjects } from '../../lambdas/core/usecases/playback.js';
import {
  createSigningKey,
  deleteSigningKey,
  getSigningKey,
  MAX_SIGNING_KEYS,
} from '../../lambdas/core/usecases/signing-keys.js';
import { InMemorySigningKeys } from './api-fakes.js';
import { grantOf, testSigner } from './cdn-keys.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';

const mux = new Mux({ tokenId: 'x', tokenSecret: 'y' });
const objects: TextObjects = { getText: async () => '#EXTM3U\n360p/index.m3u8\n' };

let media: InMemoryMediaRepository;
let signingKeys: InMemorySigningKeys;
let key: Awaited<ReturnType<typeof createSigningKey>>;

beforeEach(async () => {
  media = new InMemoryMediaRepository();
  signingKeys = new InMemorySigningKeys();
  await media.createAsset(
    preparingAsset({
      status: 'ready',
      playback_ids: [
        { id: 'signed1', policy: 'signed' },
        { id: 'public1', policy: 'public' },
      ],
    }),
  );
  key = await createSigningKey({ env: 'env1', signingKeys });
});

const play = (playbackId: string, token?: string) =>
  resolvePlayback(playbackId, { media, objects, outputBucket: 'out', signingKeys, signer: testSigner() }, { token });
const sign = (playbackId: string, type: 'video' | 'thumbnail' = 'video') =>
  mux.jwt.signPlaybackId(playbackId, { keyId: key.id, keySecret: key.private_key, type, expiration: '60s' });

afterEach(() => vi.useRealTimers());

describe('signed playback', () => {
  it('plays a signed playback id with a token the Mux SDK signed (aud v)', async () => {
    expect((await play('signed1', await sign('signed1'))).status).toBe(200);
  });

  it("signs the asset's rendition URIs until the token expires, not longer", async () => {
    const token = await sign('signed1');
    const result = await play('signed1', token);
    if (result.status !== 200) throw new Error(result.message);
    const query = result.playlist.split('\n')[1]?.split('?')[1] ?? '';
    const exp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).exp;
    expect(grantOf(query)).toEqual({ resource: expect.stringMatching(/\/assets\/asset1\/\w+\/\*$/), expiresAt: exp });
  });

  it.each([
    ['no token', async () => undefined],
    [
      'an expired token',
      async () => {
        const token = await sign('signed1');
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(Date.now() + 120_000);
        return token;
      },
    ],
    ['a thumbnail token (aud t)', async () => sign('signed1', 'thumbnail')],
    ['a token for another playback id', async () => sign('public1')],
    ['a token signed by an unknown key', async () => signWithOtherKey('signed1')],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s with 403', async (_, token) => {
    const result = await play('signed1', await token());
    expect(result.status).toBe(403);
  });

  it('refuses tokens of a key from another environment, or of a deleted key', async () => {
    const token = await sign('signed1');
    const stored = await signingKeys.get(key.id);
    if (!stored) throw new Error('key not stored');
    await signingKeys.put({ ...stored, env: 'env2' });
    expect((await play('signed1', token)).status).toBe(403);
    await signingKeys.put(stored);
    await deleteSigningKey(key.id, { env: 'env1', signingKeys });
    expect((await play('signed1', token)).status).toBe(403);
  });

  it('returns the private key once, as base64 PEM, and keeps only the public key', async () => {
    expect(Buffer.from(key.private_key, 'base64').toString()).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(await getSigningKey(key.id, { env: 'env1', signingKeys })).toEqual({
      id: key.id,
      created_at: key.created_at,
    });
    expect(JSON.stringify([...signingKeys.keys.values()])).not.toContain('PRIVATE');
  });

  it(`keeps at most ${MAX_SIGNING_KEYS} keys per environment, refusing the next before making a key pair`, async () => {
    for (let i = signingKeys.keys.size; i < MAX_SIGNING_KEYS; i++) {
      await signingKeys.put({ id: `k${i}`, env: 'env1', public_key: 'pem', created_at: 1 });
    }
    const started = performance.now();
    await expect(createSigningKey({ env: 'env1', signingKeys })).rejects.toThrow(
      `an environment has at most ${MAX_SIGNING_KEYS} signing keys`,
    );
    expect(performance.now() - started).toBeLessThan(20);
    expect(signingKeys.keys.size).toBe(MAX_SIGNING_KEYS);
    // Another environment has its own.
    await createSigningKey({ env: 'env2', signingKeys });
    await deleteSigningKey('k1', { env: 'env1', signingKeys });
    await createSigningKey({ env: 'env1', signingKeys });
  });

  it('refuses a token whose kid no key can have (over 2 KB) with 403, without looking it up', async () => {
    vi.spyOn(signingKeys, 'get').mockImplementation(async (id: string) => {
      // As DynamoDB does: a key over 2048 bytes is an error, not a miss.
      if (Buffer.byteLength(id) > 2048)
        throw Object.assign(new Error('Key too large'), { name: 'ValidationException' });
      return undefined;
    });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT({ kid: 'k'.repeat(3000), sub: 'signed1', aud: 'v' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1m')
      .sign(privateKey);
    expect(await play('signed1', token)).toMatchObject({ status: 403 });
  });

  it('still plays public ids without a token', async () => {
    expect((await play('public1')).status).toBe(200);
  });
});

async function signWithOtherKey(playbackId: string) {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return mux.jwt.signPlaybackId(playbackId, {
    type: 'video',
    keyId: 'someoneelse',
    keySecret: Buffer.from(privateKey).toString('base64'),
  });
}
