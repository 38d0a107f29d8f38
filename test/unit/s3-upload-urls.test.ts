import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  NoSuchUpload,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { s3Client } from '../../lambdas/core/adapters/clients.js';
import { S3MultipartUploads, S3UploadUrls } from '../../lambdas/core/adapters/s3-upload-urls.js';
import { NotFoundError } from '../../lambdas/core/domain/errors.js';

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

describe('S3MultipartUploads', () => {
  const s3 = mockClient(S3Client);
  const client = () => s3Client({ region: 'eu-west-1', credentials });
  afterEach(() => {
    s3.reset();
    vi.unstubAllEnvs();
  });

  it('presigns UploadPart with content-length signed, so S3 takes only a part of exactly that size', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    const parts = new S3MultipartUploads(s3Client({ region: 'eu-west-1', credentials }), 'ingest-bucket');

    const url = new URL(await parts.presignPart('uploads/abc', 'UP1', 7, 5_242_880, 900));

    expect(url.pathname).toBe('/uploads/abc');
    expect(url.searchParams.get('uploadId')).toBe('UP1');
    expect(url.searchParams.get('partNumber')).toBe('7');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
  });

  it('lists every page of parts', async () => {
    s3.on(ListPartsCommand, { PartNumberMarker: undefined })
      .resolves({ Parts: [{ PartNumber: 1, ETag: '"a"', Size: 10 }], IsTruncated: true, NextPartNumberMarker: '1' })
      .on(ListPartsCommand, { PartNumberMarker: '1' })
      .resolves({ Parts: [{ PartNumber: 2, ETag: '"b"', Size: 5 }], IsTruncated: false });

    const parts = await new S3MultipartUploads(client(), 'ingest-bucket').listParts('uploads/abc', 'UP1');

    expect(parts).toEqual([
      { partNumber: 1, etag: '"a"', size: 10 },
      { partNumber: 2, etag: '"b"', size: 5 },
    ]);
    expect(s3.commandCalls(ListPartsCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'ingest-bucket',
      Key: 'uploads/abc',
      UploadId: 'UP1',
    });
  });

  it('turns NoSuchUpload into NotFoundError when listing or completing, and ignores it when aborting', async () => {
    const gone = new NoSuchUpload({ message: 'gone', $metadata: {} });
    s3.on(ListPartsCommand).rejects(gone).on(CompleteMultipartUploadCommand).rejects(gone);
    s3.on(AbortMultipartUploadCommand).rejects(gone);
    const parts = new S3MultipartUploads(client(), 'ingest-bucket');

    await expect(parts.listParts('uploads/abc', 'UP1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(parts.complete('uploads/abc', 'UP1', [{ partNumber: 1, etag: '"a"' }])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(parts.abort('uploads/abc', 'UP1')).resolves.toBeUndefined();
  });

  it('creates and completes with the part list', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'UP9' });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const parts = new S3MultipartUploads(client(), 'ingest-bucket');

    expect(await parts.create('uploads/abc')).toBe('UP9');
    await parts.complete('uploads/abc', 'UP9', [
      { partNumber: 1, etag: '"a"' },
      { partNumber: 2, etag: '"b"' },
    ]);

    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'ingest-bucket',
      Key: 'uploads/abc',
      UploadId: 'UP9',
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"a"' },
          { PartNumber: 2, ETag: '"b"' },
        ],
      },
    });
  });
});
