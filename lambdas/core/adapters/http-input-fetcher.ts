import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline } from 'node:stream';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { InvalidInputError } from '../domain/errors.js';
import { type AddressPolicy, refusedAddress, refusedInputUrl } from '../domain/url-safety.js';
import type { FileFetcher, InputFetcher } from '../ports.js';
import { TransferGuard, type TransferLimits } from './transfer-guard.js';

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

/**
 * Streams an http(s) URL into S3 (multipart, so memory stays flat), following safe redirects, under `limits`
 * (transfer-guard.ts): a declared length over the size cap is refused before a byte is read, and the transfer is
 * stopped the moment it passes the cap, its deadline, or falls under the minimum throughput.
 */
export class HttpInputFetcher implements InputFetcher {
  constructor(
    private readonly s3: S3Client,
    private readonly policy: AddressPolicy,
    private readonly limits: TransferLimits,
    /** How long the socket may stay silent before the answer starts. */
    private readonly timeoutMs = 60_000,
  ) {}

  async fetchTo(url: string, bucket: string, key: string, maxBytes?: number): Promise<{ bytes: number }> {
    const limit = Math.min(this.limits.maxBytes, maxBytes ?? Number.POSITIVE_INFINITY);
    const guard = new TransferGuard({ ...this.limits, maxBytes: limit });
    const res = await guardedGet(url, this.policy, this.timeoutMs, guard);
    pipeline(res, guard, () => undefined);
    try {
      await new Upload({ client: this.s3, params: { Bucket: bucket, Key: key, Body: guard } }).done();
    } catch (err) {
      throw guard.failure ?? err;
    }
    return { bytes: guard.bytes };
  }

  async stored(bucket: string, key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }
}

/**
 * Reads a small file (a subtitle track) into memory under the same address rules and a transfer guard: refused as
 * soon as it passes `maxBytes` (declared or received), and stopped at `deadlineMs` however slowly it trickles, so a
 * hostile server cannot hold the API function.
 */
export class HttpFileFetcher implements FileFetcher {
  constructor(
    private readonly policy: AddressPolicy = {},
    private readonly timeoutMs = 10_000,
    private readonly deadlineMs = 20_000,
  ) {}

  async fetchBytes(url: string, maxBytes: number): Promise<Uint8Array> {
    const guard = new TransferGuard({ maxBytes, deadlineMs: this.deadlineMs, minBytesPerSecond: 0 });
    const res = await guardedGet(url, this.policy, this.timeoutMs, guard);
    pipeline(res, guard, () => undefined);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of guard as AsyncIterable<Buffer>) chunks.push(chunk);
    } catch (err) {
      throw guard.failure ?? err;
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
}

/**
 * GETs `url` under `guard`: the deadline covers the request and redirects too (a server slow to answer is stopped
 * as one slow to send), and a declared length over the cap is refused before a byte is read.
 */
async function guardedGet(
  url: string,
  policy: AddressPolicy,
  timeoutMs: number,
  guard: TransferGuard,
): Promise<IncomingMessage> {
  const response = safeGet(url, policy, timeoutMs, guard);
  guard.on('error', () => response.then((res) => res.destroy()).catch(() => undefined));
  const res = await Promise.race([response, failed(guard)]);
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > guard.maxBytes) {
    res.destroy();
    guard.destroy();
    throw new InvalidInputError(
      `The input is ${declared} bytes; this deployment accepts files up to ${guard.maxBytes} bytes`,
    );
  }
  return res;
}

/**
 * GETs an http(s) URL whose every address (and every redirect's) passes url-safety.ts: the response of a 2xx.
 * InvalidInputError for a refused address, a 4xx or too many redirects; other errors (5xx, network) may pass on retry.
 */
async function safeGet(
  url: string,
  policy: AddressPolicy,
  timeoutMs: number,
  guard: TransferGuard,
  redirects = 0,
): Promise<IncomingMessage> {
  const refused = await refusedInputUrl(url, async (host) => resolveAll(host), policy);
  if (refused) throw new InvalidInputError(`The input URL ${refused}`);
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(target, { lookup: safeLookup(policy), timeout: timeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new Error(`No answer from ${target.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    guard.on('error', (err) => req.destroy(err));
    req.end();
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects >= MAX_REDIRECTS) throw new InvalidInputError('The input URL redirects too many times');
    return safeGet(new URL(res.headers.location, target).href, policy, timeoutMs, guard, redirects + 1);
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

/** Rejects with the guard's reason once it stops the transfer (before the answer has started). */
function failed(guard: TransferGuard): Promise<never> {
  return new Promise((_resolve, reject) => guard.once('error', reject));
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );
}
