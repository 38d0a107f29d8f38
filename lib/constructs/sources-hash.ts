import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IConstruct } from 'constructs';

/** The project's root folder: what the hashed paths are named relative to. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/**
 * The files that say which packages a build takes: package.json, the lockfile, and npm's record of what node_modules
 * holds (node_modules/.package-lock.json), which differs from the lockfile until `npm ci` runs again after a pull.
 */
export const PACKAGES = ['package.json', 'package-lock.json', join('node_modules', '.package-lock.json')].map((file) =>
  join(PROJECT_ROOT, file),
);

/** Per app: the files are read once per synthesis, not once per function. */
const hashesOf = new WeakMap<IConstruct, Map<string, string>>();

/**
 * A hash of what an asset is built from, to name it before it is built: the files under `paths` (folders walked
 * whole, except entries named in `exclude`; a missing path adds nothing), by their path from the project root and
 * their content. Read once per app (`scope`'s root): asked again while that app is defined, the first answer stands.
 */
export function sourcesHash(scope: IConstruct, paths: readonly string[], exclude: readonly string[] = []): string {
  const root = scope.node.root;
  const hashes = hashesOf.get(root) ?? new Map<string, string>();
  hashesOf.set(root, hashes);
  const key = JSON.stringify([paths, exclude]);
  const known = hashes.get(key);
  if (known) return known;
  const files = paths.flatMap((path) => filesUnder(path, new Set(exclude))).sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const digest = hash.digest('hex');
  hashes.set(key, digest);
  return digest;
}

/**
 * The regular files under a path (none if it is missing: an install by another package manager has no npm record);
 * links and other kinds are left out (an editor's dangling lock link, a loop).
 */
function filesUnder(path: string, exclude: ReadonlySet<string>): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !exclude.has(entry.name) && (entry.isDirectory() || entry.isFile()))
    .flatMap((entry) => (entry.isFile() ? [join(path, entry.name)] : filesUnder(join(path, entry.name), exclude)));
}
