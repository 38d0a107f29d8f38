import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { InvalidInputError } from '../domain/errors.js';
import { type AddressPolicy, refusedAddress, refusedInputUrl } from '../domain/url-safety.js';
import type { InputFetcher } from '../ports.js';
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

  async fetchTo(url: string, bucket: string, key: string): Promise<{ bytes: number }> {
    const guard = new TransferGuard(this.limits);
    // The deadline covers the request and redirects too: a server slow to answer is stopped as one slow to send.
    const response = this.get(url, 0, guard);
    guard.on('error', () => response.then((res) => res.destroy()).catch(() => undefined));
    const res = await Promise.race([response, failed(guard)]);
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.limits.maxBytes) {
      res.destroy();
      guard.destroy();
      throw new InvalidInputError(
        `The input is ${declared} bytes; this deployment accepts files up to ${this.limits.maxBytes} bytes`,
      );
    }
    pipeline(res, guard, () => undefined);
    try {
      await new Upload({ client: this.s3, params: { Bucket: bucket, Key: key, Body: guard } }).done();
    } catch (err) {
      throw guard.failure ?? err;
    }
    return { bytes: guard.bytes };
  }

  private async get(url: string, redirects: number, guard: TransferGuard): Promise<IncomingMessage> {
    const refused = await refusedInputUrl(url, async (host) => resolveAll(host), this.policy);
    if (refused) throw new InvalidInputError(`The input URL ${refused}`);
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(target, { lookup: safeLookup(this.policy), timeout: this.timeoutMs }, resolve);
      req.on('timeout', () => req.destroy(new Error(`No answer from ${target.host} within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      guard.on('error', (err) => req.destroy(err));
      req.end();
    });
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (redirects >= MAX_REDIRECTS) throw new InvalidInputError('The input URL redirects too many times');
      return this.get(new URL(res.headers.location, target).href, redirects + 1, guard);
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
