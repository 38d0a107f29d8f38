/**
 * The AWS model of `npm run bench`: first playable and ready times for a source on N workers, and dollars per source
 * minute per path, from figures measured on this machine (`Measured`) plus the stated constants below, each with
 * its source (README, "How fast"). Pure: no I/O, so the figures can be checked by hand and are unit-tested
 * (test/unit/bench-model.test.ts).
 */
import { type Chunk, planChunks, QUEUE_WORKER_DEFAULTS } from '../lambdas/core/domain/chunks.js';

/** Figures measured on this machine by the bench (seconds are wall seconds on `cores` cores). */
export interface Measured {
  /** Cores the measurements ran on (encode times scale by cores / worker vCPU). */
  cores: number;
  /**
   * One chunk job's encode, as a chunk job runs it: every rung of its range, its own audio (with the pre-roll) and
   * its share of the stills, storyboard tiles and preview frames. Fixed seconds (ffmpeg start, seek, first GOP,
   * pre-roll) + seconds per source second, fitted from chunks of two lengths.
   */
  chunkFixedS: number;
  chunkPerSourceS: number;
  /** The single pass (one ffmpeg: ladder, audio, stills, storyboard, preview frames), per source second. */
  singlePassPerSourceS: number;
  /** The job that makes the first segment playable: the whole ladder's first segment, or the slowest rung's alone. */
  firstSegmentS: number;
  /** The ranged probe: ffprobe over HTTP (local part), and the HTTP requests it made (each an S3 first byte). */
  probeS: number;
  probeRequests: number;
  /**
   * HTTP requests a chunk's encode made (each an S3 first byte), and its bytes over its share of the file. (The
   * local part of reading the range is inside the chunk's measured encode, which reads from a local HTTP server.)
   */
  rangeRequests: number;
  rangeReadOverhead: number;
  /** The source's bytes per second of media, and the ladder's output bytes per source second (uploaded). */
  sourceBytesPerS: number;
  outputBytesPerS: number;
  /** The platform's per-job overhead: a job's process loading the transcoder's entry module (node, SDK clients). */
  jobStartS: number;
  /** Rungs of the ladder by pricing class (MediaConvert bills SD and HD outputs differently). */
  rungs: { sd: number; hd: number };
}

/** Stated constants (README: where each comes from). */
export const AWS = {
  /** Upload complete → S3 event → ingest function → job on the queue. */
  dispatchS: 1,
  /** RunTask → the container's code running on Fargate (image pull, ENI): chunk tasks pay it per task. */
  coldStartS: 30,
  /** A running worker's long poll returns a new message. */
  warmPickupS: 0.1,
  /** S3 GET first byte; one S3 PUT, DynamoDB write or SQS send. */
  s3FirstByteS: 0.05,
  writeS: 0.03,
  /** S3 throughput of a task, per vCPU (Fargate's network bandwidth grows with the task's size). */
  s3BytesPerSPerVcpu: 25e6,
  /** Workers' vCPUs (2 GB of memory per vCPU): chunk workers, and the worker that takes the first job. */
  vcpu: 2,
  firstJobVcpu: 2,
  /** The first segment: `ladder` = one job encodes every rung; `rung` = one job per rung, on as many workers. */
  firstSegmentSplit: 'ladder' as 'ladder' | 'rung',
  /** Segment length; the first chunk and the shortest later chunk, in segments (QUEUE_WORKER_DEFAULTS). */
  segmentS: 6,
  firstChunkSegments: QUEUE_WORKER_DEFAULTS.firstChunkSegments,
  minChunkS: QUEUE_WORKER_DEFAULTS.minChunkSeconds,
  /** Job batches the first job sends at once; parallel GETs the publishing job reads the chunks' manifests with. */
  sendConcurrency: 10,
  publishConcurrency: 32,
  /** Workers kept running at rest (`warmWorkers`), and the monthly volume their idle time is spread over. */
  warmWorkers: 1,
  monthlySourceMinutes: 10_000,
  /** Chunk tasks (`chunkWorkers: 'tasks'`): at least 60 s, at most 16 (CHUNK_TASK_DEFAULTS). */
  taskMinChunkS: 60,
  taskMaxTasks: 16,
};

/** us-east-1 list prices, read 2026-12-02 (README: sources). */
export const PRICES = {
  date: '2026-12-02',
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  /** Fargate bills at least a minute per task. */
  fargateMinimumS: 60,
  lambdaArmGbSecond: 0.0000133334,
  mediaconvertBasicSdMinute: 0.0075,
  mediaconvertBasicHdMinute: 0.015,
} as const;

export type Constants = typeof AWS;

export interface ModelRow {
  chunks: number;
  firstPlayableS: number;
  readyS: number;
}

/** Where the time of the queue path goes, for one source on N workers (each figure in seconds). */
export interface QueueModelRow extends ModelRow {
  /** Upload → the plan recorded and every chunk job on the queue (ranged probe, plan write, sends). */
  plannedS: number;
  /** The longest later chunk, and one later chunk job's time on its worker (pick-up to ledger write). */
  chunkS: number;
  chunkJobS: number;
  /** The last chunk's ledger write → ready (manifests read, playlists and master written, status). */
  publishS: number;
  /** Worker-seconds of every job, by vCPU size, for the cost. */
  busy: { vcpu: number; seconds: number }[];
}

/** Seconds on a worker of `vcpu` vCPUs for `seconds` measured on this machine's cores. */
export const scaled = (m: Measured, seconds: number, vcpu: number) => (seconds * m.cores) / vcpu;
const s3Read = (c: Constants, bytes: number, requests: number, vcpu: number) =>
  requests * c.s3FirstByteS + bytes / (c.s3BytesPerSPerVcpu * vcpu);

/** The chunk plan the queue path makes for a source on N workers (the same function the first job runs). */
export const queueChunks = (c: Constants, sourceS: number, workers: number): Chunk[] =>
  planChunks(sourceS, {
    segmentSeconds: c.segmentS,
    workers,
    minChunkSeconds: c.minChunkS,
    firstChunkSegments: c.firstChunkSegments,
  });

/**
 * One chunk job on a worker: its long poll returns, the job's process starts, it reads its byte range, encodes its
 * ladder with its own audio and images, uploads what is left after the encode (its last segment of every rung),
 * and writes its manifest and its ledger entry (read back).
 */
export function chunkJobSeconds(m: Measured, c: Constants, seconds: number, vcpu = c.vcpu): number {
  const read = s3Read(c, seconds * m.sourceBytesPerS * m.rangeReadOverhead, m.rangeRequests, vcpu);
  const encode = scaled(m, m.chunkFixedS + m.chunkPerSourceS * seconds, vcpu);
  const lastUpload = (Math.min(seconds, c.segmentS) * m.outputBytesPerS) / (c.s3BytesPerSPerVcpu * vcpu);
  return c.warmPickupS + scaled(m, m.jobStartS, vcpu) + read + encode + lastUpload + 3 * c.writeS;
}

/**
 * The queue path: the first job plans from a ranged probe (no download) and queues every chunk job at once; the
 * first segment is encoded by the first job (`ladder`) or by one job per rung (`rung`), and published with the master
 * playlist (playable); the later chunks run on the other workers, each reading only its byte range; the job that
 * completes the ledger writes the playlists and marks the asset ready.
 */
export function queueModel(m: Measured, sourceS: number, workers: number, c: Constants = AWS): QueueModelRow {
  const chunks = queueChunks(c, sourceS, workers);
  const rungs = m.rungs.sd + m.rungs.hd;
  const probe = scaled(m, m.probeS, c.firstJobVcpu) + m.probeRequests * c.s3FirstByteS;
  // SendMessageBatch takes 10 jobs; the batches go out `sendConcurrency` at a time.
  const batches = Math.ceil((chunks.length + (c.firstSegmentSplit === 'rung' ? rungs : 0)) / 10);
  const sends = Math.ceil(batches / c.sendConcurrency);
  const start = c.dispatchS + c.warmPickupS + scaled(m, m.jobStartS, c.firstJobVcpu);
  const plannedS = start + probe + c.writeS + sends * c.writeS;
  // The first segment: on the first job's worker, or one job per rung picked up by the other workers.
  const firstVcpu = c.firstSegmentSplit === 'rung' ? c.vcpu : c.firstJobVcpu;
  const firstJob =
    (c.firstSegmentSplit === 'rung' ? c.warmPickupS + scaled(m, m.jobStartS, firstVcpu) : 0) +
    s3Read(c, c.segmentS * m.sourceBytesPerS * m.rangeReadOverhead, m.rangeRequests, firstVcpu) +
    scaled(m, m.firstSegmentS, firstVcpu) +
    (c.segmentS * m.outputBytesPerS) / (c.s3BytesPerSPerVcpu * firstVcpu);
  const firstPlayableS = plannedS + firstJob + 2 * c.writeS; // the segment's playlists and the master
  const later = chunks.slice(1);
  const chunkS = Math.max(0, ...later.map((k) => k.durationSeconds));
  const chunkJobS = later.length ? chunkJobSeconds(m, c, chunkS) : 0;
  const publishS = Math.ceil(chunks.length / c.publishConcurrency) * c.s3FirstByteS + (rungs + 2) * c.writeS;
  // One worker: the first job encodes the whole source in one pass (fast start) and publishes it itself.
  const whole = scaled(m, m.singlePassPerSourceS * sourceS, c.firstJobVcpu);
  const encodedS = later.length ? plannedS + chunkJobS : plannedS + Math.max(firstJob, whole);
  const readyS = Math.max(firstPlayableS, encodedS) + publishS;
  const busy = [
    { vcpu: c.firstJobVcpu, seconds: plannedS - c.dispatchS + (later.length ? 0 : Math.max(firstJob, whole)) },
    { vcpu: c.vcpu, seconds: later.reduce((sum, k) => sum + chunkJobSeconds(m, c, k.durationSeconds), 0) },
    { vcpu: firstVcpu, seconds: later.length ? firstJob * (c.firstSegmentSplit === 'rung' ? rungs : 1) : 0 },
  ];
  return { chunks: chunks.length, firstPlayableS, readyS, plannedS, chunkS, chunkJobS, publishS, busy };
}

/**
 * Chunk tasks (`chunkWorkers: 'tasks'`): one Fargate task per chunk started by RunTask (cold start each), chunks of
 * at least 60 s and at most 16, each task downloading the whole source. Kept beside the queue path for comparison.
 */
export function chunkTasksModel(m: Measured, sourceS: number, workers: number, c: Constants = AWS): ModelRow {
  const fetch = s3Read(c, sourceS * m.sourceBytesPerS, 1, c.vcpu);
  const tasks = Math.max(1, Math.min(workers, c.taskMaxTasks, Math.floor(sourceS / c.taskMinChunkS)));
  const chunkS = Math.ceil(sourceS / tasks / c.segmentS - 1e-9) * c.segmentS;
  const encode = (s: number) => scaled(m, m.chunkFixedS + m.chunkPerSourceS * s, c.vcpu);
  const start = c.dispatchS + c.coldStartS + fetch + scaled(m, m.probeS, c.vcpu);
  const firstPlayableS = start + encode(c.segmentS);
  const others = tasks > 1 ? c.coldStartS + fetch + encode(chunkS) : 0;
  return { chunks: tasks, firstPlayableS, readyS: start + Math.max(encode(chunkS), others) };
}

/** Fargate's price of one second of a task of `vcpu` vCPUs (memory 2 GB per vCPU, as the workers). */
export const fargateUsdPerSecond = (vcpu: number, memoryGb = 2 * vcpu) =>
  (vcpu * PRICES.fargateArmVcpuHour + memoryGb * PRICES.fargateArmGbHour) / 3600;

/** What the warm workers cost a month at rest (730 hours). */
export const warmWorkersUsdPerMonth = (c: Constants = AWS) =>
  730 * 3600 * c.warmWorkers * fargateUsdPerSecond(c.firstJobVcpu);

/** MediaConvert's basic tier for the same ladder, per source minute (each output minute billed by its class). */
export const mediaconvertUsdPerSourceMinute = (m: Measured) =>
  m.rungs.sd * PRICES.mediaconvertBasicSdMinute + m.rungs.hd * PRICES.mediaconvertBasicHdMinute;

/**
 * Dollars per source minute on each path. The queue path's busy time is every job's (pick-up to ledger write, each
 * on its worker's size); its warm workers' idle time is added spread over `monthlySourceMinutes`. Chunk tasks pay
 * each task's start-up, whole-source download and Fargate's one-minute minimum.
 */
export function costPerSourceMinute(m: Measured, sourceS: number, workers: number, c: Constants = AWS) {
  const minutes = sourceS / 60;
  const q = queueModel(m, sourceS, workers, c);
  const queueBusy = q.busy.reduce((sum, b) => sum + b.seconds * fargateUsdPerSecond(b.vcpu), 0) / minutes;
  const tasks = chunkTasksModel(m, sourceS, workers, c);
  const taskStart = c.coldStartS + s3Read(c, sourceS * m.sourceBytesPerS, 1, c.vcpu) + scaled(m, m.probeS, c.vcpu);
  const taskEncode = scaled(m, m.chunkFixedS + (m.chunkPerSourceS * sourceS) / tasks.chunks, c.vcpu);
  const perTask = Math.max(PRICES.fargateMinimumS, taskStart + taskEncode);
  const tasksUsd = tasks.chunks * perTask * fargateUsdPerSecond(c.vcpu);
  return {
    gamma_queue_busy: queueBusy,
    gamma_queue_with_warm_idle: queueBusy + warmWorkersUsdPerMonth(c) / c.monthlySourceMinutes,
    gamma_chunk_tasks: tasksUsd / minutes,
    mediaconvert_basic: mediaconvertUsdPerSourceMinute(m),
  };
}
