/**
 * Load, small enough for every test run: 50 uploads created at once and 10 clips PUT at once; every clip's asset
 * ends `ready`, each upload has exactly one asset under its own id, and every upload is listed once.
 * `npm run load` is the full-size run (500 uploads, 100 clips) that the README's figures come from.
 */
import { describe, expect, it } from 'vitest';
import { loadClip, runLoad } from '../../scripts/load.js';
import { target } from '../support/target.js';

const config = target();

describe('under load', () => {
  it('50 uploads at once and 10 clips at once: all ready, none lost or duplicated', async () => {
    const report = await runLoad(config, await loadClip(), {
      uploads: 50,
      clips: 10,
      connections: 20,
      deadlineMs: 100_000,
    });
    expect(report.failures).toEqual([]);
    expect(report.createUpload.count).toBe(50);
    expect(report.getAsset.count).toBeGreaterThanOrEqual(10);
    expect(report.allReadySeconds).toBeLessThan(100);
  }, 150_000);
});
