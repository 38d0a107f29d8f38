import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { InvalidInputError } from '../domain/errors.js';
import { type AddressPolicy, refusedAddress, refusedInputUrl } from '../domain/url-safety.js';
import type { FileFetcher, InputFetcher } from '../ports.js';

const MAX_REDIRECTS = 5;

/**
 * A DNS lookup that refuses the addresses url-safety.ts refuses: the check happens on the address the socket
 * connects to, so a host that resolves differently the second time (DNS rebinding) is still caught.
 */
export function safeLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.map((a) => refusedAddress(a.address, policy)).find(Boolean);
      if (bad) return callback(new InvalidInputError(`The input URL's host is refused: ${bad}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Streams an http(s) URL into S3 (multipart, so size is bounded by time, not memory), following safe redirects. */
export class HttpInputFetcher implements InputFetcher {
  constructor(
    private readonly s3: S3Client,
    private readonly policy: AddressPolicy = {},
    private readonly timeoutMs = 60_000,
  ) {}

  async fetchTo(url: string, bucket: string, key: string): Promise<{ bytes: number }> {
    const res = await safeGet(url, this.policy, this.timeoutMs);
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await new Upload({ client: this.s3, params: { Bucket: bucket, Key: key, Body: res } }).done();
    return { bytes };
  }
}

/**
 * Reads a small file (a subtitle track) into memory under the same address rules, refusing it as soon as it passes
 * `maxBytes` (declared or received): nothing past the cap is read.
 */
export class HttpFileFetcher implements FileFetcher {
  constructor(
    private readonly policy: AddressPolicy = {},
    private readonly timeoutMs = 10_000,
  ) {}

  async fetchBytes(url: string, maxBytes: number): Promise<Uint8Array> {
    const res = await safeGet(url, this.policy, this.timeoutMs);
    const tooLarge = () => new InvalidInputError(`The file is larger than ${maxBytes} bytes`);
    if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
      res.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        res.destroy();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
}

/**
 * GETs an http(s) URL whose every address (and every redirect's) passes url-safety.ts: the response of a 2xx.
 * InvalidInputError for a refused address, a 4xx or too many redirects; other errors (5xx, network) may pass on retry.
 */
async function safeGet(url: string, policy: AddressPolicy, timeoutMs: number, redirects = 0): Promise<IncomingMessage> {
  const refused = await refusedInputUrl(url, async (host) => resolveAll(host), policy);
  if (refused) throw new InvalidInputError(`The input URL ${refused}`);
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(target, { lookup: safeLookup(policy), timeout: timeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new Error(`No answer from ${target.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects >= MAX_REDIRECTS) throw new InvalidInputError('The input URL redirects too many times');
    return safeGet(new URL(res.headers.location, target).href, policy, timeoutMs, redirects + 1);
  }
  if (status >= 400 && status < 500) {
    res.resume();
    throw new InvalidInputError(`The input URL answered ${status}`);
  }
  if (status < 200 || status >= 300) {
    res.resume();
    throw new Error(`The input URL answered ${status}`);
  }
  return res;
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );
}
