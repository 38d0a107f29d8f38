/**
 * The bench's stand-in for a presigned S3 URL: serves one file over HTTP with Range requests, as S3 does, and counts
 * the bytes it sent, so the bench measures how much of the source a chunk's ffmpeg reads when it seeks.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingSource {
  url: string;
  size: number;
  /** Bytes sent, and requests answered, since the last reset (each request is an S3 first byte on AWS). */
  sent(): number;
  requests(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function serveCounting(file: string): Promise<CountingSource> {
  const { size } = await stat(file);
  let sent = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const headers = { 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
    res.writeHead(
      range ? 206 : 200,
      range ? { ...headers, 'content-range': `bytes ${start}-${end}/${size}` } : headers,
    );
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = createReadStream(file, { start, end });
    body.on('data', (chunk) => {
      sent += chunk.length;
    });
    body.pipe(res);
    // ffmpeg drops a connection when it seeks: what it did not take is not counted as read.
    res.on('close', () => body.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/source.mp4`,
    size,
    sent: () => sent,
    requests: () => requests,
    reset: () => {
      sent = 0;
      requests = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
