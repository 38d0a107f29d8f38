import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AssetCache } from '../../scripts/local/asset-cache.js';

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'asset-cache-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const name = (c: string) => `asset.${c.repeat(64)}`;
/** An asset folder with one file whose content is `content`. */
const asset = (parent: string, assetName: string, content: string) => {
  mkdirSync(join(parent, assetName), { recursive: true });
  writeFileSync(join(parent, assetName, 'index.mjs'), content);
};
/** A cloud assembly whose stack publishes `assets` (name → content), as its asset manifest says. */
const assembly = (assets: Record<string, string>, out = folder()) => {
  for (const [assetName, content] of Object.entries(assets)) asset(out, assetName, content);
  const files = Object.fromEntries(
    [...Object.keys(assets), 'Stack.template.json'].map((path) => [path, { source: { path, packaging: 'zip' } }]),
  );
  writeFileSync(join(out, 'Stack.assets.json'), JSON.stringify({ version: '48.0.0', files, dockerImages: {} }));
  return out;
};
const HOUR = 60 * 60 * 1000;
const age = (path: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
};

describe('AssetCache', () => {
  it('keeps the assets of a deployment and brings them into the next cloud assembly', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    const first = assembly({ [name('a')]: 'bundle a', [name('b')]: 'bundle b' });
    expect(cache.restore(first)).toBe(0);
    cache.keep(first);

    const next = folder();
    asset(next, name('b'), 'built by this synthesis');
    expect(cache.restore(next)).toBe(1);
    expect(readFileSync(join(next, name('a'), 'index.mjs'), 'utf8')).toBe('bundle a');
    // What the cloud assembly has already is left as it is; what is not an asset stays out of the cache.
    expect(readFileSync(join(next, name('b'), 'index.mjs'), 'utf8')).toBe('built by this synthesis');
    expect(readdirSync(cache.dir).sort()).toEqual([name('a'), name('b')]);
  });

  it('removes what no deployment used for an hour, and keeps what another platform may still want', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    cache.keep(assembly({ [name('a')]: 'old bundle', [name('b')]: 'recent bundle' }));
    age(join(cache.dir, name('a')), HOUR + 60_000);
    age(join(cache.dir, name('b')), HOUR - 60_000);
    mkdirSync(join(cache.dir, `${name('c')}.partial-1`));
    age(join(cache.dir, `${name('c')}.partial-1`), 2 * HOUR);

    cache.keep(assembly({ [name('d')]: 'new bundle' }));
    expect(readdirSync(cache.dir).sort()).toEqual([name('b'), name('d')]);
  });

  it('counts as used what the deployment published, not what it was given', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    cache.keep(assembly({ [name('a')]: 'bundle of a function since changed', [name('b')]: 'bundle' }));
    age(join(cache.dir, name('a')), 2 * HOUR);
    age(join(cache.dir, name('b')), 2 * HOUR);
    // The next synthesis is given both, and its stack uses b only.
    const next = folder();
    cache.restore(next);
    cache.keep(assembly({ [name('b')]: 'bundle' }, next));
    expect(readdirSync(cache.dir)).toEqual([name('b')]);
  });

  it('never brings a half-copied asset', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    mkdirSync(join(cache.dir, `${name('a')}.partial-123`), { recursive: true });
    const out = folder();
    expect(cache.restore(out)).toBe(0);
    expect(readdirSync(out)).toEqual([]);
  });

  it('copies an asset again when it was removed between the deployment and its keep', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    const out = assembly({ [name('a')]: 'bundle' });
    cache.keep(out);
    rmSync(join(cache.dir, name('a')), { recursive: true });
    cache.keep(out);
    expect(existsSync(join(cache.dir, name('a'), 'index.mjs'))).toBe(true);
  });
});
