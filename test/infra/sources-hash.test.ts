import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { sourcesHash } from '../../lib/constructs/sources-hash.js';

const dir = mkdtempSync(join(tmpdir(), 'sources-hash-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sourcesHash', () => {
  const write = (path: string, content: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  // A new app each time: within one app the first answer stands.
  const hash = (exclude: string[] = []) => sourcesHash(new App(), [dir], exclude);

  it('changes with a file’s content, name or folder, and not with what is excluded', () => {
    write('src/a.ts', 'one');
    write('dist/out.js', 'built');
    const first = hash(['dist']);
    expect(hash(['dist'])).toBe(first);
    write('dist/out.js', 'built again');
    expect(hash(['dist'])).toBe(first);
    expect(hash()).not.toBe(first);

    write('src/a.ts', 'two');
    const edited = hash(['dist']);
    expect(edited).not.toBe(first);
    rmSync(join(dir, 'src'), { recursive: true });
    write('lib/a.ts', 'two');
    expect(hash(['dist'])).not.toBe(edited);
  });

  it('leaves out links (an editor’s dangling lock link) and takes a missing path as nothing', () => {
    write('src/c.ts', 'code');
    const before = hash();
    symlinkSync(join(dir, 'nowhere'), join(dir, 'src', '.#c.ts'));
    expect(hash()).toBe(before);
    expect(sourcesHash(new App(), [dir, join(dir, 'missing.json')])).toBe(before);
  });

  it('reads the files once per app', () => {
    write('src/b.ts', 'before');
    const app = new App();
    const before = sourcesHash(app, [dir]);
    write('src/b.ts', 'after');
    expect(sourcesHash(app, [dir])).toBe(before);
    expect(sourcesHash(new App(), [dir])).not.toBe(before);
  });
});
