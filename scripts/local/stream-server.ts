/**
 * Plays CloudFront for the emulator, with the distribution's two behaviours: `/assets/*` is served from the
 * output bucket, everything else goes to the playback function (invoked as its function URL would invoke it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface StreamServerOptions {
  outputBucket: string;
  playbackFunctionName: string;
  port?: number;
  s3: S3Client;
  lambda?: LambdaClient;
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length,content-range' };

export async function startStreamServer(options: StreamServerOptions): Promise<{ url: string; server: Server }> {
  const lambda = options.lambda ?? new LambdaClient({});
  const server = createServer((req, res) => {
    const handle = req.url?.startsWith('/assets/') ? serveObject : servePlayback;
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', ...CORS });
      res.end(`Upstream error: ${err.message}`);
    });
  });

  async function serveObject(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'OPTIONS')
      return void res.writeHead(204, { ...CORS, 'access-control-allow-headers': 'range' }).end();
    const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    try {
      const object = await options.s3.send(
        new GetObjectCommand({ Bucket: options.outputBucket, Key: key, Range: req.headers.range }),
      );
      res.writeHead(object.ContentRange ? 206 : 200, {
        ...CORS,
        'content-type': object.ContentType ?? 'application/octet-stream',
        ...(object.ContentLength !== undefined && { 'content-length': String(object.ContentLength) }),
        ...(object.ContentRange && { 'content-range': object.ContentRange }),
        'accept-ranges': 'bytes',
        // As CloudFront does, the object's own Cache-Control (playlists change while an asset is preparing).
        'cache-control': object.CacheControl ?? 'public, max-age=31536000, immutable',
      });
      if (req.method === 'HEAD') return void res.end();
      (object.Body as Readable).pipe(res);
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || name === 'NotFound') {
        res.writeHead(404, { 'content-type': 'text/plain', ...CORS }).end('Not found');
        return;
      }
      throw err;
    }
  }

  async function servePlayback(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const event = {
      version: '2.0',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      queryStringParameters: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      requestContext: { http: { method: req.method ?? 'GET', path: url.pathname } },
      isBase64Encoded: false,
    };
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: options.playbackFunctionName, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const payload = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString() || '{}');
    if (out.FunctionError) throw new Error(payload.errorMessage ?? out.FunctionError);
    res.writeHead(payload.statusCode ?? 200, { ...CORS, ...(payload.headers ?? {}) });
    res.end(payload.isBase64Encoded ? Buffer.from(payload.body ?? '', 'base64') : (payload.body ?? ''));
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
