/**
 * The local stream server checks signatures as CloudFront does: on the normalised path, and serves the object that
 * path names, so a signature for one asset cannot be walked into another with an encoded `..`.
 */
import type { Server } from 'node:http';
import { Readable } from 'node:stream';
import { CloudFrontClient, GetKeyGroupCommand, GetPublicKeyCommand } from '@aws-sdk/client-cloudfront';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdnAssetSigner } from '../../lambdas/core/adapters/cdn-signer.js';
import { normalisedPath, startStreamServer } from '../../scripts/local/stream-server.js';
import { KEY_PAIR_ID, TEST_KEY } from './cdn-keys.js';

const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

describe('the local stream server', () => {
  let server: Server;
  let base: string;
  const served: string[] = [];
  beforeAll(async () => {
    const cloudfront = new CloudFrontClient({ region: 'us-east-1', credentials });
    const cf = mockClient(cloudfront);
    cf.on(GetKeyGroupCommand).resolves({ KeyGroup: { KeyGroupConfig: { Items: [KEY_PAIR_ID], Name: 'g' } } as never });
    cf.on(GetPublicKeyCommand).resolves({
      PublicKey: { PublicKeyConfig: { EncodedKey: TEST_KEY.publicKey } } as never,
    });
    const s3 = new S3Client({ region: 'us-east-1', credentials });
    mockClient(s3)
      .on(GetObjectCommand)
      .callsFake((input: { Key: string }) => {
        served.push(input.Key);
        return { Body: Readable.from([Buffer.from(input.Key)]) as never, ContentType: 'image/jpeg' };
      });
    ({ server, url: base } = await startStreamServer({
      outputBucket: 'out',
      playbackFunctionName: 'playback',
      keyGroupId: 'group',
      s3,
      cloudfront,
    }));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const signFor = (files: string) =>
    new CdnAssetSigner(async () => ({ streamUrl: base, keyPairId: KEY_PAIR_ID, privateKey: TEST_KEY.privateKey })).sign(
      'assetA',
      files,
      Math.floor(Date.now() / 1000) + 60,
    );

  it("serves a file its signature covers, and refuses another asset's file reached through an encoded ..", async () => {
    const query = await signFor('*');
    const own = await fetch(`${base}/assets/assetA/720p/seg.m4s?${query}`);
    expect(own.status).toBe(200);
    expect(await own.text()).toBe('assets/assetA/720p/seg.m4s');
    for (const path of ['/assets/assetA/..%2FassetB/thumbnails/0000.jpg', '/assets/assetA/%2E%2E/assetB/x.jpg']) {
      const res = await fetch(`${base}${path}?${query}`);
      expect(res.status, path).toBe(403);
    }
    expect(served).toEqual(['assets/assetA/720p/seg.m4s']);
  });

  it('checks a rendition-scoped signature against the normalised path', async () => {
    const query = await signFor('720p/*');
    expect((await fetch(`${base}/assets/assetA/720p/..%2Fthumbnails/0000.jpg?${query}`)).status).toBe(403);
    expect((await fetch(`${base}/assets/assetA/720p/.%2Fseg.m4s?${query}`)).status).toBe(200);
  });
});

describe('normalisedPath', () => {
  it.each([
    ['/assets/A/..%2FB/x', '/assets/B/x'],
    ['/assets/A/./x', '/assets/A/x'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/assets/A/%2e%2e/%2e%2e/x', '/x'],
    ['/assets/%E0%A4%A', undefined],
    ['/assets/A/%00', undefined],
  ])('%s → %s', (raw, expected) => {
    expect(normalisedPath(raw)).toBe(expected);
  });
});
