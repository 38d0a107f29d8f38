/**
 * The dashboard in its second language, and its accessibility, in a real browser (Debian's Chromium through
 * playwright-core) against the local platform. The browser says it prefers French (`navigator.languages`), so
 * the dashboard starts in French; on each main view (sign-in, an upload in progress, the asset list, an errored
 * asset, the asset page with its player, and the list on a phone) the page shows no English message of the catalogue
 * (the API's own words, marked `lang="en"`, aside) and axe-core
 * finds no serious or critical violation. Then the language menu switches to English and back, remembered across a
 * reload. Screenshots of each view go to test-results/screenshots/*-fr.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.js';
import { fr } from '../../web/src/i18n/fr.js';
import { mediaRepository } from '../support/aws.js';
import { makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';
import { CHROMIUM_ARGS, SCREENSHOTS, seriousViolations } from './axe.js';

/**
 * The English words a French page must not show: each English message that French translates differently, cut at
 * its arguments into fragments, kept when a fragment has a word of three letters or more.
 */
const ENGLISH = Object.entries(en)
  .filter(([key, text]) => fr[key as keyof typeof fr] !== text)
  .flatMap(([key, text]) => literalFragments(text).map((fragment) => ({ key, fragment })))
  .filter(({ fragment }) => /\p{L}{3}/u.test(fragment));

function literalFragments(message: string): string[] {
  let text = message;
  // Innermost arguments first, until none is left: `{n, plural, one {# x} other {# xs}} left` → ["", " left"].
  while (/\{[^{}]*\}/.test(text)) text = text.replace(/\{[^{}]*\}/g, '\u0000');
  return text
    .split('\u0000')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Everything a person reads or hears on the page: its text, title and the labels assistive technology speaks. */
const spokenText = (page: Page) =>
  page.evaluate(() => {
    // Text marked as another language is not the page's to translate: the API's own messages, in English
    // (web/src/i18n `API_TEXT_LANGUAGE`). Left out of the read, then shown again.
    const foreign = [...document.body.querySelectorAll<HTMLElement>('[lang]')].filter(
      (el) => el.lang !== document.documentElement.lang,
    );
    const display = foreign.map((el) => el.style.display);
    for (const el of foreign) el.style.display = 'none';
    const attributes = ['aria-label', 'title', 'placeholder', 'alt', 'aria-valuetext'];
    const labels = [...document.querySelectorAll('*')]
      .filter((el) => !foreign.some((f) => f.contains(el)))
      .flatMap((el) => attributes.map((name) => el.getAttribute(name) ?? ''));
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text (hidden elements left out) is the point
    const text = [document.title, document.body.innerText, ...labels].join('\n');
    foreign.forEach((el, i) => {
      el.style.display = display[i] ?? '';
    });
    return text;
  });

async function untranslated(page: Page): Promise<string[]> {
  const text = await spokenText(page);
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return ENGLISH.filter(({ fragment }) =>
    new RegExp(`(?<![\\p{L}\\p{N}])${literal(fragment)}(?![\\p{L}\\p{N}])`, 'u').test(text),
  ).map(({ key, fragment }) => `${key}: "${fragment}"`);
}

describe('dashboard in French, accessible', () => {
  const config = needsPlatform('drives the dashboard the local platform serves with its development token');
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  // French words only: the title is part of the page text the English check reads.
  const title = `extrait ${Date.now().toString(36)}`;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  });

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: join(SCREENSHOTS, `${name}-fr.png`), fullPage: true });

  /** The checks every view passes: no English message shown, no serious accessibility violation. */
  async function checkView(name: string, target: Page = page) {
    await shot(name, target);
    expect(await untranslated(target), `English on the ${name} view`).toEqual([]);
    expect(await seriousViolations(target), `axe on the ${name} view`).toEqual([]);
  }

  it('starts in French because the browser prefers it: sign-in', async () => {
    expect(ENGLISH.length).toBeGreaterThan(100);
    await page.goto(config.dashboardUrl);
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    expect(await page.getByLabel('Langue').inputValue()).toBe('fr');
    await checkView('sign-in');
  });

  it('shows an upload in progress in French', async () => {
    await page.getByRole('button', { name: 'Utiliser le jeton de développement' }).click();
    await page.getByRole('heading', { name: 'Vidéos' }).waitFor();
    await page.locator('.live[data-state="live"]').waitFor({ timeout: 30_000 });
    await checkView('assets-empty');

    // Storage holds the file's PUT until the view has been checked, so the row stays in progress.
    let held: Route | undefined;
    const storagePut = (url: URL) => url.searchParams.has('X-Amz-Signature');
    await page.route(storagePut, (route) => {
      if (route.request().method() === 'PUT') held = route;
      else void route.continue();
    });
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-web-fr-')), `${title}.mp4`), { seconds: 4 });
    await page.locator('input[type=file]').setInputFiles(clip);
    await expect.poll(() => held !== undefined, { timeout: 30_000 }).toBe(true);
    const row = page.locator('li.upload-row').filter({ hasText: title });
    await row.getByRole('button', { name: `Annuler l’envoi de ${title}.mp4` }).waitFor();
    await checkView('upload-in-progress');
    await held?.continue();
    await page.unroute(storagePut);
  });

  it('shows the asset list in French once the asset is ready', async () => {
    const row = page.locator('li[data-asset]').filter({ hasText: title });
    await row.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 240_000 });
    await expect.poll(() => row.getByLabel('Durée').textContent()).toBe('0:04');
    expect(await row.locator('.badge').textContent()).toBe('Prête');
    // Other files' assets may share the environment: the summary counts the rows, with French plurals.
    const summary = async () => {
      const rows = await page.locator('li[data-asset]').count();
      const text = await page.locator('.summary').textContent();
      return text === (rows === 1 ? '1 vidéo sur cette page' : `${rows} vidéos sur cette page`);
    };
    await expect.poll(summary).toBe(true);
    await checkView('assets-list');
  });

  it("shows an errored asset's reason in the API's words, marked as English, the rest in French", async () => {
    const reason = 'The file could not be read as video or audio: Invalid data found when processing input';
    const id = `fr${Date.now().toString(36)}x${Math.random().toString(36).slice(2, 10)}`;
    const repository = mediaRepository(config);
    await repository.createAsset({
      id,
      env: 'dev',
      status: 'errored',
      created_at: Math.floor(Date.now() / 1000),
      source: { bucket: 'ingest', key: `uploads/${id}` },
      playback_ids: [],
      errors: { type: 'invalid_input', messages: [reason] },
      meta: { title: `illisible ${Date.now().toString(36)}` }, // French words only, as the title above
    });
    try {
      await page.reload();
      const row = page.locator(`li[data-asset="${id}"]`);
      await row.waitFor();
      expect(await row.locator('.badge').textContent()).toBe('En erreur');
      const shown = row.getByText(reason);
      expect(await shown.getAttribute('lang')).toBe('en');
      await checkView('assets-list-errored');
    } finally {
      await repository.deleteAsset(id);
    }
  });

  it('shows the asset page with its player in French', async () => {
    await page.getByRole('link', { name: title }).click();
    await page.getByRole('heading', { name: title }).waitFor();
    const quality = page.getByLabel('Qualité', { exact: true });
    await expect.poll(() => quality.locator('option').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Lire', exact: true }).click();
    const video = page.locator('video');
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 })
      .toBeGreaterThan(0.5);
    await video.evaluate((v: HTMLVideoElement) => v.pause());
    // Durations and dates are written the French way.
    const facts = await page.getByRole('region', { name: 'Détails' }).textContent();
    expect(facts).toMatch(/4\s+secondes/); // Intl writes a no-break space
    expect(facts).toMatch(/\d{1,2} \p{L}+\.? \d{4}/u);
    await checkView('asset-player');
  });

  it('reads on a phone in French', async () => {
    const small = { locale: 'fr-FR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
    const phone = await (await browser.newContext(small)).newPage();
    await phone.goto(config.dashboardUrl);
    await phone.getByRole('button', { name: 'Utiliser le jeton de développement' }).click();
    await phone.locator('li[data-asset][data-status="ready"]').first().waitFor();
    await checkView('assets-list-phone', phone);
    await phone.getByRole('link', { name: title }).click();
    await phone.getByLabel('Qualité', { exact: true }).waitFor();
    await checkView('asset-player-phone', phone);
    await phone.close();
  });

  it('switches language from the menu and remembers the choice', async () => {
    await page.goto(`${config.dashboardUrl}/#/`);
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Vidéos' }).waitFor();
    expect(problems).toEqual([]);
  });
});
