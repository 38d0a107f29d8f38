import type { WebhookSender } from '../ports.js';

/** POSTs with fetch, giving up after `timeoutMs`: a slow receiver costs one attempt, never the queue. */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly timeoutMs = 10_000) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await res.body?.cancel();
    return { status: res.status };
  }
}
