/** A CloudFront signing key for unit tests: a real RSA key pair behind the playback function's signer. */
import { generateKeyPairSync } from 'node:crypto';
import { CdnAssetSigner } from '../../lambdas/core/adapters/cdn-signer.js';

export const STREAM_URL = 'https://d111111abcdef8.cloudfront.net';
export const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';

export function testKeyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

export const TEST_KEY = testKeyPair();

export const testSigner = (privateKey = TEST_KEY.privateKey, keyPairId = KEY_PAIR_ID) =>
  new CdnAssetSigner(async () => ({ streamUrl: STREAM_URL, keyPairId, privateKey }));

/** The policy a signed query grants: its resource and expiry. */
export function grantOf(query: string): { resource: string; expiresAt: number } {
  const policy = new URLSearchParams(query).get('Policy') ?? '';
  const json = Buffer.from(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString();
  const statement = JSON.parse(json).Statement[0];
  return { resource: statement.Resource, expiresAt: statement.Condition.DateLessThan['AWS:EpochTime'] };
}
