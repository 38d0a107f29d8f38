import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTestFiles, QUICK_FILES, select } from '../../scripts/test-deployed/files.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the files a deployed run takes', () => {
  const files = allTestFiles(ROOT);

  it('leaves out the fault-injection files, saying why, and runs the client-side ones', () => {
    const { run, left } = select(ROOT, files, false);
    expect(left).toContainEqual({
      file: 'test/integration/faults.test.ts',
      reason: 'needs the platform the tests start: stops transcoder tasks mid-encode with StopTask',
    });
    for (const file of ['emulator-restart', 'chunk-tasks', 'webhook-outage', 'dlq', 'duplicates']) {
      expect(left.map((l) => l.file)).toContain(`test/integration/${file}.test.ts`);
    }
    expect(run).toContain('test/integration/pipeline.test.ts');
    expect(run).toContain('test/integration/webhooks.test.ts');
    expect([...run, ...left.map((l) => l.file)].sort()).toEqual(files);
  });

  it('runs the files that need the local platform only when the target is the local platform', () => {
    const elsewhere = select(ROOT, files, false);
    const here = select(ROOT, files, true);
    expect(elsewhere.left.map((l) => l.file)).toContain('test/integration/mux-sdk.test.ts');
    expect(here.run).toContain('test/integration/mux-sdk.test.ts');
    expect(here.left.every((l) => l.reason.startsWith('needs the platform the tests start'))).toBe(true);
  });

  it("CI's quick subset names files that exist and run against the local platform", () => {
    for (const file of QUICK_FILES) expect(existsSync(join(ROOT, file)), file).toBe(true);
    expect(select(ROOT, QUICK_FILES, true).left).toEqual([]);
  });
});
