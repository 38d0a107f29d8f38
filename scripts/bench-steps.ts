/**
 * The figures the AWS model (scripts/bench-model.ts) is built from, measured one step at a time on this machine, as
 * the queue path's jobs run them: the ranged probe over HTTP (S3 stood in for by a local server that answers Range
 * requests and counts requests and bytes), a byte range read, chunk jobs of two lengths and the first segment
 * (per ladder and for the top rung alone) read from that server, and a job's process start.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { encodeAudioSlices, encodeHlsChunk } from '../containers/transcoder/src/encode.js';
import { inputArgs, wholeAudioFfmpegArgs } from '../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../containers/transcoder/src/probe.js';
import { type Chunk, chunkTimeOffset } from '../lambdas/core/domain/chunks.js';
import type { LadderPlan } from '../lambdas/core/domain/ladder.js';
import { run, timed } from './bench-cpu.js';
import { serveCounting } from './bench-http-source.js';
import type { Measured } from './bench-model.js';

/** Chunk lengths the per-chunk cost is fitted from (the longer one, and the range read, fit in the source). */
export const MEASURED_CHUNKS_S = [6, 30] as const;
const measuredChunks = (sourceSeconds: number, segmentSeconds: number) => {
  const [short, long] = MEASURED_CHUNKS_S;
  const fits = Math.floor((sourceSeconds - short) / segmentSeconds) * segmentSeconds;
  if (fits <= short) throw new Error(`The source must be longer than ${2 * short + segmentSeconds} s`);
  return [short, Math.min(long, fits)] as const;
};
/** Seconds of audio a chunk encodes before its start, so its first AAC frames join the previous chunk's (stated). */
export const AUDIO_PREROLL_S = 1;

export interface StepInputs {
  source: string;
  sourceSeconds: number;
  plan: LadderPlan;
  work: string;
  /** The bare single pass (ladder and images) and the bare ladder alone: the images' share of the single pass. */
  singlePass: { wall: number; cpu: number };
  ladderOnly: { wall: number; cpu: number };
  entryModule: string;
}

const bytesUnder = async (dir: string): Promise<number> => {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
};

export async function measureSteps(input: StepInputs) {
  const { source, sourceSeconds, plan, work } = input;
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const lengths = measuredChunks(sourceSeconds, plan.segmentSeconds);
  const http = await serveCounting(source);
  try {
    log('a job process loading the transcoder (best of 3)');
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const importIt = `await import(${JSON.stringify(`file://${input.entryModule}`)})`;
      starts.push((await timed(() => run(process.execPath, ['--input-type=module', '-e', importIt]))).wall);
    }
    log('the ranged probe over HTTP');
    http.reset();
    const probeTime = await timed(() => probe(http.url));
    const probeRequests = http.requests();
    const probeBytes = http.sent();

    log(`a ${lengths[1]} s byte range over HTTP`);
    const mid = String(Math.max(0, sourceSeconds / 2 - lengths[1] / 2));
    http.reset();
    const rangeRead = await timed(() =>
      run('ffmpeg', [
        ...['-v', 'error', ...inputArgs(http.url, ['-ss', mid, '-t', String(lengths[1])])],
        ...['-map', '0', '-c', 'copy', '-f', 'null', '-'],
      ]),
    );
    log("the source's audio");
    const audio = plan.audio
      ? await timed(() => run('ffmpeg', wholeAudioFfmpegArgs(source, plan, join(work, 'audio-only.m4a'))))
      : { wall: 0, cpu: 0 };
    const audioPerS = audio.wall / sourceSeconds;
    // The images' share of the single pass: its CPU over the ladder alone's, in the single pass's wall time.
    const { singlePass, ladderOnly } = input;
    const imagesPerS =
      (Math.max(0, singlePass.cpu - ladderOnly.cpu) / singlePass.cpu) * (singlePass.wall / sourceSeconds);

    /** A chunk job's encode: its ladder from the URL with an audio slice muxed, plus its own audio and images. */
    const chunkJob = async (name: string, chunk: Chunk, chunkPlan: LadderPlan) => {
      const dir = join(work, name);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const next = { ...chunk, index: chunk.index + 1, startSeconds: chunk.startSeconds + chunk.durationSeconds };
      const [slice] = plan.audio ? await encodeAudioSlices(source, plan, [chunk, next], join(work, `${name}-a`)) : [];
      const timeOffsetSeconds = chunkTimeOffset(plan.video?.fps ?? 30);
      http.reset();
      const { wall, cpu } = await timed(() =>
        encodeHlsChunk(http.url, chunkPlan, dir, chunk, { ...(slice && { audio: slice }), timeOffsetSeconds }),
      );
      const preroll = chunk.startSeconds > 0 ? AUDIO_PREROLL_S : 0;
      return {
        seconds: chunk.durationSeconds,
        wall: wall + audioPerS * (chunk.durationSeconds + preroll) + imagesPerS * chunk.durationSeconds,
        cpu,
        bytes: http.sent(),
        requests: http.requests(),
        outputBytes: await bytesUnder(dir),
      };
    };
    log('chunk jobs of two lengths, and the first segment (the ladder, and the top rung alone)');
    const chunks = [];
    for (const seconds of lengths) {
      const startSeconds = Math.max(0, Math.min(sourceSeconds - seconds, sourceSeconds / 2));
      const chunk = { index: 1, startSeconds, durationSeconds: seconds, firstSegment: 0, segmentCount: 1 };
      chunks.push(await chunkJob(`chunk-${seconds}`, chunk, plan));
    }
    const first = { index: 0, startSeconds: 0, durationSeconds: plan.segmentSeconds, firstSegment: 0, segmentCount: 1 };
    const firstLadder = await chunkJob('first-ladder', first, plan);
    const video = plan.video as NonNullable<LadderPlan['video']>;
    const top = { ...plan, video: { ...video, rungs: video.rungs.slice(-1) } };
    const firstRung = await chunkJob('first-rung', first, top);

    const [short, long] = chunks as [(typeof chunks)[0], (typeof chunks)[0]];
    const perS = (long.wall - short.wall) / (long.seconds - short.seconds);
    const sourceBytes = (await stat(source)).size;
    const measured: Measured = {
      cores: availableParallelism(),
      chunkFixedS: Math.max(0, short.wall - perS * short.seconds),
      chunkPerSourceS: perS,
      singlePassPerSourceS: singlePass.wall / sourceSeconds,
      firstSegmentS: firstLadder.wall,
      probeS: probeTime.wall,
      probeRequests,
      rangeRequests: Math.max(short.requests, long.requests),
      rangeReadOverhead: Math.max(...chunks.map((c) => c.bytes / (sourceBytes * (c.seconds / sourceSeconds)))),
      sourceBytesPerS: sourceBytes / sourceSeconds,
      outputBytesPerS: long.outputBytes / long.seconds,
      jobStartS: Math.min(...starts),
      rungs: {
        sd: video.rungs.filter((r) => Math.min(r.width, r.height) < 720).length,
        hd: video.rungs.filter((r) => Math.min(r.width, r.height) >= 720).length,
      },
    };
    return {
      measured,
      /** The first segment's job when it is split per rung: the top rung's (the slowest). */
      firstSegmentRungS: firstRung.wall,
      details: {
        chunk_encode_s: Object.fromEntries(chunks.map((c) => [String(c.seconds), c.wall])),
        chunk_bytes_read: Object.fromEntries(chunks.map((c) => [String(c.seconds), c.bytes])),
        probe_bytes_read: probeBytes,
        range_read_s: rangeRead.wall,
        range_read_seconds_of_source: lengths[1],
        audio_s_per_source_s: audioPerS,
        images_s_per_source_s: imagesPerS,
        source_bytes: sourceBytes,
      },
    };
  } finally {
    await http.close();
  }
}
