/** A small client of Gamma's API for the CLI: HTTP Basic with an access token, Mux's `{ data }` and error shapes. */
import type { CliConfig } from './config.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    messages: string[],
  ) {
    super(`${status}: ${messages.join('; ')}`);
  }
}

export class Api {
  constructor(private readonly config: CliConfig) {}

  // biome-ignore lint/suspicious/noExplicitAny: the CLI reads a few fields of Mux's JSON shapes and prints them
  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const { tokenId, tokenSecret, apiUrl } = this.config;
    if (!tokenId || !tokenSecret) {
      throw new Error('No access token: pass --token-id and --token-secret (or set GAMMA_TOKEN_ID/GAMMA_TOKEN_SECRET)');
    }
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${tokenId}:${tokenSecret}`).toString('base64')}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, json?.error?.messages ?? [res.statusText]);
    return json as T;
  }
}
