/**
 * The figures the AWS model (scripts/bench-model.ts) is built from, measured one step at a time on this machine, as
 * the queue path's jobs run them, in CPU seconds (and wall seconds, printed): the ranged probe over HTTP (S3 stood in
 * for by a local server that answers Range requests and counts requests and bytes), chunk jobs of two lengths and
 * chunk 0 (the first segment) read from that server with their own audio and images, the finisher's storyboard,
 * and a job's process start.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeChunkAudio, encodeHlsChunk, encodeStoryboard } from '../containers/transcoder/src/encode.js';
import { keyframesBefore, probe } from '../containers/transcoder/src/probe.js';
import { chunkSide } from '../containers/transcoder/src/strategies/chunk-publish.js';
import {
  type Chunk,
  type ChunkPlanRecord,
  chunksFrom,
  chunkTimeOffset,
  keyframeProbeTimes,
  planChunks,
  QUEUE_WORKER_DEFAULTS,
  seekLeadSeconds,
} from '../lambdas/core/domain/chunks.js';
import {
  type LadderPlan,
  type SourceProbe,
  segmentAt,
  segmentCount,
  segmentStartSeconds,
} from '../lambdas/core/domain/ladder.js';
import { planImages, STILLS_DIR } from '../lambdas/core/domain/thumbnails.js';
import { run, type Timing, timed } from './bench-cpu.js';
import { serveCounting } from './bench-http-source.js';
import type { Measured } from './bench-model.js';

/** Chunk lengths the per-chunk cost is fitted from (the longer one fits in the source after two short ones). */
export const MEASURED_CHUNKS_S = [6, 30] as const;

export interface StepInputs {
  source: string;
  sourceSeconds: number;
  plan: LadderPlan;
  probed: SourceProbe;
  work: string;
  /** The bare single pass's output (its stills feed the storyboard step). */
  singlePassDir: string;
  /** The bare single pass (ladder and images). */
  singlePass: Timing;
  entryModule: string;
}

const bytesUnder = async (dir: string): Promise<number> => {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
};

const add = (a: Timing, b: Timing): Timing => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu });

export async function measureSteps(input: StepInputs) {
  const { source, sourceSeconds, plan, work } = input;
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const segment = plan.segmentSeconds;
  const firstS = segmentStartSeconds(plan, 1);
  const long = Math.min(MEASURED_CHUNKS_S[1], Math.floor((sourceSeconds - firstS - segment) / segment) * segment);
  if (long <= MEASURED_CHUNKS_S[0]) throw new Error(`The source must be at least ${firstS + 3 * segment} s`);
  /** A chunk plan cut at `bounds` (segment starts, ascending; none past the end), as the ledger records one. */
  const cutAt = (...bounds: number[]): ChunkPlanRecord => {
    const inside = [0, ...bounds].filter((t) => t < sourceSeconds);
    const starts = [...new Set(inside.map((t) => segmentAt(plan, t).index))];
    const chunks = chunksFrom(starts, plan, sourceSeconds);
    return { chunks, ladder: plan, source: input.probed, timeOffsetSeconds: chunkTimeOffset(plan.video?.fps ?? 30) };
  };
  const http = await serveCounting(source);
  try {
    log('a job process loading the transcoder (best of 3)');
    const starts: Timing[] = [];
    for (let i = 0; i < 3; i++) {
      const importIt = `await import(${JSON.stringify(`file://${input.entryModule}`)})`;
      starts.push(await timed(() => run(process.execPath, ['--input-type=module', '-e', importIt])));
    }
    log('the ranged probe over HTTP (ffprobe, then the decode check the first job runs beside chunk 0)');
    http.reset();
    let decodes: Promise<void> = Promise.resolve();
    const probeTime = await timed(() => probe(http.url, { deferDecodeCheck: (check) => (decodes = check) }));
    const probeRequests = http.requests();
    const checkTime = await timed(() => decodes);
    const decodeCheckRequests = http.requests() - probeRequests;
    const probeBytes = http.sent();
    // The keyframe lookup at the candidate boundaries of the plan the queue path makes of this source.
    const queuePlan = planChunks(sourceSeconds, { ...plan, workers: 4, ...QUEUE_WORKER_DEFAULTS });
    const keyframeTimes = keyframeProbeTimes(queuePlan, plan, sourceSeconds);
    log(`the keyframe lookup at ${keyframeTimes.length} candidate boundaries`);
    http.reset();
    const lookup = await timed(() => keyframesBefore(http.url, keyframeTimes, input.probed.startSeconds ?? 0));
    const keyframeLookupRequests = http.requests();

    // The short and the long chunk start at the same boundary, so the decode their seek throws away (from the
    // keyframe before it) is the same in both and the per-second fit holds none of it. The boundary is the one
    // nearest after a keyframe, as the plan aligns them; the fixed cost keeps what is left of that waste, as the
    // chunks' do.
    const cuts = Array.from({ length: segmentCount(sourceSeconds, plan) }, (_, i) => segmentStartSeconds(plan, i));
    const candidates = cuts.filter((t) => t >= firstS && t + long <= sourceSeconds);
    const lead = seekLeadSeconds(input.probed);
    const before = await keyframesBefore(http.url, candidates, input.probed.startSeconds ?? 0, lead);
    const waste = (t: number) => t - (before.get(t) ?? 0);
    const start = candidates.reduce((a, b) => (waste(b) < waste(a) ? b : a), firstS);
    const shortPlan = cutAt(firstS, start, start + segment);
    const longPlan = cutAt(firstS, start, start + long);
    const chunkAt = (record: ChunkPlanRecord, t: number) => record.chunks.find((c) => c.startSeconds === t) as Chunk;

    /** A chunk job's encode from the URL, as chunk-publish.ts runs it: its audio, then its ladder and images. */
    const chunkJob = async (record: ChunkPlanRecord, chunk: Chunk) => {
      const dir = join(work, `chunk-${chunk.index}`);
      await rm(dir, { recursive: true, force: true });
      const side = chunkSide(record, chunk.index, dir);
      for (const folder of ['thumbnails', 'preview']) await mkdir(join(dir, folder), { recursive: true });
      http.reset();
      const last = chunk.index === record.chunks.length - 1;
      let slice: string | undefined;
      const audio = await timed(async () => {
        const at = { last, sourceSampleRate: input.probed.audio?.sampleRate };
        if (plan.audio) slice = await encodeChunkAudio(http.url, plan, chunk, at, join(dir, 'audio'));
      });
      const video = await timed(() =>
        encodeHlsChunk(http.url, plan, dir, chunk, {
          ...(slice && { audio: slice }),
          timeOffsetSeconds: record.timeOffsetSeconds,
          sourceStartSeconds: input.probed.startSeconds ?? 0,
          side,
        }),
      );
      await rm(join(dir, 'audio'), { recursive: true, force: true });
      return {
        seconds: chunk.durationSeconds,
        audio,
        total: add(audio, video),
        bytes: http.sent(),
        requests: http.requests(),
        outputBytes: await bytesUnder(dir),
      };
    };
    log(`chunk 0 (the first segment, ${firstS} s), chunks of ${segment} and ${long} s from ${start} s`);
    const first = await chunkJob(shortPlan, chunkAt(shortPlan, 0));
    const short = await chunkJob(shortPlan, chunkAt(shortPlan, start));
    const longer = await chunkJob(longPlan, chunkAt(longPlan, start));
    const perS = (longer.total.cpu - short.total.cpu) / (longer.seconds - short.seconds);
    const perSWall = (longer.total.wall - short.total.wall) / (longer.seconds - short.seconds);

    log("the finisher's storyboard from the single pass's stills");
    const images = planImages(sourceSeconds, input.probed.video as NonNullable<SourceProbe['video']>);
    const stills = (await readdir(join(input.singlePassDir, STILLS_DIR))).length;
    const storyboard = await timed(() => encodeStoryboard(input.singlePassDir, images, sourceSeconds));

    const sourceBytes = (await stat(source)).size;
    // A chunk reads at least its share of the file.
    const bytesPerS = Math.max(
      sourceBytes / sourceSeconds,
      (longer.bytes - short.bytes) / (longer.seconds - short.seconds),
    );
    const video = plan.video as NonNullable<LadderPlan['video']>;
    const best = (ts: Timing[]) => ts.reduce((a, b) => (b.cpu < a.cpu ? b : a));
    const measured: Measured = {
      chunkFixedCpuS: Math.max(0, short.total.cpu - perS * short.seconds),
      chunkPerSourceCpuS: perS,
      singlePassCpuPerSourceS: input.singlePass.cpu / sourceSeconds,
      firstSegmentCpuS: first.total.cpu,
      probeCpuS: probeTime.cpu,
      probeRequests,
      decodeCheckCpuS: checkTime.cpu,
      decodeCheckRequests,
      keyframeLookupCpuS: lookup.cpu,
      keyframeLookupRequests,
      keyframeLookupTimes: keyframeTimes.length,
      rangeRequests: Math.max(short.requests, longer.requests),
      rangeFixedBytes: Math.max(0, short.bytes - bytesPerS * short.seconds),
      rangeBytesPerSourceS: bytesPerS,
      firstSegmentBytes: first.bytes,
      sourceBytesPerS: sourceBytes / sourceSeconds,
      outputBytesPerS: longer.outputBytes / longer.seconds,
      jobStartCpuS: best(starts).cpu,
      storyboardCpuPerStillS: storyboard.cpu / Math.max(1, stills),
      rungs: {
        sd: video.rungs.filter((r) => Math.min(r.width, r.height) < 720).length,
        hd: video.rungs.filter((r) => Math.min(r.width, r.height) >= 720).length,
      },
    };
    const wall = {
      chunk_fixed_s: Math.max(0, short.total.wall - perSWall * short.seconds),
      chunk_per_source_s: perSWall,
      first_segment_s: first.total.wall,
      probe_s: probeTime.wall,
      decode_check_s: checkTime.wall,
      keyframe_lookup_s: lookup.wall,
      job_start_s: best(starts).wall,
      storyboard_s: storyboard.wall,
      single_pass_per_source_s: input.singlePass.wall / sourceSeconds,
    };
    return {
      measured,
      wall,
      details: {
        chunk_cpu_s: Object.fromEntries([first, short, longer].map((c, i) => [`${i}:${c.seconds}s`, c.total.cpu])),
        chunk_audio_cpu_s: Object.fromEntries(
          [first, short, longer].map((c, i) => [`${i}:${c.seconds}s`, c.audio.cpu]),
        ),
        chunk_seek_waste_s: waste(start),
        chunk_bytes_read: Object.fromEntries([short, longer].map((c) => [`${c.seconds}s`, c.bytes])),
        probe_bytes_read: probeBytes,
        storyboard_stills: stills,
        source_bytes: sourceBytes,
      },
    };
  } finally {
    await http.close();
  }
}
