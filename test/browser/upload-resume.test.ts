/**
 * The dashboard's multipart path in a real browser (Debian's Chromium through playwright-core), against the local
 * platform. The multipart threshold and part size are lowered through localStorage so a 13 MB clip goes in three
 * parts. Storage refuses the third part every time: the part is retried, then the row fails. After a page reload,
 * choosing the same file again resumes: only the third part is sent (its first attempt fails and is retried), the
 * upload completes, and the asset reaches ready.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsPlatform } from '../support/target.js';

const exec = promisify(execFile);
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const MiB = 1024 ** 2;

describe('dashboard multipart upload', () => {
  const config = needsPlatform('drives the dashboard the local platform serves with its development token');
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** Part numbers of the part PUTs the page made, in order. */
  let partPuts: number[] = [];
  const title = `resumable clip ${Date.now().toString(36)}`;
  let clip: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Noise compresses badly: 4 s of 640x360 is about 13 MB, three parts of 5 MiB.
    clip = join(mkdtempSync(join(tmpdir(), 'gamma-web-mp-')), `${title}.mp4`);
    await exec('ffmpeg', [
      ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-vf', 'noise=alls=40:allf=t'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip],
    ]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => {
      const part = new URL(req.url()).searchParams.get('partNumber');
      if (req.method() === 'PUT' && part) partPuts.push(Number(part));
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const uploadRow = () => page.locator('li.upload-row').filter({ hasText: title });

  it('sends a large file in parts, retries a failing part, then shows the upload failed', async () => {
    await page.goto(config.dashboardUrl);
    await page.evaluate(
      ({ threshold, partSize }) => {
        localStorage.setItem('gamma.multipartThreshold', threshold);
        localStorage.setItem('gamma.multipartPartSize', partSize);
      },
      { threshold: String(1 * MiB), partSize: String(5 * MiB) },
    );
    await page.getByRole('button', { name: 'Use the development token' }).click();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    await page.route(/partNumber=3/, (route) => route.abort('connectionfailed'));

    await page.locator('input[type=file]').setInputFiles(clip);

    await expect
      .poll(() => uploadRow().textContent(), { timeout: 60_000 })
      .toContain('Part 3 of 3 failed 3 times: The connection to storage failed.');
    await uploadRow()
      .getByRole('button', { name: /^Retry upload/ })
      .waitFor();
    expect(partPuts.filter((n) => n === 3)).toHaveLength(3);
    expect(partPuts.filter((n) => n !== 3).sort()).toEqual([1, 2]);
    await page.screenshot({ path: join(SCREENSHOTS, 'upload-part-failed.png'), fullPage: true });
  });

  it('after a reload, choosing the same file resumes with the missing part only and reaches ready', async () => {
    await page.unroute(/partNumber=3/);
    // Storage drops the next attempt at part 3 once more: the dashboard retries that part on its own.
    let dropped = 0;
    await page.route(/partNumber=3/, (route) => (dropped++ === 0 ? route.abort('connectionfailed') : route.continue()));
    await page.reload();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    await page.locator('.live[data-state="live"]').waitFor({ timeout: 30_000 });
    partPuts = [];
    await page.evaluate(() => {
      const seen = { resumed: false };
      Object.assign(window, { seen });
      new MutationObserver(() => {
        if (document.querySelector('li.upload-row')?.textContent?.includes('Resumed')) seen.resumed = true;
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });

    await page.locator('input[type=file]').setInputFiles(clip);

    const row = page.locator('li[data-asset]').filter({ hasText: title });
    await row.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 240_000 });
    expect(partPuts).toEqual([3, 3]);
    expect(await page.evaluate(() => (window as unknown as { seen: { resumed: boolean } }).seen.resumed)).toBe(true);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('gamma.resume')))).toEqual(
      [],
    );
    await expect.poll(() => row.getByLabel('Duration').textContent()).toBe('0:04');
    await page.screenshot({ path: join(SCREENSHOTS, 'upload-resumed-ready.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
