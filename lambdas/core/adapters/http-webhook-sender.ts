import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressPolicy } from '../domain/url-safety.js';
import type { WebhookSender } from '../ports.js';
import { safeLookup } from './http-input-fetcher.js';

/**
 * POSTs a webhook, giving up after `timeoutMs` (a slow receiver costs one attempt, never the queue). Redirects are
 * not followed, and the connection refuses internal addresses (url-safety.ts): an endpoint URL cannot be used to
 * reach the function's own network, such as the Lambda runtime API on 127.0.0.1.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: AddressPolicy = {},
    private readonly timeoutMs = 10_000,
  ) {}

  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup: safeLookup(this.policy),
          timeout: this.timeoutMs,
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`No answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
