import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IConstruct } from 'constructs';

/** The project's root folder: what the hashed paths are named relative to. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** Per app: the files are read once per synthesis, not once per function. */
const hashesOf = new WeakMap<IConstruct, Map<string, string>>();

/**
 * A hash of what an asset is built from, to name it before it is built: the files under `paths` (folders walked
 * whole, except entries named in `exclude`), by their path from the project root and their content. Read once per
 * app (`scope`'s root): asked again while the same app is defined, the first answer is given.
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

function filesUnder(path: string, exclude: ReadonlySet<string>): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !exclude.has(entry.name))
    .flatMap((entry) => filesUnder(join(path, entry.name), exclude));
}
