/**
 * The dashboard for a team, in a real browser against the local platform: the environment menu switches
 * everything on screen to another environment's assets; search finds an asset of a later page by its external id;
 * the access tokens page creates a read-only token (its secret shown once) and the environments page renames an
 * environment; signed in with the read-only token, the dashboard shows no write control. axe-core finds no serious
 * violation on the new views. Screenshots of each view go to test-results/screenshots/team-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { mediaRepository, tokenRepository } from '../support/aws.js';
import { GammaClient } from '../support/client.js';
import { needsPlatform } from '../support/target.js';
import { CHROMIUM_ARGS, SCREENSHOTS, seriousViolations } from './axe.js';

/** One more than a page of the dashboard's list (25), so the oldest asset is on page 2. */
const ASSETS_IN_TEAM = 26;

describe('dashboard for a team: environments, tokens, search', () => {
  const config = needsPlatform('drives the dashboard the local platform serves with its development token');
  const dev = new GammaClient(config);
  const run = Date.now().toString(36);
  const devTitle = `dev-only ${run}`;
  const oldestExternalId = `EXT-${run}-OLDEST`;
  let environment: { id: string; name: string };
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let readOnly: { id: string; secret: string };

  // One a second, oldest first, from a few minutes ago: job-less `preparing` assets older than 15 minutes are what
  // the sweeper re-dispatches (sweep.ts), so older ones would each start three failing transcodes in the suite.
  // Removed after the tests.
  let created = Math.floor(Date.now() / 1000) - 5 * 60;
  const made: string[] = [];
  const asset = (env: string, title: string, externalId: string): AssetRecord => {
    const id = `${run}${made.length.toString().padStart(4, '0')}x${Math.random().toString(36).slice(2, 10)}`;
    made.push(id);
    return {
      id,
      env,
      status: 'preparing',
      created_at: created++,
      source: { bucket: 'ingest', key: `uploads/${run}-${created}` },
      playback_ids: [],
      meta: { title, external_id: externalId },
    };
  };

  beforeAll(async () => {
    const made = await dev.request('POST', '/system/v1/environments', { name: `Team ${run}` });
    environment = made.json.data;
    const repository = mediaRepository(config);
    // In order, so the first is the oldest: the last row of the environment's list.
    await repository.createAsset(asset(environment.id, `team oldest ${run}`, oldestExternalId));
    for (let i = 1; i < ASSETS_IN_TEAM; i++) {
      await repository.createAsset(asset(environment.id, `team ${i} ${run}`, `EXT-${run}-${i}`));
    }
    await repository.createAsset(asset('dev', devTitle, `EXT-${run}-DEV`));

    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } })).newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    const repository = mediaRepository(config);
    await Promise.all(made.map((id) => repository.deleteAsset(id)));
  });

  async function checkView(name: string, target: Page = page) {
    await target.screenshot({ path: join(SCREENSHOTS, `team-${name}.png`), fullPage: true });
    expect(await seriousViolations(target), `axe on the ${name} view`).toEqual([]);
  }
  const titles = () => page.locator('li[data-asset] .title').allTextContents();

  it('switches environment and then lists only that environment’s assets', async () => {
    await page.goto(config.dashboardUrl);
    await page.getByRole('button', { name: 'Use the development token' }).click();
    await page.getByRole('heading', { name: 'Assets' }).waitFor();
    await page.locator('li[data-asset]').filter({ hasText: devTitle }).waitFor();
    await checkView('assets-dev');

    await page.getByLabel('Environment').selectOption(environment.id);
    await expect.poll(() => page.getByLabel('Environment').inputValue(), { timeout: 30_000 }).toBe(environment.id);
    await expect.poll(async () => await page.locator('li[data-asset]').count(), { timeout: 30_000 }).toBe(25);
    const shown = (await titles()).join('\n');
    expect(shown).toContain(`team ${ASSETS_IN_TEAM - 1} ${run}`);
    expect(shown).not.toContain(devTitle);
    expect(shown).not.toContain(`team oldest ${run}`); // on page 2
    await checkView('assets-switched');
  });

  it('switches environment when signed in with a token that expires within the hour', async () => {
    // A token cannot outlive its creator: the switch token asks no lifetime and ends with the sign-in token.
    const made = await dev.request('POST', '/system/v1/access-tokens', {
      name: `hour ${run}`,
      permissions: ['video:write', 'system:write', 'organization:write'],
      expires_in: 3600,
    });
    expect(made.status).toBe(201);
    const hour = made.json.data as { id: string; secret: string; expires_at: string };
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } });
    const signedIn = await context.newPage();
    signedIn.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    try {
      await signedIn.goto(config.dashboardUrl);
      await signedIn.getByLabel('Access token ID').fill(hour.id);
      await signedIn.getByLabel('Secret key').fill(hour.secret);
      await signedIn.getByRole('button', { name: 'Sign in' }).click();
      await signedIn.getByRole('heading', { name: 'Assets' }).waitFor();
      await signedIn.getByLabel('Environment').selectOption(environment.id);
      const rows = () => signedIn.locator('li[data-asset]').count();
      await expect.poll(rows, { timeout: 30_000 }).toBe(25);
      // The switch token this session holds (web/src/environment-switch.ts keeps it in sessionStorage).
      const held = await signedIn.evaluate(() => JSON.parse(sessionStorage.getItem('gamma.switched') ?? '{}').id);
      const { json } = await dev.request('GET', `/system/v1/access-tokens/${held}`);
      expect(Number(json.data.expires_at)).toBeLessThanOrEqual(Number(hour.expires_at));
    } finally {
      await context.close();
      await dev.request('DELETE', `/system/v1/access-tokens/${hour.id}`);
    }
  });

  it('finds the asset of page 2 by its external id, ignoring case', async () => {
    await page.getByRole('searchbox').fill(oldestExternalId.toLowerCase());
    const row = page.locator('li[data-asset]').filter({ hasText: `team oldest ${run}` });
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('li[data-asset]').count()).toBe(1);
    await checkView('search');
    // A search the API finds nothing for says so, not that the environment has no videos yet.
    await page.getByRole('searchbox').fill(`nothing-${run}`);
    await page.getByText('Nothing matches this search or filter.').waitFor({ timeout: 15_000 });
    expect(await page.getByText('No videos yet').count()).toBe(0);
    await page.getByRole('searchbox').fill('');
  });

  it('creates a read-only token on the access tokens page, showing its secret once', async () => {
    await page.getByRole('link', { name: 'Access tokens' }).click();
    await page.getByRole('heading', { name: 'Access tokens', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(`read-only ${run}`);
    await page.getByLabel('Mux Video (assets, uploads)').selectOption('read');
    await page.getByLabel('System (signing keys, webhooks, tokens)').selectOption('none');
    await page.getByRole('button', { name: 'Create a token' }).click();
    await page.getByRole('heading', { name: 'Token created' }).waitFor();
    readOnly = {
      id: String(await page.locator('#new-token-id').textContent()),
      secret: String(await page.locator('#new-token-secret').textContent()),
    };
    const listed = page.locator(`tr[data-token-id="${readOnly.id}"]`);
    await listed.waitFor();
    expect(await listed.textContent()).toContain('video:read');
    await checkView('tokens');
    // The token belongs to the environment on screen.
    const whoami = await new GammaClient({ ...config, tokenId: readOnly.id, tokenSecret: readOnly.secret }).request(
      'GET',
      '/system/v1/whoami',
    );
    expect(whoami.json.data).toMatchObject({ environment_id: environment.id, permissions: ['video:read'] });
    // Made by the signed-in token, not the switch's own (revoked on the way back, and with it what it made).
    expect((await tokenRepository(config).get(readOnly.id))?.created_by).toBe(config.tokenId);
  });

  it('renames the environment on the environments page', async () => {
    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('heading', { name: 'Environments', level: 1 }).waitFor();
    const name = page.getByLabel(`Name of ${environment.id}`);
    await name.fill(`Team ${run} renamed`);
    await page.locator(`li[data-environment-id="${environment.id}"]`).getByRole('button', { name: 'Rename' }).click();
    await expect
      .poll(async () => (await dev.request('GET', `/system/v1/environments/${environment.id}`)).json.data.name)
      .toBe(`Team ${run} renamed`);
    await checkView('environments');
  });

  it('shows a read-only token no write control, and the API refuses its writes', async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } });
    const reader = await context.newPage();
    reader.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await reader.goto(config.dashboardUrl);
    await reader.getByLabel('Access token ID').fill(readOnly.id);
    await reader.getByLabel('Secret key').fill(readOnly.secret);
    await reader.getByRole('button', { name: 'Sign in' }).click();
    await reader.getByRole('heading', { name: 'Assets' }).waitFor();
    await reader.locator('li[data-asset]').first().waitFor();
    expect(await reader.locator('label[for="file-input"]').count()).toBe(0);
    expect(await reader.getByRole('link', { name: 'Access tokens' }).count()).toBe(0);
    await checkView('read-only-assets', reader);

    const first = reader.locator('li[data-asset] a.title').first();
    const title = String(await first.textContent());
    await first.click();
    await reader.getByRole('heading', { name: title, level: 1 }).waitFor();
    expect(await reader.getByRole('button', { name: 'Delete asset' }).count()).toBe(0);
    expect(await reader.locator('form.edit-form').count()).toBe(0);
    await checkView('read-only-asset', reader);

    const refused = await new GammaClient({ ...config, tokenId: readOnly.id, tokenSecret: readOnly.secret }).request(
      'POST',
      '/video/v1/uploads',
      { cors_origin: '*', new_asset_settings: { playback_policies: ['public'] } },
    );
    expect(refused.status).toBe(403);
    expect(refused.json.error.type).toBe('forbidden');
    await context.close();
    expect(problems).toEqual([]);
  });
});
