/**
 * Plays the dashboard's CloudFront distribution for the local platform: the Vite build (web/dist) as static files,
 * `config.json` with the platform's URLs (and, on this machine only, the development token), and `/api/*` passed
 * to the HTTP API on the same origin. The pass-through is there because MiniStack 1.5.33 does not answer the
 * API's CORS preflight from the config CloudFormation deployed (it stores the keys as `AllowOrigins`, its data
 * plane reads `allowOrigins`) nor add CORS headers to authorizer denials; on AWS the browser calls the API
 * directly, allowed by the API's `corsPreflight`. Presigned S3 PUTs, the WebSocket and playback go direct.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

export const WEB_DIR = join(import.meta.dirname, '..', '..', 'web');
export const DIST_DIR = join(WEB_DIR, 'dist');

/** What the dashboard reads from `config.json` (web/src/config.ts); the CDK writes the same file on AWS. */
export interface DashboardConfigFile {
  apiUrl: string;
  websocketUrl: string;
  streamUrl: string;
  imageUrl?: string;
  devToken?: { id: string; secret: string };
}

export interface DashboardServerOptions {
  /** The real API base URL, which `/api` passes to. */
  apiUrl: string;
  websocketUrl: string;
  streamUrl: string;
  devToken?: { id: string; secret: string };
  /** @default a free port */
  port?: number;
  /** @default web/dist */
  distDir?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The newest modification time among the dashboard's sources (web/ without dist/). */
function newestSource(dir = WEB_DIR): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds web/dist with Vite when it is missing or older than its sources (a build takes a few seconds). */
export async function buildDashboard(
  options: { force?: boolean; log?: (line: string) => void } = {},
): Promise<boolean> {
  const built = join(DIST_DIR, 'index.html');
  if (!options.force && existsSync(built) && statSync(built).mtimeMs >= newestSource()) return false;
  options.log?.('[gamma] building the dashboard (vite build)');
  const vite = join(WEB_DIR, '..', 'node_modules', '.bin', 'vite');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(vite, ['build', '--config', join(WEB_DIR, 'vite.config.ts')], {
      cwd: WEB_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed:\n${output}`))));
  });
  return true;
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<{ url: string; server: Server }> {
  const distDir = options.distDir ?? DIST_DIR;
  let origin = '';
  const server = createServer((req, res) => {
    // Only under this machine's own names: `config.json` holds the development token, and a web page on another
    // name that resolves here (DNS rebinding) would otherwise read it as same-origin.
    if (!isLoopbackHost(req.headers.host)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('The dashboard answers on localhost or 127.0.0.1 only');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handle = path === '/api' || path.startsWith('/api/') ? proxy : path === '/config.json' ? config : file;
    handle(req, res, path).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Dashboard server error: ${err.message}`);
    });
  });

  async function config(_req: IncomingMessage, res: ServerResponse) {
    const body: DashboardConfigFile = {
      apiUrl: `${origin}/api`,
      websocketUrl: options.websocketUrl,
      streamUrl: options.streamUrl,
      ...(options.devToken && { devToken: options.devToken }),
    };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }

  async function proxy(req: IncomingMessage, res: ServerResponse, path: string) {
    const search = new URL(req.url ?? '/', 'http://x').search;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${options.apiUrl}${path.slice('/api'.length)}${search}`, {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const out: Record<string, string> = { 'cache-control': 'no-store' };
    for (const name of ['content-type', 'allow', 'location']) {
      const value = upstream.headers.get(name);
      if (value) out[name] = value;
    }
    res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
  }

  async function file(req: IncomingMessage, res: ServerResponse, path: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const relative = normalize(decodeURIComponent(path === '/' ? '/index.html' : path)).replace(/^([/\\])+/, '');
    const full = join(distDir, relative);
    if (!full.startsWith(distDir + sep) || !existsSync(full) || !statSync(full).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const body = await readFile(full);
    res.writeHead(200, {
      'content-type': TYPES[extname(full)] ?? 'application/octet-stream',
      'content-length': String(body.length),
      // Vite names built assets by content hash; the pages and config must always be fresh.
      'cache-control': relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return { url: origin, server };
}

/** A Host header naming this machine's loopback: localhost, 127.0.0.1 or [::1], with any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = host?.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}
