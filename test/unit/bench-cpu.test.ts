/**
 * The bench's CPU meter (scripts/bench-cpu.ts): a long-lived child's CPU counts while it still runs; the overhead is
 * the median of the pairs measured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { childCpuSeconds, cpuMeter, medianBy, processCpuSeconds, withDescendants } from '../../scripts/bench-cpu.js';

/** A child that waits for a line, burns about 0.3 s of CPU, says `done` and idles (a queue worker after a job). */
function worker(): { child: ChildProcess; burn: () => Promise<void> } {
  const script = `process.stdin.once('data', () => {
    let x = 0; const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) < 300000) x++;
    process.stdout.write('done\\n');
  }); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  return {
    child,
    burn: async () => {
      child.stdin?.write('go\n');
      await once(child.stdout as NodeJS.ReadableStream, 'data');
    },
  };
}

const stop = async (child: ChildProcess) => {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
};

// Burning 0.3 CPU-s takes many wall seconds on a loaded machine.
const SLOW = 60_000;

describe('cpuMeter', () => {
  it(
    "counts a running child's CPU from its own /proc figures, which the reaped children's total misses",
    async () => {
      const { child, burn } = worker();
      const pid = child.pid as number;
      const meter = await cpuMeter(async () => [pid]);
      const reaped0 = await childCpuSeconds();
      await burn();
      expect((await childCpuSeconds()) - reaped0).toBe(0);
      expect(await meter()).toBeGreaterThanOrEqual(0.25);
      await stop(child);
    },
    SLOW,
  );

  it(
    'counts a child reaped meanwhile once, without its CPU from before the start',
    async () => {
      const { child, burn } = worker();
      const pid = child.pid as number;
      await burn();
      expect(await processCpuSeconds(pid)).toBeGreaterThanOrEqual(0.25);
      const meter = await cpuMeter(async () => (child.exitCode === null && child.signalCode === null ? [pid] : []));
      await stop(child);
      expect(Math.abs(await meter())).toBeLessThan(0.05);
    },
    SLOW,
  );
});

describe('withDescendants', () => {
  it("finds a worker's job process and the job process's own child, and nothing else", async () => {
    // A worker whose child (its job process) starts one of its own (its ffmpeg), then says the grandchild's pid.
    const script = `const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['-e', "require('node:child_process').spawn('sleep', ['30'], { stdio: 'ignore' }); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      process.stdout.write(String(c.pid) + '\\n'); setInterval(() => {}, 1000);`;
    const worker = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const jobPid = Number(String(await once(worker.stdout as NodeJS.ReadableStream, 'data')).trim());
    try {
      let found: number[] = [];
      for (let i = 0; i < 100 && found.length < 3; i++) {
        found = await withDescendants([worker.pid as number]);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(found).toHaveLength(3); // the worker, its job process, and that one's child
      expect(found).toContain(jobPid);
      expect(found).not.toContain(process.pid);
    } finally {
      process.kill(-(worker.pid as number), 'SIGKILL');
    }
  });
});

describe('medianBy', () => {
  const ratio = (p: { gamma: number; bare: number }) => p.gamma / p.bare;

  it('picks the pair with the middle ratio, whatever the order', () => {
    const pairs = [
      { gamma: 120, bare: 100 },
      { gamma: 105, bare: 100 },
      { gamma: 140, bare: 135 },
    ];
    expect(medianBy(pairs, ratio)).toBe(pairs[1]); // 1.037, 1.05, 1.2
  });

  it('picks the higher middle of an even count (never the more flattering), and the one of one', () => {
    const high = { gamma: 110, bare: 100 };
    const low = { gamma: 100, bare: 100 };
    expect(medianBy([low, high], ratio)).toBe(high);
    expect(medianBy([high], ratio)).toBe(high);
    expect(() => medianBy([], ratio)).toThrow(/at least one/);
  });
});
