import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteRange, type S3RangeShim, startS3RangeShim } from '../../scripts/local/s3-range-shim.js';

/** An emulator that ignores Range, as MiniStack does on a GET with a versionId, and records what reached it. */
const OBJECT = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let emulator: Server;
let shim: S3RangeShim;

beforeAll(async () => {
  emulator = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.method === 'PUT') {
        res.writeHead(200, { etag: '"e1"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': String(OBJECT.length), etag: '"e1"', 'x-amz-version-id': 'v1' });
      if (req.url?.startsWith('/drop')) {
        res.write(OBJECT.subarray(0, 1000)); // then the emulator goes away mid-body
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(OBJECT);
    });
  });
  await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
  shim = await startS3RangeShim(`http://127.0.0.1:${(emulator.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise((resolve) => shim.server.close(resolve));
  await new Promise((resolve) => emulator.close(resolve));
});

const get = (path: string, range?: string) => fetch(`${shim.url}${path}`, { headers: range ? { range } : {} });

describe('the S3 range shim (local platform)', () => {
  it('answers a ranged GET of a version with only those bytes and 206, as S3 does', async () => {
    const res = await get('/ingest/uploads/u1?versionId=v1&X-Amz-Signature=abc', 'bytes=150000-150099');
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 150000-150099/${OBJECT.length}`);
    expect(res.headers.get('x-amz-version-id')).toBe('v1');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(OBJECT.subarray(150_000, 150_100));
  });

  it('reads open-ended and suffix ranges as S3 does', async () => {
    const open = await get('/ingest/uploads/u1?versionId=v1', 'bytes=199990-');
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer())).toEqual(OBJECT.subarray(199_990));
    const suffix = await get('/ingest/uploads/u1?versionId=v1', 'bytes=-5');
    expect(suffix.headers.get('content-range')).toBe(`bytes 199995-199999/${OBJECT.length}`);
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(OBJECT.subarray(199_995));
  });

  it('refuses a range past the object with 416; a header that is not one range gets the whole object', async () => {
    expect((await get('/ingest/uploads/u1?versionId=v1', 'bytes=300000-')).status).toBe(416);
    const many = await get('/ingest/uploads/u1?versionId=v1', 'bytes=0-1,4-5');
    expect(many.status).toBe(200);
    expect((await many.arrayBuffer()).byteLength).toBe(OBJECT.length);
  });

  it('cuts the answer when the emulator drops mid-body, sliced or passed through, rather than leaving it hanging', async () => {
    for (const [path, range] of [
      ['/drop/u1?versionId=v1', 'bytes=500-150000'],
      ['/drop/u1', undefined],
    ] as const) {
      const read = get(path, range).then((r) => r.arrayBuffer());
      await expect(read).rejects.toThrow();
    }
  });

  it('passes everything else through untouched, with the Host the request was signed for', async () => {
    const whole = await get('/ingest/uploads/u1', 'bytes=0-9'); // not versioned: the emulator's own answer
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(OBJECT.length);
    const put = await fetch(`${shim.url}/out/assets/a/x.m4s?x-id=PutObject`, { method: 'PUT', body: 'media' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"e1"');
    const last = seen.at(-1);
    expect(last).toMatchObject({ method: 'PUT', url: '/out/assets/a/x.m4s?x-id=PutObject', body: 'media' });
    expect(last?.headers.host).toBe(new URL(shim.url).host);
  });
});

describe('byteRange', () => {
  it.each([
    ['bytes=0-0', 10, { start: 0, end: 0, total: 10 }],
    ['bytes=5-', 10, { start: 5, end: 9, total: 10 }],
    ['bytes=8-100', 10, { start: 8, end: 9, total: 10 }],
    ['bytes=-3', 10, { start: 7, end: 9, total: 10 }],
    ['bytes=10-', 10, 'unsatisfiable'],
    ['bytes=4-2', 10, undefined],
    ['bytes=-', 10, undefined],
    ['bytes=0-1,4-5', 10, undefined],
  ])('%s of %i bytes', (header, total, expected) => {
    expect(byteRange(header, total)).toEqual(expected);
  });
});
