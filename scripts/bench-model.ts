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
  /** The single pass (one ffmpeg: ladder, audio, stills, storyboard, preview frames), per source second. */
  singlePassPerSourceS: number;
  /** The audio of the whole source, encoded once and cut into slices, per source second. */
  audioPerSourceS: number;
  /** The stills, storyboard and preview frames of the whole source (their own decode), per source second. */
  imagesPerSourceS: number;
  /** ffprobe plus the decode check of the source's start. */
  probeS: number;
  /** Seeking to a chunk over HTTP and reading its packets (demux, no decode), per chunk: the local part of a range. */
  rangeReadS: number;
  /** The share of the source's bytes a chunk's encode read over HTTP, over the chunk's share of its length. */
  rangeReadOverhead: number;
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
  /** Worker size: the construct's default task (2 vCPU, 4 GB), the same for every job. */
  vcpu: 2,
  memoryGb: 4,
  /** Segment length; the first chunk and the shortest later chunk, in segments (QUEUE_WORKER_DEFAULTS). */
  segmentS: 6,
  firstChunkSegments: 1,
  minChunkSegments: 2,
  /** Monthly source minutes over which a warm worker's idle time is spread in the cost per source minute (stated). */
  monthlySourceMinutes: 10_000,
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

const ceilTo = (x: number, step: number) => Math.ceil(x / step - 1e-9) * step;
const scaled = (m: Measured, seconds: number, vcpu: number) => (seconds * m.cores) / vcpu;
const download = (m: Measured, sourceS: number) => AWS.s3FirstByteS + (sourceS * m.sourceBytesPerS) / AWS.s3BytesPerS;

/** One later chunk on a worker: read its byte range of the source, encode its ladder with its audio slice, publish. */
function chunkSeconds(m: Measured, seconds: number): number {
  const bytes = seconds * m.sourceBytesPerS * m.rangeReadOverhead;
  const read = AWS.s3FirstByteS * 2 + m.rangeReadS + bytes / AWS.s3BytesPerS; // the source range and the audio slice
  const encode = scaled(m, m.chunkFixedS + m.chunkPerSourceS * seconds, AWS.vcpu);
  return AWS.warmPickupS + read + encode + 3 * AWS.writeS; // manifest PUT, ledger ADD, its read-back
}

/** Where the time of the queue path goes, for one source on N workers (each figure in seconds). */
export interface QueueModelRow extends ModelRow {
  /** Upload → the first job's plan recorded and the later chunks on the queue (download, probe, audio). */
  plannedS: number;
  /** The first job's stills, storyboard and preview frames of the whole source, after its first chunk. */
  imagesS: number;
  /** Later chunks: their length and the waves the other workers take them in. */
  chunkS: number;
  waves: number;
}

/**
 * The queue path as built (chunkWorkers=queue): a warm worker takes the first job within its long poll; it
 * downloads and probes the source, encodes the whole source's audio once and cuts it into slices, records the plan,
 * puts one job per later chunk on the queue, then encodes the one-segment first chunk (playable) and the whole
 * source's images. Later chunks, on the other workers, read only their byte range.
 */
export function queueModel(m: Measured, sourceS: number, workers: number): QueueModelRow {
  const start = AWS.dispatchS + AWS.warmPickupS + download(m, sourceS) + scaled(m, m.probeS, AWS.vcpu);
  const firstS = AWS.firstChunkSegments * AWS.segmentS;
  const first = scaled(m, m.chunkFixedS + m.chunkPerSourceS * firstS, AWS.vcpu) + 3 * AWS.writeS;
  const imagesS = scaled(m, m.imagesPerSourceS * sourceS, AWS.vcpu);
  if (workers === 1) {
    // One worker: the single pass, one ffmpeg for the ladder and the images, published as it goes.
    const all = scaled(m, m.singlePassPerSourceS * sourceS, AWS.vcpu);
    return {
      chunks: 1,
      firstPlayableS: start + first,
      readyS: start + all,
      plannedS: start,
      imagesS: 0,
      chunkS: 0,
      waves: 0,
    };
  }
  const plannedS = start + scaled(m, m.audioPerSourceS * sourceS, AWS.vcpu) + 2 * AWS.writeS;
  const rest = Math.max(0, sourceS - firstS);
  const minS = AWS.minChunkSegments * AWS.segmentS;
  const later = Math.max(1, Math.min(workers - 1, Math.floor(rest / minS + 1e-9)));
  const chunkS = rest / later;
  const waves = Math.ceil(later / (workers - 1));
  const firstPlayableS = plannedS + first;
  const readyS = Math.max(firstPlayableS + imagesS, plannedS + waves * chunkSeconds(m, chunkS)) + 2 * AWS.writeS;
  return { chunks: 1 + later, firstPlayableS, readyS, plannedS, imagesS, chunkS, waves };
}

/**
 * Today's path: one Fargate task per chunk started by RunTask (cold start each), chunks of at least 60 s and at
 * most 16, each task downloading the whole source, the audio encoded once before the fan-out.
 */
export function todayModel(m: Measured, sourceS: number, workers: number): ModelRow {
  const fetch = download(m, sourceS);
  const tasks = Math.max(1, Math.min(workers, AWS.todayMaxTasks, Math.floor(sourceS / AWS.todayMinChunkS)));
  const chunkS = ceilTo(sourceS / tasks, AWS.segmentS);
  const encode = (s: number) => scaled(m, m.chunkFixedS + m.chunkPerSourceS * s, AWS.vcpu);
  const start = AWS.dispatchS + AWS.coldStartS + fetch + scaled(m, m.probeS, AWS.vcpu);
  const audio = tasks > 1 ? scaled(m, m.audioPerSourceS * sourceS, AWS.vcpu) : 0;
  const firstPlayableS = start + audio + encode(AWS.segmentS);
  const others = tasks > 1 ? AWS.coldStartS + fetch + encode(chunkS) : 0;
  const images = scaled(m, m.imagesPerSourceS * sourceS, AWS.vcpu);
  const readyS = start + audio + Math.max(encode(chunkS) + images, others);
  return { chunks: tasks, firstPlayableS, readyS };
}

const rate = (vcpu: number) => (vcpu * PRICES.fargateArmVcpuHour + AWS.memoryGb * PRICES.fargateArmGbHour) / 3600;

/** What one warm worker costs a month at rest (730 hours). */
export const warmWorkerUsdPerMonth = () => 730 * 3600 * rate(AWS.vcpu);

/**
 * Dollars per source minute on each path. The queue path's busy time is every job's (the first job's download,
 * probe, audio, first chunk and images; each later chunk's range read and encode); its warm worker's idle time is
 * added spread over `AWS.monthlySourceMinutes`. Chunk tasks pay each task's start-up, whole-source download and the
 * one-minute minimum.
 */
export function costPerSourceMinute(m: Measured, sourceS: number, workers: number) {
  const minutes = sourceS / 60;
  const q = queueModel(m, sourceS, workers);
  const firstJob = q.plannedS - AWS.dispatchS + scaled(m, m.chunkPerSourceS * AWS.segmentS, AWS.vcpu) + q.imagesS;
  const queueBusy = firstJob + (q.chunks - 1) * chunkSeconds(m, q.chunkS);
  const queueUsd = (queueBusy * rate(AWS.vcpu)) / minutes;
  const today = todayModel(m, sourceS, workers);
  const perTask = (busyS: number) =>
    Math.max(PRICES.fargateMinimumS, AWS.coldStartS + download(m, sourceS) + busyS) * rate(AWS.vcpu);
  const chunkBusy = scaled(m, m.chunkFixedS + m.chunkPerSourceS * (sourceS / today.chunks), AWS.vcpu);
  const extras = scaled(m, (m.audioPerSourceS + m.imagesPerSourceS) * sourceS, AWS.vcpu) * rate(AWS.vcpu);
  const todayUsd = today.chunks * perTask(chunkBusy) + extras;
  const mediaconvert = m.rungs.sd * PRICES.mediaconvertBasicSdMinute + m.rungs.hd * PRICES.mediaconvertBasicHdMinute;
  return {
    gamma_queue_busy: queueUsd,
    gamma_queue_one_warm_worker: queueUsd + warmWorkerUsdPerMonth() / AWS.monthlySourceMinutes,
    gamma_chunk_tasks: todayUsd / minutes,
    mediaconvert_basic: mediaconvert,
  };
}
