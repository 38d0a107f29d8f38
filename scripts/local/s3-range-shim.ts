/**
 * Plays S3's ranged reads of an object version for the emulator. MiniStack 1.5.33 ignores `Range` on a GET with a
 * `versionId` and answers 200 with the whole object, so the transcoder (storage.ts `presignedGet`) would find the
 * store unable to serve ranges and download the whole source in every job, where on S3 each chunk job's ffmpeg reads
 * only its byte range of the pinned version. The transcoder's processes reach S3 through this shim
 * (AWS_ENDPOINT_URL_S3): it passes every request through to the emulator as it is, Host header included (what the
 * request or its presigned URL was signed for), and answers a ranged versioned GET that came back whole with the
 * requested bytes and 206, as S3 does. The slice is cut from the emulator's stream, which is closed once it is sent.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export interface S3RangeShim {
  url: string;
  server: Server;
}

/** Starts the shim in front of `emulatorUrl` (http only: the emulator's endpoint). */
export async function startS3RangeShim(emulatorUrl: string, port = 0): Promise<S3RangeShim> {
  const upstream = new URL(emulatorUrl);
  const server = createServer((req, res) => forward(upstream, req, res));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const range = req.method === 'GET' && isVersioned(req.url) ? req.headers.range : undefined;
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      // The emulator dropping mid-body, or the client going away, ends the other side too: no one waits forever.
      answer.on('aborted', () => {
        if (!res.writableEnded) res.destroy(); // not when the shim itself closed it, the slice sent
      });
      res.on('close', () => answer.destroy());
      const slice =
        range && answer.statusCode === 200 ? byteRange(range, Number(answer.headers['content-length'])) : undefined;
      if (slice === 'unsatisfiable') {
        res.writeHead(416, { 'content-type': 'application/xml' });
        res.end('<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message></Error>');
        answer.destroy();
        return;
      }
      if (!slice) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, res).catch(() => res.destroy());
        return;
      }
      sendSlice(answer, res, slice);
    },
  );
  out.on('error', (error) => {
    if (res.headersSent) return void res.destroy(); // mid-body: a cut answer, never text appended to it
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`S3 range shim: ${error.message}`);
  });
  pipeline(req, out).catch(() => out.destroy());
}

const isVersioned = (url: string | undefined) => new URL(url ?? '/', 'http://x').searchParams.has('versionId');

interface Slice {
  start: number;
  end: number;
  total: number;
}

/**
 * A single `bytes=` range of an object of `total` bytes, as S3 reads it: 'unsatisfiable' when it starts past the end
 * (S3's 416), undefined when it is not one valid range (S3 ignores such a header and sends the whole object).
 */
export function byteRange(header: string, total: number): Slice | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || !Number.isFinite(total) || (m[1] === '' && m[2] === '')) return undefined;
  const [first, last] = [m[1] ?? '', m[2] ?? ''];
  // bytes=-N: the last N bytes.
  const start = first === '' ? Math.max(0, total - Number(last)) : Number(first);
  const end = first === '' || last === '' ? total - 1 : Math.min(Number(last), total - 1);
  if (first !== '' && last !== '' && Number(last) < start) return undefined;
  return start < total ? { start, end, total } : 'unsatisfiable';
}

/** Sends bytes start..end of the emulator's whole-object answer as a 206, then closes the emulator's stream. */
function sendSlice(answer: IncomingMessage, res: ServerResponse, { start, end, total }: Slice): void {
  const headers = { ...answer.headers };
  delete headers['content-length'];
  res.writeHead(206, {
    ...headers,
    'content-length': String(end - start + 1),
    'content-range': `bytes ${start}-${end}/${total}`,
  });
  let offset = 0;
  answer.on('data', (chunk: Buffer) => {
    const from = Math.max(0, start - offset);
    const to = Math.min(chunk.length, end + 1 - offset);
    offset += chunk.length;
    if (to > from && !res.write(chunk.subarray(from, to))) {
      answer.pause();
      res.once('drain', () => answer.resume());
    }
    if (offset > end) {
      res.end();
      answer.destroy();
    }
  });
  answer.on('end', () => res.end());
  answer.on('error', () => {
    if (!res.writableEnded) res.destroy();
  });
}
