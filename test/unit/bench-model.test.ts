/** The bench's AWS model (scripts/bench-model.ts): pure functions, checked against figures worked by hand. */
import { describe, expect, it } from 'vitest';
import {
  AWS,
  chunkJobSeconds,
  chunkTasksModel,
  costPerSourceMinute,
  fargateUsdPerSecond,
  functionAtRestUsdPerMonth,
  functionModel,
  type Measured,
  mediaconvertUsdPerSourceMinute,
  onWorker,
  provisionedSandboxUsdPerMonth,
  queueChunks,
  queueModel,
  warmWorkersUsdPerMonth,
} from '../../scripts/bench-model.js';

/** Round figures of the order the bench measures (CPU seconds). */
const measured: Measured = {
  chunkFixedCpuS: 1.5,
  chunkPerSourceCpuS: 1.2,
  singlePassCpuPerSourceS: 1.2,
  firstSegmentCpuS: 7.5,
  probeCpuS: 0.2,
  probeRequests: 2,
  decodeCheckCpuS: 0.15,
  decodeCheckRequests: 3,
  keyframeLookupCpuS: 0.1,
  keyframeLookupRequests: 8,
  keyframeLookupTimes: 6,
  rangeRequests: 3,
  rangeFixedBytes: 0,
  rangeBytesPerSourceS: 1e6,
  firstSegmentBytes: 2e6,
  sourceBytesPerS: 1e6,
  outputBytesPerS: 1e6,
  jobStartCpuS: 0.3,
  storyboardCpuPerStillS: 0.001,
  rungs: { sd: 2, hd: 2 },
};
const WORKERS = [1, 4, 16, 32, 64, 256];
/** 4 vCPU at 0.75: 3 CPU seconds a second; S3 at 100 MB/s. */
const RATE = 4 * 0.75;

describe('the queue path', () => {
  it("plays after the same time whatever the source's length: nothing before the first segment reads the whole source", () => {
    for (const w of WORKERS) {
      expect(queueModel(measured, 7200, w).firstPlayableS).toBeCloseTo(queueModel(measured, 600, w).firstPlayableS, 9);
    }
  });

  it('plays after the dispatch, a pick-up, ffprobe and the first segment, the decode check beside it, worked by hand', () => {
    const row = queueModel(measured, 600, 32);
    // 1 + 0.1 (pick-up: the worker's job process is already loaded) + 0.2 / 0.75 + 2 × 0.05 (ffprobe): chunk 0
    // starts here.
    const probed = 1 + 0.1 + 0.2 / 0.75 + 0.1;
    // + the longer of the decode check (0.15 / 0.75 + 3 × 0.05 = 0.35) and the keyframe lookup beside it (30
    // boundaries, 90 times: 8 processes of 12, each its 2 header requests and 12 reads at 0.05 s, and 0.1 CPU-s each
    // on 4 vCPU at 0.75: 0.97) + the plan's write and read back.
    expect(row.plannedS).toBeCloseTo(probed + 14 * 0.05 + (8 * 0.1) / RATE + 0.06, 6);
    // + 3 first bytes + the first segment's 2 MB at 100 MB/s + 7.5 CPU-s of chunk 0 and the check's 0.15 on 4 vCPU
    // + 2 MB up + 2 writes (the check and the plan's record finish while chunk 0 encodes)
    expect(row.firstPlayableS).toBeCloseTo(probed + 0.15 + 0.02 + 7.65 / RATE + 0.02 + 0.06, 6);
  });

  it('waits for the decode check and the plan before publishing chunk 0 when the check is the longer', () => {
    const slowCheck = { ...measured, decodeCheckCpuS: 9, firstSegmentCpuS: 0.3 };
    const row = queueModel(slowCheck, 600, 32);
    const probed = 1 + 0.1 + 0.2 / 0.75 + 0.1;
    expect(row.firstPlayableS).toBeCloseTo(row.plannedS + 0.02 + 0.06, 6); // + chunk 0's upload and 2 writes
    expect(row.plannedS).toBeCloseTo(probed + 9 / 0.75 + 0.15 + 0.06, 6);
  });

  it('is ready sooner with more workers, until the chunks reach their floor', () => {
    for (const source of [600, 7200]) {
      const ready = WORKERS.map((w) => queueModel(measured, source, w).readyS);
      for (let i = 1; i < ready.length; i++) expect(ready[i]).toBeLessThan((ready[i - 1] as number) + 1e-9);
    }
    // 600 s: one 2 s chunk and the rest in chunks of at least 12 s, so 51 chunks at most: 64 and 256 workers alike.
    const at64 = queueModel(measured, 600, 64);
    expect(at64.chunks).toBe(51);
    expect(queueModel(measured, 600, 256)).toEqual(at64);
    // (The model gives the longest chunk a segment more: keyframe alignment may move one of its ends.)
    expect(at64.chunkS).toBeLessThanOrEqual(AWS.minChunkS + 2 * AWS.segmentS);
    expect(queueModel(measured, 600, 32).readyS).toBeGreaterThan(at64.readyS);
    // 2 h on 256 workers: chunks of about half a minute, one of them aligned a segment longer.
    expect(queueModel(measured, 7200, 256).chunkS).toBe(36);
  });

  it('cuts the source as the first job does (planChunks with the queue defaults)', () => {
    const chunks = queueChunks(AWS, 600, 32);
    expect(chunks).toHaveLength(32);
    expect(chunks[0]?.durationSeconds).toBe(AWS.firstSegmentS);
    expect(chunks.reduce((s, k) => s + k.durationSeconds, 0)).toBeCloseTo(600, 6);
    const longest = Math.max(...chunks.slice(1).map((k) => k.durationSeconds));
    expect(queueModel(measured, 600, 32).chunkS).toBe(longest + AWS.segmentS);
  });

  it("is ready when the longest later chunk's job and the publish are done", () => {
    const row = queueModel(measured, 600, 32);
    expect(row.chunkJobS).toBeCloseTo(chunkJobSeconds(measured, AWS, row.chunkS), 9);
    // + the sends: 31 jobs in 4 batches, all in flight at once.
    expect(row.readyS).toBeCloseTo(row.plannedS + 0.03 + row.chunkJobS + row.publishS, 9);
    // The finisher: 32 manifests in one round of GETs, 100 stills into the storyboard, 4 playlists + 3 writes.
    expect(row.publishS).toBeCloseTo(0.05 + 0.1 / 0.75 + 7 * 0.03, 9);
  });

  it('prices a chunk job as pick-up, range read, encode, last upload and three writes (no process start)', () => {
    // 18 s: 0.1 + (3 × 0.05 + 18 MB at 100 MB/s) + (1.5 + 21.6) / 3 + 6 MB at 100 MB/s + 0.09
    expect(chunkJobSeconds(measured, AWS, 18)).toBeCloseTo(0.1 + 0.15 + 0.18 + 23.1 / RATE + 0.06 + 0.09, 6);
    // A chunk's fixed bytes (its seek's, once per chunk) are read at the same 100 MB/s whatever its length.
    const withFixed = { ...measured, rangeFixedBytes: 30e6 };
    for (const seconds of [6, 18]) {
      expect(chunkJobSeconds(withFixed, AWS, seconds) - chunkJobSeconds(measured, AWS, seconds)).toBeCloseTo(0.3, 6);
    }
  });

  it("reads chunk 0's own measured bytes before its encode, not a later chunk's fixed part", () => {
    const more = { ...measured, firstSegmentBytes: measured.firstSegmentBytes + 10e6 };
    expect(queueModel(more, 600, 32).firstPlayableS - queueModel(measured, 600, 32).firstPlayableS).toBeCloseTo(0.1, 6);
    const seek = { ...measured, rangeFixedBytes: 30e6 };
    expect(queueModel(seek, 600, 32).firstPlayableS).toBeCloseTo(queueModel(measured, 600, 32).firstPlayableS, 6);
  });

  it('on one worker encodes the whole source in one pass', () => {
    const row = queueModel(measured, 600, 1);
    expect(row.chunks).toBe(1);
    expect(row.readyS).toBeCloseTo(row.plannedS + (1.2 * 600) / RATE + 0.06, 6);
  });

  it('turns CPU seconds into seconds on a worker by its vCPUs and the stated efficiency, one thread by one', () => {
    expect(onWorker(AWS, 6, 4)).toBeCloseTo(2, 9);
    expect(onWorker(AWS, 6, 2)).toBeCloseTo(4, 9);
    expect(onWorker(AWS, 0.75, 4, 1)).toBeCloseTo(1, 9);
  });

  it('plays sooner on a bigger worker', () => {
    const bigger = queueModel(measured, 600, 32, { ...AWS, vcpu: 8 });
    expect(bigger.firstPlayableS).toBeLessThan(queueModel(measured, 600, 32).firstPlayableS);
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

describe('the transcode function (the default)', () => {
  /** A new sandbox: the stated start, then two loads of the bundle (the runtime's, its job process's) on one vCPU. */
  const cold = AWS.lambdaColdStartS + (2 * measured.jobStartCpuS) / AWS.parallelEfficiency;

  it('plays after the same time whatever the length, and a cold sandbox adds its start', () => {
    for (const w of WORKERS) {
      const row = functionModel(measured, 7200, w);
      expect(row.firstPlayableS).toBeCloseTo(functionModel(measured, 600, w).firstPlayableS, 9);
      expect(row.firstPlayableColdS - row.firstPlayableS).toBeCloseTo(cold, 9);
    }
    // On 6 vCPU its chunk 0 is quicker than a 4-vCPU worker's, and its pick-up is the event source's.
    const worker = queueModel(measured, 600, 32);
    expect(functionModel(measured, 600, 32).firstPlayableS).toBeLessThan(worker.firstPlayableS);
  });

  it('starts the chunk jobs as the event source opens sandboxes: five at once, then five a second', () => {
    const row = functionModel(measured, 7200, 256);
    // Later than if every sandbox were open and started at once (the queue path's figure on 6 vCPU)...
    const allOpen = queueModel(measured, 7200, 256, { ...AWS, vcpu: 6, warmPickupS: AWS.lambdaPickupS });
    expect(row.readyS).toBeGreaterThan(allOpen.readyS + cold);
    // ...but a sandbox that finished its chunk takes another before the last ones open (255 − 4) / 5 s in.
    expect(row.coldStarts).toBeGreaterThan(AWS.lambdaStartConcurrency);
    expect(row.coldStarts).toBeLessThan(255);
    // Where the sandboxes are not the limit (4 of them), the chunks wait for one another instead.
    const few = functionModel(measured, 600, 4);
    expect(few.readyS).toBeGreaterThan((600 * 1.2) / (AWS.lambdaVcpu * AWS.parallelEfficiency) / 4);
    // The first job's sandbox is free again before new ones have started: it takes chunk 1, two more start cold.
    expect(few.coldStarts).toBe(2);
    // The chunks have their own event source: with more chunks than sandboxes (2 h on 4), four chunk jobs run at
    // once beside the first job, the first job's sandbox taking a chunk once free; a first segment slow enough that
    // new sandboxes are up before it leaves them all cold (four), never more than the chunk queue's maximum.
    expect(functionModel(measured, 7200, 4).coldStarts).toBe(3);
    const slowFirst = { ...measured, firstSegmentCpuS: 60 };
    expect(functionModel(slowFirst, 7200, 4).coldStarts).toBe(4);
    expect(functionModel(slowFirst, 600, 4).coldStarts).toBe(3); // three later chunks, three sandboxes
    // One sandbox: its chunks one after another, none longer than the function takes on (10 minutes).
    const one = functionModel(measured, 7200, 1);
    expect(one.coldStarts).toBe(0);
    expect(one.chunks).toBe(14);
    expect(one.chunkS).toBeLessThanOrEqual(AWS.lambdaHandoffAfterS);
  });

  it("prices its busy seconds, each cold start (the first job's sandbox too), a request per job and its keep-warm pings", () => {
    const cost = costPerSourceMinute(measured, 600, 32);
    const row = functionModel(measured, 600, 32);
    // 10 GB of memory, and 9.5 GB of /tmp above the 512 MB every function has.
    const perSecond = 10 * 0.0000133334 + 9.5 * 0.0000000309;
    expect(row.busyS).toBeCloseTo(
      // The chunks' sandboxes, and the first job's, which the upload's creation started.
      queueModel(measured, 600, 32, { ...AWS, vcpu: 6, warmPickupS: AWS.lambdaPickupS }).busyS +
        (row.coldStarts + 1) * cold,
      9,
    );
    expect(row.coldStarts).toBeGreaterThan(0);
    expect(cost.gamma_function_busy).toBeCloseTo((row.busyS * perSecond + row.chunks * 2e-7) / 10, 12);
    expect(functionAtRestUsdPerMonth()).toBeCloseTo(8640 * (0.01 * perSecond + 2e-7), 9);
    expect(cost.gamma_function - cost.gamma_function_busy).toBeCloseTo(
      functionAtRestUsdPerMonth() / AWS.monthlySourceMinutes,
      12,
    );
    // A provisioned sandbox in place of the pings: 10 GB kept 730 hours at the provisioned rate (≈ $88 a month).
    expect(provisionedSandboxUsdPerMonth()).toBeCloseTo(730 * 3600 * 10 * 0.0000033334, 6);
    // Its month over the stated volume, and no start of the first job's sandbox, which is the provisioned one.
    expect(row.firstSandboxS).toBe(cold);
    expect(cost.gamma_function_provisioned_1 - cost.gamma_function_busy).toBeCloseTo(
      provisionedSandboxUsdPerMonth() / AWS.monthlySourceMinutes - (cold * perSecond) / 10,
      12,
    );
  });
});

describe('cost', () => {
  it('prices Fargate ARM per second at list price (2 GB per vCPU)', () => {
    // vCPU, memory and the task's public IPv4 address
    expect(fargateUsdPerSecond(4) * 3600).toBeCloseTo(4 * 0.03238 + 8 * 0.00356 + 0.005, 9);
    expect(warmWorkersUsdPerMonth()).toBeCloseTo(730 * (4 * 0.03238 + 8 * 0.00356 + 0.005), 6);
  });

  it("prices MediaConvert's basic tier by output class: two SD and two HD rungs", () => {
    expect(mediaconvertUsdPerSourceMinute(measured)).toBeCloseTo(2 * 0.0075 + 2 * 0.015, 9);
  });

  it("counts every job's busy seconds, and the warm workers' idle time over the stated volume", () => {
    const cost = costPerSourceMinute(measured, 600, 32);
    const row = queueModel(measured, 600, 32);
    expect(cost.gamma_queue_busy).toBeCloseTo((row.busyS * fargateUsdPerSecond(4)) / 10, 12);
    expect(cost.gamma_queue_with_warm_idle - cost.gamma_queue_busy).toBeCloseTo(
      warmWorkersUsdPerMonth() / AWS.monthlySourceMinutes,
      12,
    );
    // The busy time is at least the encode of every chunk, and every job's start.
    expect(row.busyS).toBeGreaterThan((600 * 1.2) / RATE + 32 * 0.1);
  });

  it("charges a chunk task at least Fargate's minute", () => {
    const short = costPerSourceMinute({ ...measured, chunkPerSourceCpuS: 0.01, chunkFixedCpuS: 0 }, 120, 2);
    expect(short.gamma_chunk_tasks).toBeCloseTo((2 * 60 * fargateUsdPerSecond(2)) / 2, 9);
  });
});
