/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core), against the local platform:
 * sign in, upload a generated clip through the file input, watch its row reach `ready` without a reload, open it,
 * play it (time advances, several qualities offered), delete it. Screenshots go to test-results/screenshots/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('dashboard', () => {
  const config = needsPlatform('drives the dashboard the local platform serves with its development token');
  const client = new GammaClient(config);
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** The dashboard titles an upload after its file name; unique, so rows of earlier runs never match. */
  const title = `dashboard clip ${Date.now().toString(36)}`;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('is served with its config by the local platform', async () => {
    expect(config.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${config.dashboardUrl}/config.json`);
    const served = await res.json();
    expect(served).toMatchObject({ websocketUrl: config.websocketUrl, streamUrl: config.streamUrl });
    expect(served.devToken).toEqual({ id: config.tokenId, secret: config.tokenSecret });
  });

  it('refuses a wrong token in words', async () => {
    await page.goto(config.dashboardUrl);
    await page.getByLabel('Access token ID').fill(config.tokenId);
    await page.getByLabel('Secret key').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('access token was not accepted');
    await shot('sign-in-refused');
  });

  it('signs in, uploads a clip, and shows the row reach ready by itself', async () => {
    problems.length = 0; // the refused sign-in's 401 was the point of the test before
    await page.getByLabel('Access token ID').fill(config.tokenId);
    await page.getByLabel('Secret key').fill(config.tokenSecret);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    // Live updates must be flowing before the upload, so that `ready` can only arrive over the WebSocket.
    await page.locator('.live[data-state="live"]').waitFor({ timeout: 30_000 });
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-web-')), `${title}.mp4`), {
      seconds: 8,
      width: 1280,
      height: 720,
    });
    // The upload row with its progress bar can come and go within one polling interval on a fast machine, so the
    // page itself records that it was shown.
    await page.evaluate(() => {
      const seen = { progress: false };
      Object.assign(window, { seen });
      new MutationObserver(() => {
        if (document.querySelector('li.upload-row progress')) seen.progress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.locator('input[type=file]').setInputFiles(clip);

    const row = page.locator('li[data-asset]').filter({ hasText: title });
    await row.waitFor({ timeout: 60_000 });
    await row.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 240_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { seen: { progress: boolean } }).seen.progress)).toBe(true);
    await expect.poll(() => row.getByLabel('Duration').textContent()).toBe('0:08');
    await expect.poll(() => row.getByLabel('Resolution').textContent()).toBe('720p');
    await shot('assets-list');

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(config.dashboardUrl);
    await phone.getByRole('button', { name: 'Use the development token' }).click();
    await phone.locator('li[data-asset][data-status="ready"]').first().waitFor();
    await shot('assets-list-phone', phone);
    await phone.close();
  });

  it('opens the asset and plays it with several qualities to choose from', async () => {
    await page.getByRole('link', { name: title }).click();
    await page.getByRole('heading', { name: title }).waitFor();
    const quality = page.getByLabel('Quality');
    await expect.poll(() => quality.locator('option').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const levels = await quality.locator('option').allTextContents();
    expect(levels[0]).toMatch(/^Auto/);
    expect(levels.slice(1)).toContain('720p');

    await page.getByRole('button', { name: 'Play', exact: true }).click();
    const video = page.locator('video');
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 })
      .toBeGreaterThan(1);
    // Switching quality by hand keeps playing.
    await quality.selectOption({ label: levels.at(-1) ?? '' });
    const at = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
      .toBeGreaterThan(at);

    const playbackUrl = await page.locator('input[id^="playback-url-"]').inputValue();
    expect(playbackUrl).toMatch(new RegExp(`^${config.streamUrl}/[A-Za-z0-9]+\\.m3u8$`));
    expect(await page.locator('textarea[id^="embed-code-"]').inputValue()).toContain('<iframe');
    await video.evaluate((v: HTMLVideoElement) => v.pause());
    await shot('asset-player');
  });

  it('deletes the asset after confirmation', async () => {
    const assetId = (page.url().split('#/assets/')[1] ?? '').trim();
    expect(assetId).not.toBe('');
    await page.getByRole('button', { name: 'Delete asset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this asset?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete asset' }).click();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    await expect.poll(() => page.locator(`li[data-asset="${assetId}"]`).count()).toBe(0);
    const { status, json } = await client.request('GET', `/video/v1/assets/${assetId}`);
    expect(status === 404 || json?.data?.status === 'deleted').toBe(true);
    expect(problems).toEqual([]);
  });

  it('uploads with "Also make an MP4 download" and links the MP4 on the asset page', async () => {
    await page.getByLabel('Also make an MP4 download').check();
    const name = `download ${Date.now().toString(36)}`;
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-web-')), `${name}.mp4`), { seconds: 3 });
    await page.locator('input[type=file]').setInputFiles(clip);
    const row = page.locator('li[data-asset]').filter({ hasText: name });
    await row.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 240_000 });
    const assetId = (await row.getAttribute('data-asset')) ?? '';
    await client.until(
      'the MP4 download to be made',
      async () => (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data,
      (a) => a?.static_renditions?.files?.[0]?.status === 'ready',
      120_000,
    );
    // The choice is remembered for the next uploads; unticked again so later runs start from the default.
    await page.reload();
    expect(await page.getByLabel('Also make an MP4 download').isChecked()).toBe(true);
    await page.getByLabel('Also make an MP4 download').uncheck();

    await page.getByRole('link', { name }).click();
    const link = page.getByRole('region', { name: 'Downloads' }).getByRole('link', { name: 'highest.mp4' });
    await link.waitFor();
    await shot('asset-downloads');
    const href = (await link.getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^${config.streamUrl}/[A-Za-z0-9]+/highest\\.mp4$`));
    const mp4 = Buffer.from(await (await fetch(href)).arrayBuffer());
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(problems).toEqual([]);
  });
});
