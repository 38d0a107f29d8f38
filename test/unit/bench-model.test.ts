/** The bench's AWS model (scripts/bench-model.ts): pure functions, checked against figures worked by hand. */
import { describe, expect, it } from 'vitest';
import {
  AWS,
  chunkJobSeconds,
  chunkTasksModel,
  costPerSourceMinute,
  fargateUsdPerSecond,
  type Measured,
  mediaconvertUsdPerSourceMinute,
  queueChunks,
  queueModel,
  warmWorkersUsdPerMonth,
} from '../../scripts/bench-model.js';

/** Round figures of the order the bench measures on 2 cores. */
const measured: Measured = {
  cores: 2,
  chunkFixedS: 1,
  chunkPerSourceS: 0.8,
  singlePassPerSourceS: 0.78,
  firstSegmentS: 2,
  probeS: 0.2,
  probeRequests: 2,
  rangeRequests: 3,
  rangeReadOverhead: 1.1,
  sourceBytesPerS: 1e6,
  outputBytesPerS: 1e6,
  jobStartS: 0.3,
  rungs: { sd: 2, hd: 2 },
};
const WORKERS = [1, 4, 16, 32, 64, 256];

describe('the queue path', () => {
  it("plays after the same time whatever the source's length: nothing before the first segment reads the whole source", () => {
    for (const w of WORKERS) {
      // At most the sends of more chunk jobs (256 jobs: 26 batches, 3 rounds of 10 at once; 50 jobs: 1 round).
      const longer = queueModel(measured, 7200, w).firstPlayableS - queueModel(measured, 600, w).firstPlayableS;
      expect(longer).toBeGreaterThanOrEqual(0);
      expect(longer).toBeLessThanOrEqual(2 * AWS.writeS + 1e-9);
    }
    expect(queueModel(measured, 7200, 32).firstPlayableS).toBeCloseTo(queueModel(measured, 600, 32).firstPlayableS, 9);
  });

  it('plays after the dispatch, a pick-up, the ranged probe, the plan and the first segment, worked by hand', () => {
    const row = queueModel(measured, 600, 32);
    // 1 + 0.1 + 0.3 (job start) + 0.2 + 2 × 0.05 (probe) + 0.03 (plan) + 0.03 (32 jobs: 4 batches sent at once)
    expect(row.plannedS).toBeCloseTo(1 + 0.1 + 0.3 + 0.2 + 0.1 + 0.03 + 0.03, 6);
    // + 3 first bytes + 6.6 MB at 50 MB/s + the segment's 2 s + 6 MB up at 50 MB/s + 2 writes
    expect(row.firstPlayableS).toBeCloseTo(row.plannedS + 0.15 + 0.132 + 2 + 0.12 + 0.06, 6);
  });

  it('is ready sooner with more workers, until the chunks reach their floor', () => {
    for (const source of [600, 7200]) {
      const ready = WORKERS.map((w) => queueModel(measured, source, w).readyS);
      for (let i = 1; i < ready.length; i++) expect(ready[i]).toBeLessThanOrEqual((ready[i - 1] as number) + 1e-9);
    }
    // 600 s: one 6 s chunk and the rest in chunks of at least 12 s, so 50 chunks at most: 64 and 256 workers alike.
    const at64 = queueModel(measured, 600, 64);
    const at256 = queueModel(measured, 600, 256);
    expect(at64.chunks).toBe(50);
    expect(at256).toEqual(at64);
    expect(at64.chunkS).toBeLessThanOrEqual(AWS.minChunkS + AWS.segmentS);
    expect(queueModel(measured, 600, 32).readyS).toBeGreaterThan(at64.readyS);
  });

  it('cuts the source as the first job does (planChunks with the queue defaults)', () => {
    const chunks = queueChunks(AWS, 600, 32);
    expect(chunks).toHaveLength(32);
    expect(chunks[0]?.durationSeconds).toBe(6);
    expect(chunks.reduce((s, k) => s + k.durationSeconds, 0)).toBeCloseTo(600, 6);
    expect(queueModel(measured, 600, 32).chunkS).toBe(Math.max(...chunks.slice(1).map((k) => k.durationSeconds)));
  });

  it("is ready when the longest later chunk's job and the publish are done", () => {
    const row = queueModel(measured, 600, 32);
    expect(row.chunkJobS).toBeCloseTo(chunkJobSeconds(measured, AWS, row.chunkS), 9);
    expect(row.readyS).toBeCloseTo(row.plannedS + row.chunkJobS + row.publishS, 9);
  });

  it('prices a chunk job as pick-up, job start, range read, encode, last upload and three writes', () => {
    // 18 s: 0.1 + 0.3 + (3 × 0.05 + 19.8 MB / 50 MB/s) + (1 + 14.4) + 6 MB / 50 MB/s + 0.09
    expect(chunkJobSeconds(measured, AWS, 18)).toBeCloseTo(0.1 + 0.3 + 0.15 + 0.396 + 15.4 + 0.12 + 0.09, 6);
    // Twice the vCPUs: the encode and the transfers take half as long.
    expect(chunkJobSeconds(measured, AWS, 18, 4)).toBeLessThan(chunkJobSeconds(measured, AWS, 18) / 1.8);
  });

  it('on one worker encodes the whole source in one pass', () => {
    const row = queueModel(measured, 600, 1);
    expect(row.chunks).toBe(1);
    expect(row.readyS).toBeCloseTo(row.plannedS + 0.78 * 600 + row.publishS, 6);
  });

  it('splits the first segment per rung: it waits for a pick-up on another worker, and each rung is a job', () => {
    const perRung = { ...AWS, firstSegmentSplit: 'rung' as const };
    const ladder = queueModel(measured, 600, 32);
    const split = queueModel({ ...measured, firstSegmentS: 0.5 }, 600, 32, perRung);
    expect(split.firstPlayableS).toBeLessThan(ladder.firstPlayableS);
    const third = split.busy[2];
    expect(third?.seconds).toBeGreaterThan(4 * (0.1 + 0.3 + 0.5));
  });

  it('gives a bigger first-job worker its share of the speed', () => {
    const big = queueModel(measured, 600, 32, { ...AWS, firstJobVcpu: 8 });
    expect(big.firstPlayableS).toBeLessThan(queueModel(measured, 600, 32).firstPlayableS);
  });
});

describe('chunk tasks', () => {
  it('pay the cold start before the first segment and at most 16 tasks of at least a minute', () => {
    const row = chunkTasksModel(measured, 600, 64);
    expect(row.chunks).toBe(10);
    expect(row.firstPlayableS).toBeGreaterThan(AWS.coldStartS);
    expect(chunkTasksModel(measured, 7200, 64).chunks).toBe(16);
  });
});

describe('cost', () => {
  it('prices Fargate ARM per second at list price (2 GB per vCPU)', () => {
    expect(fargateUsdPerSecond(2) * 3600).toBeCloseTo(2 * 0.03238 + 4 * 0.00356, 9);
    expect(warmWorkersUsdPerMonth()).toBeCloseTo(730 * (2 * 0.03238 + 4 * 0.00356), 6);
  });

  it("prices MediaConvert's basic tier by output class: two SD and two HD rungs", () => {
    expect(mediaconvertUsdPerSourceMinute(measured)).toBeCloseTo(2 * 0.0075 + 2 * 0.015, 9);
  });

  it("counts every job's busy seconds, and the warm workers' idle time over the stated volume", () => {
    const cost = costPerSourceMinute(measured, 600, 32);
    const row = queueModel(measured, 600, 32);
    const busy = row.busy.reduce((s, b) => s + b.seconds * fargateUsdPerSecond(b.vcpu), 0);
    expect(cost.gamma_queue_busy).toBeCloseTo(busy / 10, 12);
    expect(cost.gamma_queue_with_warm_idle - cost.gamma_queue_busy).toBeCloseTo(
      warmWorkersUsdPerMonth() / AWS.monthlySourceMinutes,
      12,
    );
    // The busy time is at least the encode of every chunk.
    expect(busy).toBeGreaterThan(600 * 0.8 * fargateUsdPerSecond(2));
  });

  it("charges a chunk task at least Fargate's minute", () => {
    const short = costPerSourceMinute({ ...measured, chunkPerSourceS: 0.01, chunkFixedS: 0 }, 120, 2);
    expect(short.gamma_chunk_tasks).toBeCloseTo((2 * 60 * fargateUsdPerSecond(2)) / 2, 9);
  });
});
