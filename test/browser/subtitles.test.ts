/**
 * Subtitles in the dashboard, in a real browser (Debian's Chromium through playwright-core) against the local
 * platform: on a ready asset's page, the subtitles card adds a text track from an SRT URL (served on 127.0.0.1);
 * the player's captions menu then lists it, and choosing it renders its cue over the video (an active cue of a
 * showing text track); axe finds no serious violation on the page; deleting the track takes it out of the card and
 * the menu. Screenshots: test-results/screenshots/asset-subtitles.png, asset-subtitles-deleted.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';
import { CHROMIUM_ARGS, SCREENSHOTS, seriousViolations } from './axe.js';

const CUE = 'Hello from the subtitles';
const SRT = `1\n00:00:00,200 --> 00:00:08,000\n${CUE}\n\n2\n00:00:08,500 --> 00:00:09,500\nSecond cue\n`;

/** The text of the cues the browser is showing now, over every showing text track. */
const showingCues = (page: Page) =>
  page
    .locator('video')
    .evaluate((v: HTMLVideoElement) =>
      [...v.textTracks]
        .filter((track) => track.mode === 'showing')
        .flatMap((track) => [...(track.activeCues ?? [])].map((cue) => (cue as VTTCue).text)),
    );

describe('dashboard subtitles', () => {
  const config = needsPlatform('drives the dashboard the local platform serves, adding a track served on 127.0.0.1');
  const client = new GammaClient(config);
  let server: Server;
  let browser: Browser;
  let page: Page;
  let assetId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = createServer((req, res) => {
      if (req.url !== '/en.srt') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(SRT);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-subs-')), 'clip.mp4'), {
      width: 640,
      height: 360,
      seconds: 10,
    });
    const upload = await client.createUpload({
      new_asset_settings: { playback_policies: ['public'], meta: { title: `subtitles ${Date.now().toString(36)}` } },
    });
    expect(await client.put(upload.url, clip)).toBe(200);
    const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    assetId = asset.id;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('adds a subtitle track on the asset page; the captions menu lists it and its cue renders', async () => {
    await page.goto(config.dashboardUrl);
    await page.getByRole('button', { name: 'Use the development token' }).click();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    await page.goto(`${config.dashboardUrl}/#/assets/${assetId}`);
    const card = page.getByRole('region', { name: 'Subtitles and captions' });
    await card.getByText('No text tracks yet.').waitFor();
    // No subtitles in the master playlist yet: no captions menu.
    await expect
      .poll(() => page.getByLabel('Quality').locator('option').count(), { timeout: 30_000 })
      .toBeGreaterThan(1);
    expect(await page.getByLabel('Captions', { exact: true }).isHidden()).toBe(true);

    const port = (server.address() as AddressInfo).port;
    await card.getByLabel('WebVTT or SRT file URL').fill(`http://127.0.0.1:${port}/en.srt`);
    await card.getByLabel('Language code (BCP 47, e.g. en or fr-CA)').fill('en');
    await card.getByLabel('Name (optional: the language by default)').fill('English CC');
    await card.getByRole('checkbox').check();
    await card.getByRole('button', { name: 'Add text track' }).click();
    const row = card.locator('li.text-track').filter({ hasText: 'English CC' });
    await row.locator('[data-status="ready"]').waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('closed captions');

    const captions = page.getByLabel('Captions', { exact: true });
    await expect
      .poll(() => captions.locator('option').allTextContents(), { timeout: 30_000 })
      .toEqual(['Captions off', 'English CC']);
    await captions.selectOption({ label: 'English CC' });
    // From 1 s, well inside the first cue (0.2–8 s), so the cue is showing however slowly the machine plays.
    await page.locator('video').evaluate((v: HTMLVideoElement) => {
      v.currentTime = 1;
    });
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => showingCues(page), { timeout: 30_000 }).toContain(CUE);
    await page.locator('video').evaluate((v: HTMLVideoElement) => v.pause());
    await page.screenshot({ path: join(SCREENSHOTS, 'asset-subtitles.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('deletes the track after confirmation: gone from the card and the captions menu', async () => {
    const card = page.getByRole('region', { name: 'Subtitles and captions' });
    await card.getByRole('button', { name: 'Delete the text track English CC' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this text track?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await card.getByText('No text tracks yet.').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByLabel('Captions', { exact: true }).isHidden(), { timeout: 30_000 }).toBe(true);
    const asset = (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data;
    expect(asset.tracks.filter((t: { type: string }) => t.type === 'text')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'asset-subtitles-deleted.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
