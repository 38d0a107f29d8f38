/**
 * CloudFront signed URLs for an asset's folder: what the playback function signs verifies (as CloudFront and the
 * local stream server check it), AWS's own signer agrees with the check, and nothing else gets through.
 */
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { describe, expect, it } from 'vitest';
import { cdnPolicy, signatureQuery, verifyCdnSignature } from '../../lambdas/core/domain/cdn-signature.js';
import { grantOf, KEY_PAIR_ID, STREAM_URL, TEST_KEY, testKeyPair, testSigner } from './cdn-keys.js';

const now = Math.floor(Date.now() / 1000);
const signer = testSigner();
const keys = (id: string) => (id === KEY_PAIR_ID ? TEST_KEY.publicKey : undefined);
const check = (url: string, at = now) => verifyCdnSignature(new URL(url), keys, at);
const segment = (query: string, path = '/assets/asset1/720p/segment_001.m4s') => `${STREAM_URL}${path}?${query}`;

describe('signing an asset folder', () => {
  it('grants the named files under /assets/{assetId}/ of this stream URL until the expiry, with SHA-256', async () => {
    const query = await signer.sign('asset1', '720p/*', now + 60);
    expect(grantOf(query)).toEqual({ resource: `${STREAM_URL}/assets/asset1/720p/*`, expiresAt: now + 60 });
    expect(new URLSearchParams(query).get('Hash-Algorithm')).toBe('SHA256');
    expect(check(segment(query))).toEqual({ ok: true, expiresAt: now + 60 });
    expect(check(segment(query, '/assets/asset1/720p/init.mp4')).ok).toBe(true);
    expect(check(segment(query, '/assets/asset1/1080p/index.m3u8')).ok).toBe(false);
    expect(check(segment(query, '/assets/asset1/thumbnails/0000.jpg')).ok).toBe(false);
  });

  it('accepts what AWS’s signer makes for the same policy (SHA-1, CloudFront’s default, and SHA-256)', () => {
    const policy = cdnPolicy(`${STREAM_URL}/assets/asset1/*`, now + 60);
    for (const algorithm of ['SHA1', 'SHA256'] as const) {
      const url = getSignedUrl({
        url: `${STREAM_URL}/assets/asset1/360p/segment_000.m4s`,
        policy,
        keyPairId: KEY_PAIR_ID,
        privateKey: TEST_KEY.privateKey,
        algorithm,
      });
      expect(check(url), algorithm).toEqual({ ok: true, expiresAt: now + 60 });
    }
  });

  it('verifies through the signer with the path and raw query a distribution receives', async () => {
    const query = await signer.sign('asset1', '720p/*', now + 60);
    expect(await signer.verify('/assets/asset1/720p/index.m3u8', query, now)).toMatchObject({ ok: true });
    expect(await signer.verify('/assets/asset2/720p/index.m3u8', query, now)).toMatchObject({ ok: false });
  });
});

describe('refusing', () => {
  it.each<[string, (query: string) => Promise<string> | string]>([
    ['no signature', () => segment('')],
    ['a policy without its signature', (q) => segment(q.replace(/Signature=[^&]+/, ''))],
    [
      'a forged signature',
      (q) => {
        const params = new URLSearchParams(q);
        const sig = params.get('Signature') ?? '';
        params.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
        return segment(params.toString());
      },
    ],
    [
      'a policy rewritten for a later expiry',
      (q) => {
        const params = new URLSearchParams(q);
        const policy = cdnPolicy(`${STREAM_URL}/assets/asset1/*`, now + 3600 * 24 * 365);
        params.set('Policy', Buffer.from(policy).toString('base64').replace(/\+/g, '-').replace(/=/g, '_'));
        return segment(params.toString());
      },
    ],
    ['another asset', (q) => segment(q, '/assets/asset2/720p/segment_001.m4s')],
    [
      'another asset with the signed folder in its query',
      (q) => segment(`x=/assets/asset1/y&${q}`, '/assets/asset2/a.m4s'),
    ],
    ['another host', (q) => `https://evil.example/assets/asset1/720p/segment_001.m4s?${q}`],
    ['plain http', (q) => segment(q).replace('https://', 'http://')],
    ['an unknown key pair id', (q) => segment(q.replace(KEY_PAIR_ID, 'KOTHER'))],
    [
      'another key’s signature under our key pair id',
      async () => segment(await testSigner(testKeyPair().privateKey).sign('asset1', '720p/*', now + 60)),
    ],
    ['an unknown hash algorithm', (q) => segment(q.replace('SHA256', 'MD5'))],
  ])('refuses %s', async (_, makeUrl) => {
    const url = await makeUrl(await signer.sign('asset1', '720p/*', now + 60));
    expect(check(url).ok).toBe(false);
  });

  it('refuses an expired signature, from its expiry second on', async () => {
    const query = await signer.sign('asset1', '720p/*', now + 60);
    expect(check(segment(query), now + 59).ok).toBe(true);
    expect(check(segment(query), now + 60)).toEqual({ ok: false, reason: 'Signature expired' });
  });
});

describe('signatureQuery', () => {
  it("keeps only the signature's parameters of a request", async () => {
    const query = await signer.sign('asset1', '720p/*', now + 60);
    expect(signatureQuery(new URL(segment(`foo=1&${query}`)))).toBe(query);
    expect(signatureQuery(new URL(`${STREAM_URL}/assets/a/x.m3u8`))).toBe('');
  });
});
