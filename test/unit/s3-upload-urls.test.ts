import { afterEach, describe, expect, it, vi } from 'vitest';
import { s3Client } from '../../lambdas/core/adapters/clients.js';
import { S3UploadUrls } from '../../lambdas/core/adapters/s3-upload-urls.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('S3UploadUrls', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('presigns a PUT for the key that expires when asked and carries no checksum parameter', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    const urls = new S3UploadUrls(s3Client({ region: 'eu-west-1', credentials }), 'ingest-bucket');

    const url = new URL(await urls.presignPut('uploads/abc', 3600));

    expect(url.host).toBe('ingest-bucket.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/uploads/abc');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('uses path-style URLs against an emulator endpoint', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566');
    const urls = new S3UploadUrls(s3Client({ region: 'us-east-1', credentials }), 'ingest-bucket');

    const url = new URL(await urls.presignPut('uploads/abc', 60));

    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:4566/ingest-bucket/uploads/abc');
  });
});
