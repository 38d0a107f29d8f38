/**
 * Multipart direct uploads through the local platform (Gamma's extension of Mux's direct uploads): a real clip sent
 * in three parts to presigned UploadPart URLs, completed, and taken to `ready` by the ObjectCreated event of
 * CompleteMultipartUpload; a transfer resumed from S3's list of stored parts; and the size limit (100 MiB locally):
 * refused at start, part URLs only within the declared size, each URL taking only its part's exact size, and a
 * larger file sent in one PUT errored and deleted without an asset.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand, ListBucketsCommand, ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetIdForUpload } from '../../lambdas/core/usecases/ingest.js';
import { GammaClient } from '../support/client.js';
import { awsOptions, needsLocalDeployment } from '../support/target.js';

const exec = promisify(execFile);
const config = needsLocalDeployment('refuses files over the local 100 MiB upload limit (512 GiB on AWS)');
const client = new GammaClient(config);
const s3 = new S3Client({ ...awsOptions(config), forcePathStyle: true });
const MiB = 1024 ** 2;
/** The local deployment's MAX_UPLOAD_BYTES (lib/pipeline-stack.ts). */
const LOCAL_LIMIT = 100 * MiB;

interface Session {
  size: number;
  part_size: number;
  part_count: number;
  uploaded_parts: { part_number: number; etag: string; size: number }[];
  part_urls: { part_number: number; size: number; url: string }[];
}

async function parts(uploadId: string, body: unknown): Promise<Session> {
  const { status, json } = await client.request('POST', `/video/v1/uploads/${uploadId}/parts`, body);
  expect(status, JSON.stringify(json)).toBe(200);
  return json.data;
}

/** PUTs one part to its presigned URL, as a browser would; returns the ETag S3 answers with. */
async function putPart(session: Session, file: Buffer, n: number): Promise<string> {
  const target = session.part_urls.find((p) => p.part_number === n);
  if (!target) throw new Error(`no URL for part ${n}`);
  const start = (n - 1) * session.part_size;
  const res = await fetch(target.url, {
    method: 'PUT',
    body: new Uint8Array(file.subarray(start, start + target.size)),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const etag = res.headers.get('etag');
  if (!etag) throw new Error(`part ${n}: no ETag`);
  return etag;
}

async function ingestBucket(): Promise<string> {
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  const name = Buckets.map((b) => b.Name ?? '').find((b) => /ingestbucket/i.test(b));
  if (!name) throw new Error('no ingest bucket');
  return name;
}

describe('multipart direct uploads', () => {
  let clip: Buffer;

  beforeAll(async () => {
    // Noise compresses badly: 4 s of 640x360 is about 13 MB, three parts of 5 MiB (S3's smallest but the last).
    const file = join(mkdtempSync(join(tmpdir(), 'gamma-mp-')), 'noisy.mp4');
    await exec('ffmpeg', [
      ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-vf', 'noise=alls=40:allf=t'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file],
    ]);
    clip = await readFile(file);
    expect(clip.length).toBeGreaterThan(10 * MiB);
  });

  it('sends a clip in three parts, completes it, and the asset becomes ready', async () => {
    const upload = await client.createUpload();
    const session = await parts(upload.id, { size: clip.length, part_size: 5 * MiB });
    expect(session).toMatchObject({ size: clip.length, part_size: 5 * MiB, part_count: 3, uploaded_parts: [] });
    expect(session.part_urls.map((p) => p.size)).toEqual([5 * MiB, 5 * MiB, clip.length - 10 * MiB]);

    const etags = await Promise.all([1, 2, 3].map((n) => putPart(session, clip, n)));
    const done = await client.request('POST', `/video/v1/uploads/${upload.id}/complete`, {
      parts: etags.map((etag, i) => ({ part_number: i + 1, etag })),
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);

    const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    expect(asset.duration).toBeCloseTo(4, 0);
  });

  it('resumes: a second start lists the stored part with its ETag and gives URLs for the rest only', async () => {
    const upload = await client.createUpload();
    const first = await parts(upload.id, { size: clip.length, part_size: 5 * MiB });
    const etag1 = await putPart(first, clip, 1);

    // The page was reloaded: the client knows only the upload id and the file.
    const resumed = await parts(upload.id, { size: clip.length });
    expect(resumed.part_size).toBe(5 * MiB);
    expect(resumed.uploaded_parts).toEqual([{ part_number: 1, etag: etag1, size: 5 * MiB }]);
    expect(resumed.part_urls.map((p) => p.part_number)).toEqual([2, 3]);

    const rest = await Promise.all([2, 3].map((n) => putPart(resumed, clip, n)));
    const done = await client.request('POST', `/video/v1/uploads/${upload.id}/complete`, {
      parts: [etag1, ...rest].map((etag, i) => ({ part_number: i + 1, etag })),
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
  });

  it('the CLI uploads in parts with --part-size and prints a playback URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gamma-mp-cli-'));
    const file = join(dir, 'clip.mp4');
    writeFileSync(file, clip);
    writeFileSync(join(dir, 'local.json'), JSON.stringify(config));
    const { stdout, stderr } = await exec(
      process.execPath,
      ['scripts/gamma.mjs', 'upload', file, '--part-size', '5', '--config', join(dir, 'local.json')],
      { timeout: 180_000 },
    );
    expect(stderr).toContain('sending 3 parts of 5 MiB');
    expect(stderr).toContain('100%');
    expect(stdout).toMatch(/asset \S+ ready/);
    expect(stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^${config.streamUrl}/[A-Za-z0-9]+\\.m3u8$`));
  });

  it('refuses a declared size over the limit, and part URLs beyond the declared size, in Mux error shape', async () => {
    const upload = await client.createUpload();
    const tooBig = await client.request('POST', `/video/v1/uploads/${upload.id}/parts`, { size: LOCAL_LIMIT + 1 });
    expect(tooBig).toEqual({
      status: 400,
      json: {
        error: {
          type: 'invalid_parameters',
          messages: [
            `size: the file is ${LOCAL_LIMIT + 1} bytes; this deployment accepts files up to ${LOCAL_LIMIT} bytes`,
          ],
        },
      },
    });

    await parts(upload.id, { size: 12 * MiB, part_size: 5 * MiB });
    const beyond = await client.request('POST', `/video/v1/uploads/${upload.id}/parts`, {
      size: 12 * MiB,
      part_numbers: [3, 4],
    });
    expect(beyond.status).toBe(400);
    expect(beyond.json.error.messages).toEqual(['part_numbers: a file of 12582912 bytes has 3 parts; 4 is beyond it']);
  });

  it('a part URL takes only the size it was signed for', async () => {
    const upload = await client.createUpload();
    const session = await parts(upload.id, { size: 12 * MiB, part_size: 5 * MiB });
    const url = session.part_urls[0]?.url ?? '';
    const larger = await fetch(url, { method: 'PUT', body: new Uint8Array(5 * MiB + 1) });
    expect(larger.status).toBe(403);
    expect(await larger.text()).toContain('SignatureDoesNotMatch');
  });

  it('cancelling an upload aborts its multipart upload', async () => {
    const upload = await client.createUpload();
    const session = await parts(upload.id, { size: clip.length, part_size: 5 * MiB });
    await putPart(session, clip, 1);
    expect((await client.request('PUT', `/video/v1/uploads/${upload.id}/cancel`)).json.data.status).toBe('cancelled');

    const Bucket = await ingestBucket();
    const url = new URL(session.part_urls[0]?.url ?? '');
    const UploadId = url.searchParams.get('uploadId') ?? '';
    await expect(
      s3.send(new ListPartsCommand({ Bucket, Key: `uploads/${upload.id}`, UploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('a file over the limit sent in one PUT errors its upload, is deleted, and makes no asset', async () => {
    const upload = await client.createUpload();
    const res = await fetch(upload.url, { method: 'PUT', body: new Uint8Array(LOCAL_LIMIT + 1) });
    expect(res.status).toBe(200);

    const errored = await client.until(
      `upload ${upload.id} to error`,
      async () => (await client.request('GET', `/video/v1/uploads/${upload.id}`)).json.data,
      (u) => u?.status !== 'waiting',
      60_000,
    );
    expect(errored).toMatchObject({
      status: 'errored',
      error: {
        type: 'invalid_input',
        message: `The file is ${LOCAL_LIMIT + 1} bytes; this deployment accepts files up to ${LOCAL_LIMIT} bytes.`,
      },
    });
    expect(errored.asset_id).toBeUndefined();
    expect((await client.request('GET', `/video/v1/assets/${assetIdForUpload(upload.id)}`)).status).toBe(404);
    const Bucket = await ingestBucket();
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key: `uploads/${upload.id}` }))).rejects.toMatchObject({
      name: 'NotFound',
    });
  });
});
