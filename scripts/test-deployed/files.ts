/**
 * Which integration and browser test files a deployed run takes. A file is left out when its source declares that
 * it needs what only the platform the tests start can give (`needsPlatform('…')`), or the local platform when the
 * target is elsewhere (`needsLocalDeployment('…')`); the declaration's reason is printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const TEST_FOLDERS = ['test/integration', 'test/browser'];

/**
 * The files CI runs against `npm start` (`--quick`): a client's whole path (upload → ready → play, the Mux SDK,
 * webhooks through the receiver, signed playback) and the bad-request checks, a few minutes on this machine.
 */
export const QUICK_FILES = [
  'test/integration/pipeline.test.ts',
  'test/integration/mux-sdk.test.ts',
  'test/integration/webhooks.test.ts',
  'test/integration/signed-playback.test.ts',
  'test/integration/bad-requests.test.ts',
];

export interface Selection {
  run: string[];
  left: { file: string; reason: string }[];
}

const DECLARATION = /\bneeds(Platform|LocalDeployment)\(\s*(['"`])([\s\S]*?)\2\s*\)/;

/** Sorts `files` (repo-relative) by what their sources declare, for a local target or another. */
export function select(root: string, files: string[], local: boolean): Selection {
  const selection: Selection = { run: [], left: [] };
  for (const file of files) {
    const found = DECLARATION.exec(readFileSync(join(root, file), 'utf8'));
    if (found?.[1] === 'Platform') {
      selection.left.push({ file, reason: `needs the platform the tests start: ${found[3]}` });
    } else if (found?.[1] === 'LocalDeployment' && !local) {
      selection.left.push({ file, reason: `needs the local platform: ${found[3]}` });
    } else {
      selection.run.push(file);
    }
  }
  return selection;
}

/** Every test file under the integration and browser folders, repo-relative. */
export function allTestFiles(root: string): string[] {
  return TEST_FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => relative(root, join(root, folder, name))),
  ).sort();
}
