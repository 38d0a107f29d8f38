/**
 * The AWS model of `npm run bench`: first playable and ready times for a source on N workers, and dollars per source
 * minute per path, from figures measured on this machine (`Measured`) plus the stated constants below, each with
 * its source (README, "How fast"). Pure: no I/O, so the figures can be checked by hand.
 */

/** Figures measured on this machine by the bench. */
export interface Measured {
  /** Cores the measurements ran on (encode times scale by cores / worker vCPU). */
  cores: number;
  /** One chunk's ladder encode: fixed seconds (ffmpeg start, seek, first GOP) + seconds per source second. */
  chunkFixedS: number;
  chunkPerSourceS: number;
  /** The audio of a chunk, per source second (encoded with its chunk). */
  audioPerSourceS: number;
  /** ffprobe plus the decode check of the source's start. */
  probeS: number;
  /** Seeking to a chunk and reading its packets (demux, no decode), per chunk: the local part of a byte range. */
  rangeReadS: number;
  /** The source's bytes per second of media. */
  sourceBytesPerS: number;
  /** Rungs of the ladder by pricing class (MediaConvert bills SD and HD outputs differently). */
  rungs: { sd: number; hd: number };
}

/** Stated constants (README: where each comes from). */
export const AWS = {
  /** Upload complete → S3 event → ingest function → job on the queue (or RunTask called). */
  dispatchS: 1,
  /** RunTask → the container's code running on Fargate (image pull, ENI); today's path pays it per task. */
  coldStartS: 30,
  /** A running worker's long poll returns a new message (the proposed queue-driven service). */
  warmPickupS: 0.1,
  /** S3 GET first byte, and one task's throughput from S3. */
  s3FirstByteS: 0.05,
  s3BytesPerS: 50e6,
  /** One S3 PUT or DynamoDB write. */
  writeS: 0.03,
  /** Worker size: the construct's default task (2 vCPU, 4 GB); the first chunk's worker gets 4 vCPU. */
  vcpu: 2,
  memoryGb: 4,
  firstWorkerVcpu: 4,
  /** Segment length; the shortest later chunk in segments. */
  segmentS: 6,
  minChunkSegments: 2,
  /** Today's chunk tasks: at least 60 s, at most 16 (CHUNK_TASK_DEFAULTS). */
  todayMinChunkS: 60,
  todayMaxTasks: 16,
} as const;

/** us-east-1 list prices, read 2026-12-02 (README: sources). */
export const PRICES = {
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  /** Fargate bills at least a minute per task. */
  fargateMinimumS: 60,
  lambdaArmGbSecond: 0.0000133334,
  mediaconvertBasicSdMinute: 0.0075,
  mediaconvertBasicHdMinute: 0.015,
} as const;

export interface ModelRow {
  chunks: number;
  firstPlayableS: number;
  readyS: number;
}

const scaled = (m: Measured, seconds: number, vcpu: number) => (seconds * m.cores) / vcpu;
const ceilTo = (x: number, step: number) => Math.ceil(x / step - 1e-9) * step;

/** One chunk on a worker of `vcpu`: read its byte range, encode its ladder and audio, publish and count it. */
function chunkSeconds(m: Measured, seconds: number, vcpu: number): number {
  const read = AWS.s3FirstByteS + m.rangeReadS + (seconds * m.sourceBytesPerS) / AWS.s3BytesPerS;
  const encode = scaled(m, m.chunkFixedS + (m.chunkPerSourceS + m.audioPerSourceS) * seconds, vcpu);
  return read + encode + 3 * AWS.writeS; // manifest PUT, ledger ADD, its read-back
}

/**
 * The proposed path (README Decisions, not yet built): warm queue-driven workers, chunks reading only their byte
 * range, a first chunk of one segment on a larger worker, later chunks sized to the worker count.
 */
export function proposedModel(m: Measured, sourceS: number, workers: number): ModelRow {
  const start = AWS.dispatchS + AWS.warmPickupS + scaled(m, m.probeS, AWS.firstWorkerVcpu) + AWS.s3FirstByteS;
  const firstSegment = chunkSeconds(m, AWS.segmentS, AWS.firstWorkerVcpu);
  // Segments, a provisional playlist per rendition and the master, then the playable mark.
  const firstPlayableS = start + firstSegment + 3 * AWS.writeS;
  if (workers === 1) {
    const all = chunkSeconds(m, sourceS, AWS.firstWorkerVcpu);
    return { chunks: 1, firstPlayableS, readyS: start + all + 2 * AWS.writeS };
  }
  const rest = Math.max(0, sourceS - AWS.segmentS);
  const chunkS = Math.max(AWS.minChunkSegments * AWS.segmentS, ceilTo(rest / (workers - 1), AWS.segmentS));
  const later = Math.ceil(rest / chunkS - 1e-9);
  const waves = Math.ceil(later / (workers - 1));
  const readyS = start + waves * (AWS.warmPickupS + chunkSeconds(m, chunkS, AWS.vcpu)) + 2 * AWS.writeS;
  return { chunks: 1 + later, firstPlayableS, readyS: Math.max(readyS, firstPlayableS) };
}

/**
 * Today's path: one Fargate task per chunk started by RunTask (cold start each), chunks of at least 60 s and at
 * most 16, each task downloading the whole source, the audio encoded once before the fan-out.
 */
export function todayModel(m: Measured, sourceS: number, workers: number): ModelRow {
  const download = AWS.s3FirstByteS + (sourceS * m.sourceBytesPerS) / AWS.s3BytesPerS;
  const tasks = Math.max(1, Math.min(workers, AWS.todayMaxTasks, Math.floor(sourceS / AWS.todayMinChunkS)));
  const chunkS = ceilTo(sourceS / tasks, AWS.segmentS);
  const encode = (s: number) => scaled(m, m.chunkFixedS + m.chunkPerSourceS * s, AWS.vcpu);
  const start = AWS.dispatchS + AWS.coldStartS + download + scaled(m, m.probeS, AWS.vcpu);
  const audio = tasks > 1 ? scaled(m, m.audioPerSourceS * sourceS, AWS.vcpu) : 0;
  const firstPlayableS = start + audio + encode(AWS.segmentS);
  const others = tasks > 1 ? AWS.coldStartS + download + encode(chunkS) : 0;
  const readyS = start + audio + Math.max(encode(chunkS), others);
  return { chunks: tasks, firstPlayableS, readyS };
}

/** Dollars per source minute, start-up counted, warm workers' idle time not (see `warmWorkerUsdPerMonth`). */
export function costPerSourceMinute(m: Measured, sourceS: number, workers: number) {
  const rate = (vcpu: number) => (vcpu * PRICES.fargateArmVcpuHour + AWS.memoryGb * PRICES.fargateArmGbHour) / 3600;
  const minutes = sourceS / 60;
  const proposed = proposedModel(m, sourceS, workers);
  const laterS = Math.max(0, sourceS - AWS.segmentS);
  const proposedUsd =
    chunkSeconds(m, AWS.segmentS, AWS.firstWorkerVcpu) * rate(AWS.firstWorkerVcpu) +
    (proposed.chunks > 1 ? chunkSeconds(m, laterS / (proposed.chunks - 1), AWS.vcpu) * (proposed.chunks - 1) : 0) *
      rate(AWS.vcpu);
  const today = todayModel(m, sourceS, workers);
  const download = (sourceS * m.sourceBytesPerS) / AWS.s3BytesPerS;
  const perTask = (busyS: number) =>
    Math.max(PRICES.fargateMinimumS, AWS.coldStartS + download + busyS) * rate(AWS.vcpu);
  const chunkBusy = scaled(m, m.chunkFixedS + m.chunkPerSourceS * (sourceS / today.chunks), AWS.vcpu);
  const todayUsd =
    today.chunks * perTask(chunkBusy) + scaled(m, m.audioPerSourceS * sourceS, AWS.vcpu) * rate(AWS.vcpu);
  const mediaconvert = m.rungs.sd * PRICES.mediaconvertBasicSdMinute + m.rungs.hd * PRICES.mediaconvertBasicHdMinute;
  return {
    gamma_fargate_today: todayUsd / minutes,
    gamma_fargate_warm_workers: proposedUsd / minutes,
    mediaconvert_basic: mediaconvert,
  };
}

/** What one warm worker costs a month at rest (730 hours). */
export const warmWorkerUsdPerMonth = () =>
  730 * (AWS.vcpu * PRICES.fargateArmVcpuHour + AWS.memoryGb * PRICES.fargateArmGbHour);
