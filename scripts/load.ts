/**
 * `npm run load`: the platform under load on this machine, against loopback only, bounded in count and time.
 *
 *   npm run load                                   # starts its own local platform, 500 uploads, 100 clips
 *   npm run load -- --uploads 50 --clips 10        # smaller
 *   npm run load -- --running                      # use the platform `npm start` runs (.gamma/local.json)
 *   npm run load -- --concurrency 3                # transcoder tasks the Fargate agent runs at once
 *   npm run load -- --connections 50               # HTTP connections to the API (a Lambda process each)
 *
 * 0. sends one request per connection, so the emulator has started the API's Lambda processes (reported apart);
 * 1. creates `uploads` direct uploads at once (POST /video/v1/uploads), timing each (the client keeps a pool of
 *    `connections`, and a request's wait for one counts in its latency);
 * 2. PUTs a short generated clip (2 s, 320x240, made once with ffmpeg) to `clips` of them at once;
 * 3. polls each of those (GET /video/v1/uploads/{id}, then GET /video/v1/assets/{id}) until its asset settles, all
 *    at once, timing every request;
 * 4. checks that nothing was lost or duplicated: every clip's asset is `ready`, each listed exactly once, under its
 *    own id, and every upload created is listed exactly once.
 *
 * Prints p50/p95/p99 latencies of create-upload and get-asset, the requests per second each phase sustained, and
 * the time from the first PUT to the last asset `ready`. Exits non-zero when an expectation fails.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeClip } from '../test/support/client.js';
import { type LocalConfig, type Platform, STATE_DIR, startPlatform } from './local/platform.js';

export interface LoadOptions {
  /** Direct uploads created at once. */
  uploads: number;
  /** Of those, how many get a clip PUT to them (all at once) and must end `ready`. */
  clips: number;
  /** From the first PUT, how long the clips have to become `ready`. */
  deadlineMs: number;
  /**
   * HTTP connections to the API. The emulator runs a Lambda process per request in flight, as Lambda scales to
   * one execution environment per concurrent request, so this bounds the machine's memory. @default 50
   */
  connections?: number;
  /** Between two polls of one upload or asset. @default 500 */
  pollMs?: number;
  log?: (line: string) => void;
}

export interface Latencies {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  /** The first request on each connection, each starting a Lambda process. */
  coldStart: Latencies;
  createUpload: Latencies & { seconds: number; perSecond: number };
  getAsset: Latencies;
  /** Every API request of the polling phase (uploads and assets), over that phase. */
  polling: { requests: number; seconds: number; perSecond: number };
  /** From the first PUT to the last asset `ready`. */
  allReadySeconds: number;
  /** Expectations that failed; empty when the run passed. */
  failures: string[];
}

/** Nearest-rank percentiles of millisecond samples. */
export function latencies(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

interface Upload {
  id: string;
  url: string;
}

interface Asset {
  id: string;
  status: string;
  upload_id?: string;
  errors?: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the API's Mux-shaped JSON, read field by field
type Json = any;

/**
 * A request against the API with its latency (to the last byte of the body), as a client measures it. Requests
 * share a pool of `connections` keep-alive connections; the rest wait for one, and that wait counts in the latency.
 */
class Api {
  private readonly auth: string;
  private readonly agent: Agent;
  constructor(
    private readonly config: Pick<LocalConfig, 'apiUrl' | 'tokenId' | 'tokenSecret'>,
    connections: number,
  ) {
    this.auth = `Basic ${Buffer.from(`${config.tokenId}:${config.tokenSecret}`).toString('base64')}`;
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; ms: number }> {
    const started = performance.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.config.apiUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: { authorization: this.auth, ...(payload !== undefined && { 'content-type': 'application/json' }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const ms = performance.now() - started;
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, ms });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Every item of a list endpoint, page by page with the cursor. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const { status, json } = await this.call(
        'GET',
        `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(json)}`);
      items.push(...json.data);
      cursor = json.next_cursor;
    } while (cursor);
    return items;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms) / 1000;

/** The load run against a running platform. */
export async function runLoad(
  config: Pick<LocalConfig, 'apiUrl' | 'tokenId' | 'tokenSecret'>,
  clip: Buffer,
  options: LoadOptions,
): Promise<LoadReport> {
  if (options.clips > options.uploads) throw new Error('clips must not exceed uploads');
  const api = new Api(config, options.connections ?? 50);
  try {
    return await measure(api, clip, options);
  } finally {
    api.close();
  }
}

async function measure(api: Api, clip: Buffer, options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => {});
  const pollMs = options.pollMs ?? 500;
  const failures: string[] = [];

  // 0. One request per connection first: the emulator starts a Lambda process for each (a cold start, reported on
  // its own), so the burst below measures the platform warm, as it runs once traffic has arrived.
  const connections = options.connections ?? 50;
  log(`[load] warming ${connections} connections`);
  const warm = await Promise.all(
    Array.from({ length: connections }, () => api.call('GET', '/video/v1/uploads?limit=1')),
  );
  if (warm.some((r) => r.status !== 200)) failures.push('warm-up requests failed');
  const coldStart = latencies(warm.map((r) => r.ms));

  // 1. Every upload at once.
  log(`[load] creating ${options.uploads} uploads at once`);
  const createStarted = performance.now();
  const created = await Promise.all(
    Array.from({ length: options.uploads }, () =>
      api.call('POST', '/video/v1/uploads', { new_asset_settings: { playback_policies: ['public'] } }),
    ),
  );
  const createMs = performance.now() - createStarted;
  const refused = created.filter((r) => r.status !== 201);
  if (refused.length > 0) {
    failures.push(`${refused.length} create-upload requests failed, e.g. ${refused[0]?.status}`);
  }
  const uploads = created.filter((r) => r.status === 201).map((r) => r.json.data as Upload);
  const createUpload = {
    ...latencies(created.map((r) => r.ms)),
    seconds: seconds(createMs),
    perSecond: Math.round(created.length / (createMs / 1000)),
  };

  // 2. A clip to the first `clips` uploads, all at once.
  const withClip = uploads.slice(0, options.clips);
  log(`[load] PUT ${withClip.length} clips at once`);
  const putStarted = performance.now();
  const puts = await Promise.all(
    withClip.map(async (u) => (await fetch(u.url, { method: 'PUT', body: new Uint8Array(clip) })).status),
  );
  const putFailed = puts.filter((s) => s !== 200).length;
  if (putFailed > 0) failures.push(`${putFailed} PUTs failed`);

  // 3. Poll every one until its asset settles, all at once; get-asset requests are timed.
  const deadline = putStarted + options.deadlineMs;
  const getAssetMs: number[] = [];
  let pollRequests = 0;
  const pollStarted = performance.now();
  let readyAt = 0;
  let settled = 0;
  const progress = setInterval(() => log(`[load] ${settled}/${withClip.length} settled`), 10_000);
  const settle = async (upload: Upload): Promise<Asset | undefined> => {
    let assetId: string | undefined;
    while (performance.now() < deadline) {
      pollRequests++;
      if (!assetId) {
        const { status, json } = await api.call('GET', `/video/v1/uploads/${upload.id}`);
        if (status === 200) assetId = json.data.asset_id;
      } else {
        const { status, json, ms } = await api.call('GET', `/video/v1/assets/${assetId}`);
        getAssetMs.push(ms);
        if (status === 200 && (json.data.status === 'ready' || json.data.status === 'errored')) {
          readyAt = Math.max(readyAt, performance.now());
          settled++;
          return json.data as Asset;
        }
      }
      await sleep(pollMs);
    }
    return undefined;
  };
  const settledAssets = await Promise.all(withClip.map(settle)).finally(() => clearInterval(progress));
  const pollingMs = performance.now() - pollStarted;

  const unsettled = settledAssets.filter((a) => a === undefined).length;
  if (unsettled > 0) failures.push(`${unsettled} of ${withClip.length} assets not settled by the deadline`);
  const notReady = settledAssets.filter((a) => a && a.status !== 'ready');
  if (notReady.length > 0) {
    failures.push(`${notReady.length} assets not ready, e.g. ${JSON.stringify(notReady[0])}`);
  }

  // 4. Nothing lost, nothing duplicated: as the lists see it.
  log('[load] checking the lists');
  const ourUploads = new Set(uploads.map((u) => u.id));
  const listedUploads = (await api.all<Upload>('/video/v1/uploads')).filter((u) => ourUploads.has(u.id));
  const listedUploadIds = new Set(listedUploads.map((u) => u.id));
  if (listedUploads.length !== uploads.length || listedUploadIds.size !== uploads.length) {
    failures.push(
      `uploads listed: ${listedUploads.length} (${listedUploadIds.size} distinct), created: ${uploads.length}`,
    );
  }
  const listedAssets = (await api.all<Asset>('/video/v1/assets')).filter(
    (a) => a.upload_id && ourUploads.has(a.upload_id),
  );
  const assetsByUpload = new Map<string, Asset[]>();
  for (const asset of listedAssets) {
    assetsByUpload.set(asset.upload_id as string, [...(assetsByUpload.get(asset.upload_id as string) ?? []), asset]);
  }
  const duplicated = [...assetsByUpload.values()].filter((list) => list.length > 1);
  if (duplicated.length > 0) failures.push(`${duplicated.length} uploads have more than one asset`);
  const withoutAsset = withClip.filter((u) => !assetsByUpload.has(u.id));
  if (withoutAsset.length > 0) failures.push(`${withoutAsset.length} uploads with a clip have no asset listed`);
  const clipped = new Set(withClip.map((u) => u.id));
  const strays = [...assetsByUpload.keys()].filter((id) => !clipped.has(id));
  if (strays.length > 0) failures.push(`${strays.length} uploads that got no clip have an asset`);
  const mismatched = withClip.filter(
    (u, i) => settledAssets[i] && assetsByUpload.get(u.id)?.[0]?.id !== settledAssets[i]?.id,
  );
  if (mismatched.length > 0) failures.push(`${mismatched.length} uploads name an asset the list does not`);
  if (new Set(listedAssets.map((a) => a.id)).size !== listedAssets.length) failures.push('asset ids are not unique');

  return {
    coldStart,
    createUpload,
    getAsset: latencies(getAssetMs),
    polling: {
      requests: pollRequests,
      seconds: seconds(pollingMs),
      perSecond: Math.round(pollRequests / (pollingMs / 1000)),
    },
    allReadySeconds: readyAt > 0 && unsettled === 0 ? seconds(readyAt - putStarted) : Number.NaN,
    failures,
  };
}

/** The clip every PUT sends: 2 s, 320x240 with audio, generated once and kept in .gamma/. */
export async function loadClip(): Promise<Buffer> {
  const file = join(STATE_DIR, 'load-clip-320x240-2s.mp4');
  if (!existsSync(file)) {
    mkdirSync(STATE_DIR, { recursive: true });
    await makeClip(file, { width: 320, height: 240, seconds: 2, fps: 25 });
  }
  return readFileSync(file);
}

export function formatReport(report: LoadReport, options: LoadOptions): string {
  const ms = (l: Latencies) =>
    `p50 ${Math.round(l.p50)} ms  p95 ${Math.round(l.p95)} ms  p99 ${Math.round(l.p99)} ms  max ${Math.round(l.max)} ms  (n=${l.count})`;
  return [
    `cold start     ${ms(report.coldStart)}  (first request of each connection)`,
    `create-upload  ${ms(report.createUpload)}`,
    `               ${options.uploads} at once over ${options.connections ?? 50} connections, done in ${report.createUpload.seconds} s: ${report.createUpload.perSecond} req/s`,
    `get-asset      ${ms(report.getAsset)}`,
    `polling        ${report.polling.requests} requests in ${report.polling.seconds} s: ${report.polling.perSecond} req/s sustained`,
    `all ready      ${options.clips} clips ready ${report.allReadySeconds} s after the first PUT`,
  ].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      uploads: { type: 'string', default: '500' },
      clips: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      'deadline-seconds': { type: 'string', default: '600' },
      running: { type: 'boolean', default: false },
    },
  });
  const options: LoadOptions = {
    uploads: Number(values.uploads),
    clips: Number(values.clips),
    deadlineMs: Number(values['deadline-seconds']) * 1000,
    connections: Number(values.connections),
    log: (line) => console.log(line),
  };
  if (!(options.uploads >= 1 && options.uploads <= 2000)) throw new Error('--uploads must be 1–2000');
  if (!(options.clips >= 0 && options.clips <= 500)) throw new Error('--clips must be 0–500');
  if (!(Number(options.connections) >= 1 && Number(options.connections) <= 500))
    throw new Error('--connections: 1–500');
  if (!(options.deadlineMs > 0 && options.deadlineMs <= 3_600_000)) throw new Error('--deadline-seconds: 1–3600');

  const clip = await loadClip();
  let platform: Platform | undefined;
  let config: LocalConfig;
  const concurrency = Number(values.concurrency);
  if (values.running) {
    config = JSON.parse(readFileSync(join(STATE_DIR, 'local.json'), 'utf8')) as LocalConfig;
  } else {
    platform = await startPlatform({ logDir: join(STATE_DIR, 'load-logs'), concurrency });
    config = platform.config;
  }
  // Loopback only: this is a load test of the platform on this machine.
  for (const url of [config.apiUrl, config.endpoint]) {
    const host = new URL(url).hostname;
    if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) throw new Error(`${url} is not a loopback address`);
  }
  try {
    const load0 = loadavg()[0]?.toFixed(1);
    const report = await runLoad(config, clip, options);
    console.log(
      `\n${availableParallelism()} cores, load average ${load0} before and ${loadavg()[0]?.toFixed(1)} after` +
        (values.running ? '' : `; ${concurrency} transcoder tasks at once`),
    );
    console.log(formatReport(report, options));
    console.log(JSON.stringify({ ...options, log: undefined, concurrency, ...report }));
    if (report.failures.length > 0) {
      console.error(`\nFAILED:\n  ${report.failures.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    await platform?.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  await main();
}
