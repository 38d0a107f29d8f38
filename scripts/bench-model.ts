/**
 * The AWS model of `npm run bench`: first playable and ready times for a source on N workers, and dollars per source
 * minute per path, from figures measured on this machine (`Measured`) plus the stated constants below, each with
 * its source (README, "How fast"). Pure: no I/O, so the figures can be checked by hand and are unit-tested
 * (test/unit/bench-model.test.ts).
 */
import {
  type Chunk,
  chunksWithin,
  FUNCTION_DEFAULTS,
  keyframeLookupShape,
  keyframeProbeTimes,
  planChunks,
  QUEUE_WORKER_DEFAULTS,
} from '../lambdas/core/domain/chunks.js';
import { FIRST_SEGMENT_SECONDS } from '../lambdas/core/domain/ladder.js';

/**
 * Figures measured on this machine by the bench, in CPU seconds (child processes' user + system time): unlike wall
 * times they hardly move with what else the machine runs. The model turns them into seconds on a worker of N vCPUs
 * by N × `parallelEfficiency` (a single-threaded step: by 1).
 */
export interface Measured {
  /**
   * One chunk job's encode, as a chunk job runs it from its byte range over HTTP: its own audio (5 s of pre-roll,
   * encode and cut), then one decode for every rung, its stills and its preview frames. Fixed CPU seconds (ffmpeg
   * starts, seek, pre-roll, first GOP) + CPU seconds per source second, fitted from chunks of two lengths.
   */
  chunkFixedCpuS: number;
  chunkPerSourceCpuS: number;
  /** The single pass (one worker: one ffmpeg for the ladder, audio, stills, storyboard, preview frames). */
  singlePassCpuPerSourceS: number;
  /** Chunk 0, the first segment: its audio slice, every rung, its stills and preview frames. */
  firstSegmentCpuS: number;
  /** The ranged probe (ffprobe over HTTP), and the HTTP requests it made (S3 first bytes). */
  probeCpuS: number;
  probeRequests: number;
  /**
   * The probe's decode check (the first seconds of every stream decoded over HTTP) and its requests: the first job
   * runs it beside chunk 0's encode, and records the plan once it has passed.
   */
  decodeCheckCpuS: number;
  decodeCheckRequests: number;
  /**
   * One ffprobe looking up the keyframes at the bench plan's candidate boundaries (beside the decode check: the plan
   * is recorded once both are done), its CPU and HTTP requests (the headers again, then a read per time), and the
   * times it was asked.
   */
  keyframeLookupCpuS: number;
  keyframeLookupRequests: number;
  keyframeLookupTimes: number;
  /**
   * HTTP requests a chunk's encode made (each an S3 first byte), and the bytes it read: fixed (the file's index, the
   * keyframe interval before its start, what each request had sent when ffmpeg moved on) + per source second (its
   * audio and its ladder each read the range), fitted from chunks of two lengths as its CPU is.
   */
  rangeRequests: number;
  rangeFixedBytes: number;
  rangeBytesPerSourceS: number;
  /** The bytes chunk 0 read (from the file's start: no keyframe interval before it). */
  firstSegmentBytes: number;
  /** The source's bytes per second of media, and the ladder's output bytes per source second (uploaded). */
  sourceBytesPerS: number;
  outputBytesPerS: number;
  /**
   * A process loading the transcoder's entry module (node, SDK clients): paid by each chunk task, and by a queue
   * worker's job process once, before its first job (job-process.ts).
   */
  jobStartCpuS: number;
  /** The finisher's storyboard sprite drawn from the stills, per still (at most 100 stills: domain/thumbnails.ts). */
  storyboardCpuPerStillS: number;
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
  /** Queue workers' vCPUs (2 GB of memory per vCPU: TranscodeWorkers' default 4 vCPU / 8 GB); chunk tasks'. */
  vcpu: 4,
  taskVcpu: 2,
  /** CPU seconds per wall second per vCPU that ffmpeg keeps busy (stated: see README; the bench prints its own). */
  parallelEfficiency: 0.75,
  /** Segment length, the first segment's (planLadder's defaults); the first chunk and the shortest later chunk. */
  segmentS: 6,
  firstSegmentS: FIRST_SEGMENT_SECONDS,
  firstChunkSegments: QUEUE_WORKER_DEFAULTS.firstChunkSegments,
  minChunkS: QUEUE_WORKER_DEFAULTS.minChunkSeconds,
  /** Sends the first job keeps in flight (strategies/chunk-fan-out.ts), 10 jobs per SendMessageBatch at most. */
  sendConcurrency: 16,
  /** Parallel GETs the finisher reads the chunks' manifests with; the storyboard's stills at most. */
  publishConcurrency: 32,
  maxStills: 100,
  /** Workers kept running at rest (`warmWorkers`), and the monthly volume their idle time is spread over. */
  warmWorkers: 1,
  monthlySourceMinutes: 10_000,
  /**
   * The transcode function (jobRuntime 'lambda', the default): 10,240 MB, so 6 vCPU (Lambda gives a vCPU per
   * 1,769 MB). Its SQS event source long-polls the queue; a message reaches an idle sandbox in about `pickupS`.
   */
  lambdaVcpu: 6,
  lambdaMemoryGb: 10,
  /** Its /tmp (TranscodeFunction `ephemeralStorageSize`: 10,240 MB, for a chunk's files): billed above 512 MB. */
  lambdaEphemeralGb: 10,
  /** The most source one job there takes on (TranscodeFunction `handoffAfter`): chunks are planned no longer. */
  lambdaHandoffAfterS: FUNCTION_DEFAULTS.handoffAfterSeconds,
  /** Its maximum concurrency (TranscodeFunction `maxConcurrency`): the default path's cost is priced on it. */
  lambdaMaxConcurrency: FUNCTION_DEFAULTS.maxConcurrency,
  lambdaPickupS: 0.2,
  /**
   * A new sandbox's start before the runtime runs (the image's lazily loaded layers, the sandbox): stated, as it
   * cannot be measured here; container images start from a cache of their chunks since 2023 (Brooker et al.,
   * "On-demand container loading in AWS Lambda", USENIX ATC '23). The runtime's and its job process's loads of the
   * bundle are added from `jobStartCpuS`.
   */
  lambdaColdStartS: 3,
  /**
   * How an SQS event source scales (Lambda developer guide, "Configuring scaling behavior for SQS event source
   * mappings"): five concurrent invocations at first, then up to 300 more a minute.
   */
  lambdaStartConcurrency: 5,
  lambdaScalePerMinute: 300,
  /** The keep-warm schedule's pings a month (one each 5 minutes), each billed for about 10 ms. */
  keepWarmPingsPerMonth: 8640,
  keepWarmPingS: 0.01,
  /** Chunk tasks (`chunkWorkers: 'tasks'`): at least 60 s, at most 16 (CHUNK_TASK_DEFAULTS). */
  taskMinChunkS: 60,
  taskMaxTasks: 16,
};

/** us-east-1 list prices, read 2026-12-02 (README: sources). */
export const PRICES = {
  date: '2026-12-02',
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  /**
   * Every public IPv4 address, a task's included, per hour since 2024-02-01 (Amazon VPC pricing): each worker and
   * task has one (public subnets, no NAT gateway: README Decisions).
   */
  publicIpv4Hour: 0.005,
  /** Fargate bills at least a minute per task. */
  fargateMinimumS: 60,
  lambdaArmGbSecond: 0.0000133334,
  /**
   * A provisioned sandbox (`provisionedConcurrency`): its memory every second it is kept, used or not; a job on it
   * pays a lower duration rate (0.0000077778), which the model does not take (its busy cost is an upper bound).
   */
  lambdaArmProvisionedGbSecond: 0.0000033334,
  /** /tmp above the 512 MB every function has, per GB-second of duration (the same on x86 and ARM). */
  lambdaEphemeralGbSecond: 0.0000000309,
  /** Lambda's requests, $0.20 per million. */
  lambdaRequest: 0.0000002,
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
  /**
   * Upload → the plan recorded (ffprobe, then the decode check beside chunk 0's encode, the plan's write and read
   * back); the chunk jobs are sent after it, while chunk 0 encodes.
   */
  plannedS: number;
  /** The longest later chunk, and one later chunk job's time on its worker (pick-up to ledger write). */
  chunkS: number;
  chunkJobS: number;
  /** The last chunk's ledger write → ready (manifests read, storyboard, playlists and master, status). */
  publishS: number;
  /** Worker-seconds of every job (pick-up to its last write), for the cost. */
  busyS: number;
}

/** Seconds on a worker of `vcpu` vCPUs for `cpuS` CPU seconds measured here (`threads` 1: single-threaded). */
export const onWorker = (c: Constants, cpuS: number, vcpu: number, threads = vcpu) =>
  cpuS / (Math.min(threads, vcpu) * c.parallelEfficiency);
const s3Read = (c: Constants, bytes: number, requests: number, vcpu: number) =>
  requests * c.s3FirstByteS + bytes / (c.s3BytesPerSPerVcpu * vcpu);

/** The bytes a later chunk of `seconds` reads from the source. */
const rangeBytes = (m: Measured, seconds: number) => m.rangeFixedBytes + m.rangeBytesPerSourceS * seconds;

/** The chunk plan the queue path makes for a source on N workers (the same function the first job runs). */
export const queueChunks = (c: Constants, sourceS: number, workers: number): Chunk[] =>
  planChunks(sourceS, {
    segmentSeconds: c.segmentS,
    firstSegmentSeconds: c.firstSegmentS,
    workers,
    minChunkSeconds: c.minChunkS,
    firstChunkSegments: c.firstChunkSegments,
  });

/**
 * A job's start on a warm worker: its long poll returns and the job goes to the worker's job process, which was
 * loaded before it came (job-process.ts). A chunk task's start pays the load (`jobStartCpuS`) after Fargate's.
 */
const jobStart = (c: Constants) => c.warmPickupS;

/**
 * One chunk job on a worker: pick-up and process start, its byte range read, its encode (audio, ladder, images),
 * the upload left after the encode (its last segment of every rung), its manifest and its ledger entry (read back).
 */
export function chunkJobSeconds(m: Measured, c: Constants, seconds: number): number {
  const read = s3Read(c, rangeBytes(m, seconds), m.rangeRequests, c.vcpu);
  const encode = onWorker(c, m.chunkFixedCpuS + m.chunkPerSourceCpuS * seconds, c.vcpu);
  const lastUpload = (Math.min(seconds, c.segmentS) * m.outputBytesPerS) / (c.s3BytesPerSPerVcpu * c.vcpu);
  return jobStart(c) + read + encode + lastUpload + 3 * c.writeS;
}

/**
 * The keyframe lookup at the plan's candidate boundaries (domain/chunks.ts `keyframeProbeTimes`): its processes run
 * at once, each reading the headers again (the probe's requests) and then one range per time, one after another.
 */
function keyframeLookupS(m: Measured, c: Constants, chunks: Chunk[], sourceS: number): number {
  const times = keyframeProbeTimes(
    chunks,
    { segmentSeconds: c.segmentS, firstSegmentSeconds: c.firstSegmentS },
    sourceS,
  );
  const { processes, timesEach } = keyframeLookupShape(times.length);
  if (processes === 0) return 0;
  // Each process's CPU is mostly its start and the headers: taken as measured, whatever its number of seeks.
  return (m.probeRequests + timesEach) * c.s3FirstByteS + onWorker(c, m.keyframeLookupCpuS * processes, c.vcpu);
}

/**
 * The queue path (strategies/chunk-fan-out.ts): the first job probes over the source's URL (no download), starts
 * chunk 0 beside the decode check, records the plan once the check has passed, and sends every chunk job while it
 * encodes chunk 0 (one segment, fast start: playable when its segments
 * and the master are written); the later chunks run on the other workers, each reading only its byte range; the job
 * that completes the ledger reads the manifests, draws the storyboard, writes the playlists and marks it ready.
 */
export function queueModel(m: Measured, sourceS: number, workers: number, c: Constants = AWS): QueueModelRow {
  const chunks = queueChunks(c, sourceS, workers);
  const rungs = m.rungs.sd + m.rungs.hd;
  const probe = onWorker(c, m.probeCpuS, c.vcpu, 1) + m.probeRequests * c.s3FirstByteS;
  const check = onWorker(c, m.decodeCheckCpuS, c.vcpu, 1) + m.decodeCheckRequests * c.s3FirstByteS;
  // Chunk 0 starts once ffprobe has answered; the decode check runs beside it, then the plan is written and read
  // back, and only then is anything of chunk 0 published (strategies/chunk-fan-out.ts).
  const probedS = c.dispatchS + jobStart(c) + probe;
  const plannedS = probedS + Math.max(check, keyframeLookupS(m, c, chunks, sourceS)) + 2 * c.writeS;
  const firstS = c.firstSegmentS;
  const firstRead = s3Read(c, m.firstSegmentBytes, m.rangeRequests, c.vcpu);
  const firstUpload = (firstS * m.outputBytesPerS) / (c.s3BytesPerSPerVcpu * c.vcpu);
  // The check's CPU is taken from chunk 0's worker while both run.
  const encodeFirst = firstRead + onWorker(c, m.firstSegmentCpuS + m.decodeCheckCpuS, c.vcpu);
  // Chunk 0 is published once the plan is recorded (the sends go on meanwhile).
  const firstEncode = Math.max(plannedS - probedS, encodeFirst);
  const firstPlayableS = probedS + firstEncode + firstUpload + 2 * c.writeS; // playlists and master, playable_at
  const later = chunks.slice(1);
  // Keyframe alignment may give a chunk of a long-GOP source a segment more (two at most, where both its ends move).
  const aligned = later.length > 1 ? c.segmentS : 0;
  const chunkS = Math.max(0, ...later.map((k) => k.durationSeconds)) + aligned;
  const chunkJobS = later.length ? chunkJobSeconds(m, c, chunkS) : 0;
  const stills = Math.min(c.maxStills, Math.ceil(sourceS));
  const publishS =
    Math.ceil(chunks.length / c.publishConcurrency) * c.s3FirstByteS +
    onWorker(c, m.storyboardCpuPerStillS * stills, c.vcpu, 1) +
    (rungs + 3) * c.writeS; // playlists, master, storyboard, status
  // One worker: chunk 0 is the whole source, one pass with fast start.
  const whole = onWorker(c, m.singlePassCpuPerSourceS * sourceS, c.vcpu);
  // The chunk jobs are sent once the plan is recorded, 10 to a batch, `sendConcurrency` batches at a time.
  const sends = Math.ceil(Math.ceil(later.length / 10) / c.sendConcurrency) * c.writeS;
  const encodedS = later.length ? plannedS + sends + chunkJobS : plannedS + whole;
  const readyS = Math.max(firstPlayableS, encodedS) + (later.length ? publishS : 2 * c.writeS);
  const busyS =
    probedS -
    c.dispatchS +
    (later.length ? firstEncode + firstUpload : plannedS - probedS + whole) +
    later.reduce((sum, k) => sum + chunkJobSeconds(m, c, k.durationSeconds), 0) +
    (later.length ? publishS : 0);
  return { chunks: chunks.length, firstPlayableS, readyS, plannedS, chunkS, chunkJobS, publishS, busyS };
}

/** The transcode function's row: the queue path's, with when each sandbox exists and what a cold one costs. */
export interface FunctionModelRow extends QueueModelRow {
  /**
   * First playable when the first job finds no sandbox started: the one its upload's creation asked for is not up
   * yet (a file sent in less than a cold start) and the keep-warm ping's is gone or busy.
   */
  firstPlayableColdS: number;
  /** Sandboxes started cold for the chunk jobs. */
  coldStarts: number;
  /**
   * The first job's sandbox's start, which the upload's creation asks for (SandboxWarmer), in `busyS`: billed in
   * full, as if every upload found no sandbox idle. None with a provisioned sandbox free.
   */
  firstSandboxS: number;
}

/** Constants as the function's runtime sees them: its vCPUs and its pick-up in place of a worker's. */
const asFunction = (c: Constants): Constants => ({ ...c, vcpu: c.lambdaVcpu, warmPickupS: c.lambdaPickupS });

/** A new sandbox's start: Lambda's part (stated), then the runtime's and the job process's loads of the bundle. */
const sandboxStartS = (m: Measured, c: Constants) => c.lambdaColdStartS + onWorker(c, 2 * m.jobStartCpuS, 1, 1);

/**
 * The transcode function (jobRuntime 'lambda', the default on AWS): the queue path's jobs on 6-vCPU sandboxes. The
 * first job finds the sandbox the keep-warm ping keeps (`firstPlayableColdS`: when it does not). The chunk jobs need
 * a sandbox each: the chunk queue's event source (its own, beside the first jobs') opens five at once and five more a
 * second (300 a minute) up to `workers` (its maximum concurrency, which the plan's chunk count follows), counted from
 * when the chunk jobs are sent, each new one started cold, except that its first invocation takes the first job's
 * sandbox warm where that is free sooner (Lambda gives an invocation an idle sandbox of the function, whichever event
 * source sends it); a chunk job takes the first sandbox free (a new one, or one that finished its chunk).
 */
export function functionModel(m: Measured, sourceS: number, workers: number, c: Constants = AWS): FunctionModelRow {
  const f = asFunction(c);
  // Planned as the first job plans it there: a chunk per sandbox, and more where one would pass the limit.
  const planned = Math.max(workers, chunksWithin(sourceS, c.segmentS, c.lambdaHandoffAfterS));
  const q = queueModel(m, sourceS, planned, f);
  const chunks = queueChunks(f, sourceS, planned);
  const later = chunks.slice(1);
  const cold = sandboxStartS(m, c);
  const firstPlayableColdS = q.firstPlayableS + cold;
  // The sandbox the upload's creation starts for the first job: the keep-warm ping's, when idle, takes the ping in
  // milliseconds instead.
  const firstSandboxS = cold;
  if (later.length === 0) {
    return { ...q, firstPlayableColdS, coldStarts: 0, firstSandboxS, busyS: q.busyS + firstSandboxS };
  }
  const perS = c.lambdaScalePerMinute / 60;
  const sends = Math.ceil(Math.ceil(later.length / 10) / c.sendConcurrency) * c.writeS;
  const sentS = q.plannedS + sends;
  // The chunk queue's sandbox j opens this long after the upload: its event source scales on the backlog, which the
  // chunk jobs make once sent.
  const opensAt = (j: number) => sentS + Math.max(0, (j - c.lambdaStartConcurrency + 1) / perS);
  // Each free from once opened and started; the first may be the first job's, warm once chunk 0 is published.
  const slots = Math.min(workers, later.length);
  const firstWarm = q.firstPlayableS < opensAt(0) + cold;
  const freeAt = Array.from({ length: slots }, (_, j) => (j === 0 && firstWarm ? q.firstPlayableS : opensAt(j) + cold));
  let encodedS = 0;
  const used = new Set<number>();
  for (const chunk of later) {
    const j = freeAt.indexOf(Math.min(...freeAt));
    const start = Math.max(sentS, freeAt[j] as number);
    freeAt[j] = start + chunkJobSeconds(m, f, chunk.durationSeconds);
    encodedS = Math.max(encodedS, freeAt[j] as number);
    if (j > 0 || !firstWarm) used.add(j);
  }
  // A sandbox that finished its chunk takes the next one warm: only the sandboxes used were started.
  const coldStarts = used.size;
  const readyS = Math.max(q.firstPlayableS, encodedS) + q.publishS;
  // Every cold start is billed (Lambda bills the INIT phase), counted in the busy time.
  const busyS = q.busyS + firstSandboxS + coldStarts * cold;
  return { ...q, readyS, firstPlayableColdS, coldStarts, firstSandboxS, busyS };
}

/**
 * Chunk tasks (`chunkWorkers: 'tasks'`): one Fargate task per chunk started by RunTask (cold start each), chunks of
 * at least 60 s and at most 16, each reading its range. Kept beside the queue path for comparison.
 */
export function chunkTasksModel(m: Measured, sourceS: number, workers: number, c: Constants = AWS): ModelRow {
  const tasks = Math.max(1, Math.min(workers, c.taskMaxTasks, Math.floor(sourceS / c.taskMinChunkS)));
  const chunkS = Math.ceil(sourceS / tasks / c.segmentS - 1e-9) * c.segmentS;
  const v = c.taskVcpu;
  const encode = (s: number) => onWorker(c, m.chunkFixedCpuS + m.chunkPerSourceCpuS * s, v);
  const read = (s: number) => s3Read(c, rangeBytes(m, s), m.rangeRequests, v);
  // Conservative: the decode check counted before chunk 0, though the first task also runs it beside chunk 0.
  const start = c.dispatchS + c.coldStartS + onWorker(c, m.jobStartCpuS + m.probeCpuS + m.decodeCheckCpuS, v, 1);
  const firstPlayableS = start + s3Read(c, m.firstSegmentBytes, m.rangeRequests, v) + encode(c.firstSegmentS);
  const others = tasks > 1 ? c.coldStartS + read(chunkS) + encode(chunkS) : 0;
  return { chunks: tasks, firstPlayableS, readyS: start + Math.max(read(chunkS) + encode(chunkS), others) };
}

/** The price of one second of a Fargate task of `vcpu` vCPUs (memory 2 GB per vCPU, as the workers), its public IPv4 address included. */
export const fargateUsdPerSecond = (vcpu: number, memoryGb = 2 * vcpu) =>
  (vcpu * PRICES.fargateArmVcpuHour + memoryGb * PRICES.fargateArmGbHour + PRICES.publicIpv4Hour) / 3600;

/** A month as AWS prices what runs around the clock: 730 hours. */
const SECONDS_PER_MONTH = 730 * 3600;

/** What the warm workers cost a month at rest. */
export const warmWorkersUsdPerMonth = (c: Constants = AWS) =>
  SECONDS_PER_MONTH * c.warmWorkers * fargateUsdPerSecond(c.vcpu);

/** MediaConvert's basic tier for the same ladder, per source minute (each output minute billed by its class). */
export const mediaconvertUsdPerSourceMinute = (m: Measured) =>
  m.rungs.sd * PRICES.mediaconvertBasicSdMinute + m.rungs.hd * PRICES.mediaconvertBasicHdMinute;

/** One second of the transcode function: its memory at the ARM GB-second price, and its /tmp above 512 MB. */
export const functionUsdPerSecond = (c: Constants = AWS) =>
  c.lambdaMemoryGb * PRICES.lambdaArmGbSecond + (c.lambdaEphemeralGb - 0.5) * PRICES.lambdaEphemeralGbSecond;

/** What one provisioned sandbox costs a month (730 hours) at rest: its memory at the provisioned rate. */
export const provisionedSandboxUsdPerMonth = (c: Constants = AWS) =>
  SECONDS_PER_MONTH * c.lambdaMemoryGb * PRICES.lambdaArmProvisionedGbSecond;

/** What the transcode function costs a month at rest: the keep-warm pings. */
export const functionAtRestUsdPerMonth = (c: Constants = AWS) =>
  c.keepWarmPingsPerMonth * (c.keepWarmPingS * functionUsdPerSecond(c) + PRICES.lambdaRequest);

/**
 * Dollars per source minute on each path. The function's busy time is every job's (pick-up to its last write, and
 * each cold start), plus a request per job and its keep-warm pings spread over `monthlySourceMinutes`: the default.
 * With one provisioned sandbox in place of the pings (`gamma_function_provisioned_1`: the first job's on it), its
 * month spread the same way. The queue workers' busy time likewise, and their warm workers' idle time spread the
 * same way. Chunk tasks pay each task's start-up, probe and Fargate's one-minute minimum.
 */
export function costPerSourceMinute(m: Measured, sourceS: number, workers: number, c: Constants = AWS) {
  const minutes = sourceS / 60;
  const fn = functionModel(m, sourceS, workers, c);
  const functionBusy = (fn.busyS * functionUsdPerSecond(c) + fn.chunks * PRICES.lambdaRequest) / minutes;
  const q = queueModel(m, sourceS, workers, c);
  const queueBusy = (q.busyS * fargateUsdPerSecond(c.vcpu)) / minutes;
  const tasks = chunkTasksModel(m, sourceS, workers, c);
  const v = c.taskVcpu;
  const taskStart = c.coldStartS + onWorker(c, m.jobStartCpuS + m.probeCpuS + m.decodeCheckCpuS, v, 1);
  const taskEncode = onWorker(c, m.chunkFixedCpuS + (m.chunkPerSourceCpuS * sourceS) / tasks.chunks, v);
  const perTask = Math.max(PRICES.fargateMinimumS, taskStart + taskEncode);
  return {
    gamma_function_busy: functionBusy,
    gamma_function: functionBusy + functionAtRestUsdPerMonth(c) / c.monthlySourceMinutes,
    gamma_function_provisioned_1:
      functionBusy -
      (fn.firstSandboxS * functionUsdPerSecond(c)) / minutes +
      provisionedSandboxUsdPerMonth(c) / c.monthlySourceMinutes,
    gamma_queue_busy: queueBusy,
    gamma_queue_with_warm_idle: queueBusy + warmWorkersUsdPerMonth(c) / c.monthlySourceMinutes,
    gamma_chunk_tasks: (tasks.chunks * perTask * fargateUsdPerSecond(v)) / minutes,
    mediaconvert_basic: mediaconvertUsdPerSourceMinute(m),
  };
}
