/**
 * Plays CloudFront for the emulator, with the distribution's behaviours (lib/constructs/stream.ts): `/assets/*`
 * needs a signed URL of the trusted key group, checked as CloudFront checks it (MiniStack does not model signed
 * URLs), and is then served from the output bucket, except rendition playlists (`/assets/*.m3u8`), which go to the
 * playback function like everything else (invoked as its function URL would invoke it).
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { CloudFrontClient, GetKeyGroupCommand, GetPublicKeyCommand } from '@aws-sdk/client-cloudfront';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { verifyCdnSignature } from '../../lambdas/core/domain/cdn-signature.js';

export interface StreamServerOptions {
  outputBucket: string;
  playbackFunctionName: string;
  /** The key group `/assets/*` trusts (the stack's PlaybackKeyGroupId output). */
  keyGroupId: string;
  port?: number;
  s3: S3Client;
  lambda?: LambdaClient;
  cloudfront?: CloudFrontClient;
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length,content-range' };

export async function startStreamServer(options: StreamServerOptions): Promise<{ url: string; server: Server }> {
  const lambda = options.lambda ?? new LambdaClient({});
  const publicKeys = await keyGroupPublicKeys(options.cloudfront ?? new CloudFrontClient({}), options.keyGroupId);
  const server = createServer((req, res) => {
    // Routed on the normalised path, as CloudFront matches its behaviours.
    const path = normalisedPath(new URL(req.url ?? '/', 'http://x').pathname);
    const handle = path === undefined || path.startsWith('/assets/') ? serveSigned : servePlayback;
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', ...CORS });
      res.end(`Upstream error: ${err.message}`);
    });
  });

  /**
   * `/assets/*`: refused without a valid signature for the URL as CloudFront sees it. CloudFront normalises the
   * path (percent-decoding, dot segments) before it matches behaviours and checks the policy, so the check here is
   * on the normalised path too, and the object served is the one that path names: `/assets/A/..%2FB/x` is checked,
   * and served, as `/assets/B/x`.
   */
  async function serveSigned(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'OPTIONS')
      return void res.writeHead(204, { ...CORS, 'access-control-allow-headers': 'range' }).end();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const path = normalisedPath(url.pathname);
    if (path === undefined) return void res.writeHead(400, { 'content-type': 'text/plain', ...CORS }).end('Bad path');
    url.pathname = path;
    const check = verifyCdnSignature(url, (id) => publicKeys.get(id));
    if (!check.ok) return void res.writeHead(403, { 'content-type': 'text/plain', ...CORS }).end(check.reason);
    return path.endsWith('.m3u8') ? servePlayback(req, res, url) : serveObject(req, res, path.slice(1));
  }

  async function serveObject(req: IncomingMessage, res: ServerResponse, key: string) {
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

  async function servePlayback(req: IncomingMessage, res: ServerResponse, normalised?: URL) {
    const url = normalised ?? new URL(req.url ?? '/', 'http://x');
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

/**
 * A request path as CloudFront resolves it: percent-decoded, then `.` and `..` segments removed (never above the
 * root). Undefined when the encoding is malformed or the path holds a NUL.
 */
export function normalisedPath(rawPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const segments: string[] = [];
  for (const segment of decoded.split('/').slice(1)) {
    if (segment === '..') segments.pop();
    else if (segment !== '.') segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** The public keys of a key group by id, as CloudFront knows them. */
async function keyGroupPublicKeys(cloudfront: CloudFrontClient, keyGroupId: string): Promise<Map<string, KeyObject>> {
  const group = await cloudfront.send(new GetKeyGroupCommand({ Id: keyGroupId }));
  const keys = new Map<string, KeyObject>();
  for (const id of group.KeyGroup?.KeyGroupConfig?.Items ?? []) {
    const key = await cloudfront.send(new GetPublicKeyCommand({ Id: id }));
    const pem = key.PublicKey?.PublicKeyConfig?.EncodedKey;
    if (pem) keys.set(id, createPublicKey(pem));
  }
  if (keys.size === 0) throw new Error(`Key group ${keyGroupId} has no public keys`);
  return keys;
}
