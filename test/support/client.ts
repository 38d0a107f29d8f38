/** A test client that uses the platform exactly as an outside client would: HTTPS API, presigned PUT, WebSocket. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import type { LocalConfig } from '../../scripts/local/platform.js';
import { recordCreated } from './ledger.js';

const exec = promisify(execFile);

/** What the client needs of a platform: a `Target` or the local platform's config. */
export type ClientConfig = Pick<LocalConfig, 'apiUrl' | 'websocketUrl' | 'tokenId' | 'tokenSecret'>;

export class GammaClient {
  constructor(readonly config: ClientConfig) {}

  private get auth() {
    return `Basic ${Buffer.from(`${this.config.tokenId}:${this.config.tokenSecret}`).toString('base64')}`;
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.config.apiUrl}${path}`, {
      method,
      headers: { authorization: this.auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      // The API's own answer, a redirect included (the playback helpers' 302 to the stream URL).
      redirect: 'manual',
    });
    const text = await res.text();
    const json = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
    if (method === 'POST' && path === '/system/v1/webhooks' && res.status === 201) {
      recordCreated('webhook-endpoint', json.data.id);
    }
    return { status: res.status, json };
  }

  async createUpload(settings: Record<string, unknown> = { new_asset_settings: { playback_policies: ['public'] } }) {
    const { status, json } = await this.request('POST', '/video/v1/uploads', settings);
    if (status !== 201 && status !== 200) throw new Error(`create upload: ${status} ${JSON.stringify(json)}`);
    return json.data as { id: string; url: string; status: string };
  }

  async put(url: string, file: string): Promise<number> {
    const res = await fetch(url, { method: 'PUT', body: new Uint8Array(await readFile(file)) });
    return res.status;
  }

  /** Polls until `check` returns a value, failing with the last observation at the deadline. */
  async until<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = await probe();
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`Timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
  }

  async assetOfUpload(uploadId: string): Promise<string> {
    const upload = await this.until(
      `upload ${uploadId} to get an asset`,
      async () => (await this.request('GET', `/video/v1/uploads/${uploadId}`)).json.data,
      (u) => Boolean(u?.asset_id),
    );
    return upload.asset_id as string;
  }

  async settledAsset(assetId: string) {
    return this.until(
      `asset ${assetId} to settle`,
      async () => (await this.request('GET', `/video/v1/assets/${assetId}`)).json.data,
      (a) => a?.status === 'ready' || a?.status === 'errored',
    );
  }

  /** Opens a status WebSocket and records every message it receives. */
  async listen(): Promise<{ messages: any[]; close: () => void }> {
    const url = `${this.config.websocketUrl}?token=${encodeURIComponent(`${this.config.tokenId}:${this.config.tokenSecret}`)}`;
    const ws = new WebSocket(url);
    const messages: any[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: ${res.statusCode}`)));
    });
    return { messages, close: () => ws.close() };
  }
}

/** Makes a test clip with ffmpeg's lavfi sources. */
export async function makeClip(
  file: string,
  { width = 1280, height = 720, seconds = 4, fps = 30, audio = true, audioCodec = 'aac' } = {},
): Promise<string> {
  await exec('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    ...(audio ? ['-c:a', audioCodec] : []),
    file,
  ]);
  return file;
}

export async function ffprobeDuration(url: string): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', url]);
  return Number(stdout.trim());
}
