/** The transcoder reads its source exactly as ingest pinned it: that version, refused if the ETag differs. */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Storage } from '../../containers/transcoder/src/storage.js';

describe('S3Storage.download', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('asks for the pinned version with its ETag, and for the current object when nothing is pinned', async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-'));
    const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const s3 = mockClient(client);
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([Buffer.from('video')]) as never }));
    const storage = new S3Storage(client);
    await storage.download('ingest', 'uploads/u1', join(dir, 'a'), { versionId: 'v1', etag: '"e1"' });
    await storage.download('ingest', 'uploads/u1', join(dir, 'b'));
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'ingest', Key: 'uploads/u1', VersionId: 'v1', IfMatch: '"e1"' },
      { Bucket: 'ingest', Key: 'uploads/u1' },
    ]);
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('video');
  });
});

describe('S3Storage.presignedGet', () => {
  const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const s3 = mockClient(client);
  const storage = new S3Storage(client);
  const answer = (contentRange?: string) =>
    s3
      .on(GetObjectCommand)
      .callsFake(() => ({ Body: Readable.from([Buffer.from('v')]) as never, ContentRange: contentRange }));
  afterEach(() => s3.reset());

  it('signs a URL of the pinned version when a ranged GET of it comes back partial', async () => {
    answer('bytes 0-0/5');
    const url = await storage.presignedGet('ingest', 'uploads/u1', { versionId: 'v1', etag: '"e1"' }, 60);
    expect(url && new URL(url).searchParams.get('versionId')).toBe('v1');
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'ingest',
      Key: 'uploads/u1',
      VersionId: 'v1',
      Range: 'bytes=0-0',
    });
  });

  it('gives no URL when the store answers the ranged GET with the whole object, so the caller downloads', async () => {
    answer(undefined);
    expect(await storage.presignedGet('ingest', 'uploads/u1', { versionId: 'v1', etag: '"e1"' }, 60)).toBeUndefined();
  });

  it('gives no URL for an ETag pin without a version, without asking the store', async () => {
    answer('bytes 0-0/5');
    expect(await storage.presignedGet('ingest', 'uploads/u1', { etag: '"e1"' }, 60)).toBeUndefined();
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});

describe('S3Storage.putFile', () => {
  it('publishes a regular file, and refuses a symlink planted where an output is expected', async () => {
    const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const s3 = mockClient(client);
    s3.on(PutObjectCommand).resolves({});
    const storage = new S3Storage(client);
    const dir = await mkdtemp(join(tmpdir(), 'gamma-put-'));
    try {
      await writeFile(join(dir, 'segment_000.m4s'), 'media');
      await symlink('/proc/self/environ', join(dir, 'segment_001.m4s'));
      await storage.putFile('out', 'assets/a/720p/segment_000.m4s', join(dir, 'segment_000.m4s'));
      await expect(
        storage.putFile('out', 'assets/a/720p/segment_001.m4s', join(dir, 'segment_001.m4s')),
      ).rejects.toThrow(/ELOOP|symbolic link/);
      expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
        'assets/a/720p/segment_000.m4s',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
