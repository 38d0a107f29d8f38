/** The local dashboard server gives its development token only to pages served under this machine's own names. */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, startDashboardServer } from '../../scripts/local/dashboard-server.js';

/** GET `path` with a Host header of our choosing (fetch would not let us set it). */
function get(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server', () => {
  it('answers config.json with the development token on localhost names, and nothing on any other Host', async () => {
    const distDir = mkdtempSync(join(tmpdir(), 'dashboard-dist-'));
    writeFileSync(join(distDir, 'index.html'), '<!doctype html>');
    const { url, server } = await startDashboardServer({
      apiUrl: 'http://127.0.0.1:9/api',
      websocketUrl: 'ws://127.0.0.1:9',
      streamUrl: 'http://127.0.0.1:9',
      devToken: { id: 'dev', secret: 'dev-secret' },
      distDir,
    });
    try {
      const port = new URL(url).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        const own = await get(url, '/config.json', host);
        expect(own.status, host).toBe(200);
        expect(JSON.parse(own.body).devToken).toEqual({ id: 'dev', secret: 'dev-secret' });
      }
      for (const path of ['/config.json', '/', '/api/video/v1/assets']) {
        const rebound = await get(url, path, `evil.example:${port}`);
        expect(rebound.status, path).toBe(421);
        expect(rebound.body).not.toContain('dev-secret');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes only loopback names as its own', () => {
    expect(['localhost', 'LOCALHOST:80', '127.0.0.1:4590', '[::1]:1'].every(isLoopbackHost)).toBe(true);
    expect(['localhost.evil.example', '127.0.0.1.nip.io', '10.0.0.1', undefined].some(isLoopbackHost)).toBe(false);
  });
});
