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
const HOUR = 60 * 60 * 1000;
const age = (path: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
};

describe('AssetCache', () => {
  it('keeps the assets of a deployment and brings them into the next cloud assembly', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    const first = folder();
    asset(first, name('a'), 'bundle a');
    asset(first, name('b'), 'bundle b');
    writeFileSync(join(first, 'manifest.json'), '{}');
    expect(cache.restore(first)).toBe(0);
    cache.keep(first);

    const next = folder();
    asset(next, name('b'), 'built by this synthesis');
    expect(cache.restore(next)).toBe(1);
    expect(readFileSync(join(next, name('a'), 'index.mjs'), 'utf8')).toBe('bundle a');
    // What the cloud assembly has already is left as it is; files that are not assets stay out of the cache.
    expect(readFileSync(join(next, name('b'), 'index.mjs'), 'utf8')).toBe('built by this synthesis');
    expect(readdirSync(cache.dir).sort()).toEqual([name('a'), name('b')]);
  });

  it('removes what no deployment used for an hour, and keeps what another platform may still want', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    const old = folder();
    asset(old, name('a'), 'old bundle');
    asset(old, name('b'), 'recent bundle');
    cache.keep(old);
    age(join(cache.dir, name('a')), HOUR + 60_000);
    age(join(cache.dir, name('b')), HOUR - 60_000);
    mkdirSync(join(cache.dir, `${name('c')}.partial-1`));
    age(join(cache.dir, `${name('c')}.partial-1`), 2 * HOUR);

    const now = folder();
    asset(now, name('d'), 'new bundle');
    cache.keep(now);
    expect(readdirSync(cache.dir).sort()).toEqual([name('b'), name('d')]);
  });

  it('marks an asset used again as recent, so it outlives the hour', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    const first = folder();
    asset(first, name('a'), 'bundle');
    cache.keep(first);
    age(join(cache.dir, name('a')), 2 * HOUR);
    const again = folder();
    cache.restore(again);
    cache.keep(again);
    expect(existsSync(join(cache.dir, name('a')))).toBe(true);
    cache.keep(folder());
    expect(existsSync(join(cache.dir, name('a')))).toBe(true);
  });

  it('never brings a half-copied asset', () => {
    const cache = new AssetCache(join(folder(), 'cache'));
    mkdirSync(join(cache.dir, `${name('a')}.partial-123`), { recursive: true });
    const out = folder();
    expect(cache.restore(out)).toBe(0);
    expect(readdirSync(out)).toEqual([]);
  });
});
