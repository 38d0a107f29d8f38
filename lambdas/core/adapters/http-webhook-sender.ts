import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressPolicy } from '../domain/url-safety.js';
import type { WebhookSender } from '../ports.js';
import { safeLookup } from './http-input-fetcher.js';

/**
 * How long one POST may take in all, from connecting to the answer's status line and headers. The deliver function
 * (`lib/constructs/webhooks.ts`) runs 30 s and takes batches of 10, whose records of one message group go one after
 * another: 10 posts at this deadline, plus their DynamoDB reads and writes, end well inside its timeout.
 */
export const WEBHOOK_DEADLINE_MS = 2_000;

/**
 * POSTs a webhook, giving up `deadlineMs` after it starts (a slow receiver costs one attempt, never the queue). The
 * deadline is total, not a socket's idle time: a receiver that trickles a header byte every few seconds is cut off
 * all the same. Redirects are not followed, and the connection refuses internal addresses (url-safety.ts): an
 * endpoint URL cannot be used to reach the function's own network, such as the Lambda runtime API on 127.0.0.1.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: AddressPolicy = {},
    private readonly deadlineMs = WEBHOOK_DEADLINE_MS,
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
        },
        (res) => {
          // The status is the answer; the body is drained, and cut off by the same deadline if it trickles.
          res.resume();
          // Cut off mid-body, the answer reports an error after its status was taken; there is nothing to do then.
          res.on('error', () => undefined);
          res.on('close', () => clearTimeout(deadline));
          resolve({ status: res.statusCode ?? 0 });
        },
      );
      const deadline = setTimeout(
        () => req.destroy(new Error(`No answer within ${this.deadlineMs} ms`)),
        this.deadlineMs,
      );
      req.on('error', (err) => {
        clearTimeout(deadline);
        reject(err);
      });
      req.end(body);
    });
  }
}
