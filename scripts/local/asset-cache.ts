/**
 * The cloud assembly's assets kept between local deployments, so a synthesis does not build again what the last one
 * built. Each platform synthesizes into its own scratch folder; CDK skips bundling an asset whose folder
 * (`asset.<hash>`) it already finds there, when the hash is known before bundling: function bundles deployed into the
 * emulator are named by their sources (GammaFunction). Without this every start ran esbuild for each function and
 * npm for the playback function's sharp, ~30 s of a ~90 s deploy.
 *
 * Platforms that start at once share the cache: an entry appears under its name only when complete (copied to a
 * temporary name, then renamed), and leaves it at once (renamed away, then removed), so a copy never takes half of
 * one; one that fails is not used.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';

/** Entries no deployment used for this long are removed: long enough for the platforms of one test run. */
const UNUSED_MS = 60 * 60 * 1000;
const ASSET = /^asset\.[0-9a-f]{64}$/;

export class AssetCache {
  constructor(readonly dir: string) {}

  /** Copies every cached asset into the cloud assembly folder `cdkOut`, before the synthesis; how many. */
  restore(cdkOut: string): number {
    if (!existsSync(this.dir)) return 0;
    let restored = 0;
    for (const name of readdirSync(this.dir).filter((n) => ASSET.test(n))) {
      if (existsSync(join(cdkOut, name))) continue;
      if (copyWhole(join(this.dir, name), join(cdkOut, name))) restored++;
    }
    return restored;
  }

  /**
   * After a deployment: keeps the assets its stacks use (their `*.assets.json`; what `restore` brought and nothing
   * used is not counted), marks them used, and removes the cached ones no deployment used for an hour (a changed
   * function leaves its old bundle behind).
   */
  keep(cdkOut: string): void {
    mkdirSync(this.dir, { recursive: true });
    const now = new Date();
    const used = usedAssets(cdkOut);
    for (const name of used) {
      const cached = join(this.dir, name);
      try {
        utimesSync(cached, now, now);
      } catch {
        copyWhole(join(cdkOut, name), cached);
      }
    }
    for (const name of readdirSync(this.dir)) {
      if (used.has(name)) continue;
      const path = join(this.dir, name);
      try {
        if (now.getTime() - statSync(path).mtimeMs <= UNUSED_MS) continue;
        const leaving = `${path}.removed-${process.pid}`;
        renameSync(path, leaving);
        rmSync(leaving, { recursive: true, force: true });
      } catch {
        // Removed by another platform's keep meanwhile.
      }
    }
  }
}

/** The asset folders the cloud assembly's stacks publish, from their asset manifests. */
function usedAssets(cdkOut: string): Set<string> {
  const used = new Set<string>();
  for (const manifest of readdirSync(cdkOut).filter((n) => n.endsWith('.assets.json'))) {
    const { files = {} } = JSON.parse(readFileSync(join(cdkOut, manifest), 'utf8')) as {
      files?: Record<string, { source?: { path?: string } }>;
    };
    for (const { source } of Object.values(files)) {
      if (source?.path && ASSET.test(source.path) && existsSync(join(cdkOut, source.path))) used.add(source.path);
    }
  }
  return used;
}

/** Copies a folder so that `to` appears only complete; false if it could not (or another process was first). */
function copyWhole(from: string, to: string): boolean {
  const partial = `${to}.partial-${process.pid}`;
  try {
    cpSync(from, partial, { recursive: true });
    renameSync(partial, to);
    return true;
  } catch {
    rmSync(partial, { recursive: true, force: true });
    return false;
  }
}
