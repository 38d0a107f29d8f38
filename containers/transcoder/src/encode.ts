/**
 * Encodes a ladder plan into HLS with ONE ffmpeg process: the source is decoded once, split, scaled per rung and
 * fed to one H.264 encoder and one HLS muxer per rung. Every encoder gets the same frames and forced keyframes at
 * the same timestamps (scene-cut keyframes off), so every rung is cut into identical segments.
 *
 * Output layout: `<outDir>/<rendition>/index.m3u8` plus its segments, then `<outDir>/master.m3u8`, written last.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Chunk } from '../../../lambdas/core/domain/chunks.js';
import type { AudioPlan, LadderPlan, VideoPlan, VideoRung } from '../../../lambdas/core/domain/ladder.js';
import { AUDIO_ONLY_RENDITION, renditionNames } from '../../../lambdas/core/domain/ladder.js';
import { MASTER_PLAYLIST } from '../../../lambdas/core/domain/layout.js';
import {
  codecsFor,
  masterPlaylist,
  parseMediaPlaylist,
  RENDITION_PLAYLIST,
  segmentBitRates,
  type Variant,
  variantUri,
  vodPlaylist,
} from '../../../lambdas/core/domain/playlist.js';
import { type ImagePlan, STILLS_DIR, STORYBOARD_IMAGE } from '../../../lambdas/core/domain/thumbnails.js';
import { inParallel } from './storage.js';

export type SegmentType = 'fmp4' | 'ts';

export interface EncodeOptions {
  /** @default 'fmp4' */
  segmentType?: SegmentType;
  /** Called as ffmpeg reports progress, with the seconds of output written so far. */
  onProgress?: (seconds: number) => void;
  /** Stills and a storyboard to cut from the same decode (video sources only); see domain/thumbnails.ts. */
  images?: ImagePlan;
}

/** The EXT-X-VERSION ffmpeg writes for each segment type; the master playlist declares the same. */
export const HLS_VERSION: Record<SegmentType, number> = { fmp4: 7, ts: 3 };
const SEGMENT_EXTENSION: Record<SegmentType, string> = { fmp4: 'm4s', ts: 'ts' };
/** Lines of ffmpeg's stderr kept for the error message. */
const STDERR_TAIL_LINES = 20;

/** Encodes `input` into HLS under `outDir` and writes the master playlist; returns its variants. */
export async function encodeHls(
  input: string,
  plan: LadderPlan,
  outDir: string,
  options: EncodeOptions = {},
): Promise<Variant[]> {
  const segmentType = options.segmentType ?? 'fmp4';
  const images = plan.video && options.images;
  const folders = [...renditionNames(plan), ...(images ? [STILLS_DIR] : [])];
  await Promise.all(folders.map((name) => mkdir(join(outDir, name), { recursive: true })));
  await runFfmpeg(ladderFfmpegArgs(input, plan, outDir, segmentType, images), options.onProgress);
  return finishOutputs(plan, outDir, segmentType);
}

/** Marks the media playlists VOD, then writes the master with bit rates measured from the segments. */
async function finishOutputs(plan: LadderPlan, outDir: string, segmentType: SegmentType): Promise<Variant[]> {
  await Promise.all(renditionNames(plan).map((name) => finishPlaylist(join(outDir, name, RENDITION_PLAYLIST))));
  const variants = await Promise.all(renditionNames(plan).map((name) => measuredVariant(plan, outDir, name)));
  await writeFile(join(outDir, MASTER_PLAYLIST), masterPlaylist(variants, HLS_VERSION[segmentType]));
  return variants;
}

export interface ChunkedOptions {
  /** Segment-aligned chunks of the source (domain/chunks.ts `planChunks`). */
  chunks: readonly Chunk[];
  /** ffmpeg processes run at once. */
  parallelism: number;
  /** @default 'fmp4' */
  segmentType?: SegmentType;
  /** Stills and storyboard, cut by one more process alongside the chunks. */
  images?: ImagePlan;
}

/**
 * Chunk-parallel encoding of a video plan, same output as `encodeHls` (images aside): every chunk's ladder is
 * encoded by its own ffmpeg process (one decode of that chunk feeds every rung) into per-rung MPEG-TS pieces, the
 * audio once for the whole source; then, per rung, ffmpeg's concat demuxer joins the pieces with continuous
 * timestamps and one HLS muxer cuts them (stream copy) into segments with their final names. Chunks start on
 * segment boundaries and every rung has keyframes every `keyframeSeconds` from each chunk's start, so the segments
 * are those of the single-process path.
 */
export async function encodeHlsChunked(
  input: string,
  plan: LadderPlan,
  outDir: string,
  options: ChunkedOptions,
): Promise<Variant[]> {
  const { video } = plan;
  if (!video) throw new Error('Chunked encoding needs a video plan');
  const segmentType = options.segmentType ?? 'fmp4';
  const pieces = join(outDir, '.chunks');
  await Promise.all(video.rungs.map((r) => mkdir(join(pieces, r.name), { recursive: true })));
  await Promise.all(renditionNames(plan).map((name) => mkdir(join(outDir, name), { recursive: true })));
  const piece = (rung: string, index: number) => join(pieces, rung, `${String(index).padStart(4, '0')}.ts`);
  const audioFile = join(pieces, 'audio.m4a');
  const jobs: string[][] = options.chunks.map((chunk) => [
    ...['-hide_banner', '-loglevel', 'error', '-nostats', '-y'],
    ...['-ss', String(chunk.startSeconds), '-t', String(chunk.durationSeconds), '-i', input],
    ...['-filter_complex', filterGraph(video)],
    ...video.rungs.flatMap((rung, i) => [
      ...['-map', `[v${i}]`, ...videoArgs(rung, video.fps, plan.keyframeSeconds)],
      ...['-threads:v', String(Math.max(1, Math.floor(availableParallelism() / options.parallelism)))],
      ...['-an', '-f', 'mpegts', piece(rung.name, chunk.index)],
    ]),
  ]);
  if (plan.audio) {
    const audio = ['-map', '0:a:0', ...audioArgs(plan.audio)];
    jobs.push(['-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-i', input, '-vn', ...audio, audioFile]);
  }
  if (options.images) {
    await mkdir(join(outDir, STILLS_DIR), { recursive: true });
    jobs.push(imagesFfmpegArgs(input, video, outDir, options.images));
  }
  await inParallel(jobs, options.parallelism, (args) => runFfmpeg(args));
  await Promise.all(
    video.rungs.map(async (rung) => {
      const list = join(pieces, rung.name, 'pieces.txt');
      await writeFile(list, options.chunks.map((c) => `file '${piece(rung.name, c.index)}'\n`).join(''));
      await runFfmpeg([
        ...['-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-f', 'concat', '-safe', '0', '-i', list],
        ...(plan.audio ? ['-i', audioFile, '-map', '0:v:0', '-map', '1:a:0'] : ['-map', '0:v:0']),
        ...['-c', 'copy', ...hlsOutputArgs(plan, join(outDir, rung.name), segmentType)],
      ]);
    }),
  );
  await rm(pieces, { recursive: true, force: true });
  return finishOutputs(plan, outDir, segmentType);
}

/** Stills and the storyboard of the whole source, by their own decode (for encoders that cut the video). */
function imagesFfmpegArgs(input: string, video: VideoPlan, outDir: string, images: ImagePlan): string[] {
  const graph = filterGraph({ ...video, rungs: [] }, images);
  return ['-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-i', input, '-filter_complex', graph].concat(
    imageOutputArgs(outDir),
  );
}

/** Cuts the stills and the storyboard of `input` into `outDir` (the chunk-task path, beside its first chunk). */
export async function encodeImages(input: string, plan: LadderPlan, outDir: string, images: ImagePlan): Promise<void> {
  if (!plan.video) return;
  await mkdir(join(outDir, STILLS_DIR), { recursive: true });
  await runFfmpeg(imagesFfmpegArgs(input, plan.video, outDir, images));
}

/**
 * The audio of a chunked transcode, for chunk tasks: encoded ONCE for the whole source (an AAC frame is 1024
 * samples, and chunk boundaries fall between frames, so per-chunk encodes could not join without a glitch), then
 * cut by stream copy into one slice per chunk — the packets whose time falls in the chunk, with their exact source
 * timestamps (NUT keeps them in the stream's own time base). Returns the slice files in chunk order.
 */
export async function encodeAudioSlices(
  input: string,
  audio: AudioPlan,
  chunks: readonly Chunk[],
  dir: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const whole = join(dir, 'audio.m4a');
  const quiet = ['-hide_banner', '-loglevel', 'error', '-nostats', '-y'];
  await runFfmpeg([...quiet, '-i', input, '-vn', '-map', '0:a:0', ...audioArgs(audio), whole]);
  const last = chunks.length - 1;
  return Promise.all(
    chunks.map(async (chunk, i) => {
      const file = join(dir, `audio_${String(chunk.index).padStart(4, '0')}.nut`);
      const end = i === last ? [] : ['-to', String(chunk.startSeconds + chunk.durationSeconds)];
      // Output-side -ss/-to on a stream copy keep exactly the packets with start ≤ t < end: the slices partition it.
      await runFfmpeg([...quiet, '-i', whole, '-ss', String(chunk.startSeconds), ...end, '-c', 'copy', file]);
      return file;
    }),
  );
}

export interface ChunkEncodeOptions {
  /** The chunk's slice of the source's audio (`encodeAudioSlices`); absent for a source without audio. */
  audio?: string;
  /** The chunked transcode's constant time offset (domain/chunks.ts `chunkTimeOffset`). */
  timeOffsetSeconds: number;
}

/**
 * Encodes ONE chunk of a chunked transcode, as a chunk task does: every rung of the chunk's part of the source (one
 * decode), muxed with the chunk's audio slice into fMP4 HLS segments with their final names (numbered from the
 * chunk's first segment) and timestamps on the whole source's timeline (the chunk's start plus the constant
 * offset). Each fragment carries its own decode time (`frag_discont`), so the init segments of all chunks are
 * identical and the segments of all chunks play as one stream. Writes `<outDir>/<rendition>/index.m3u8` (the
 * chunk's segments only) and the segments.
 */
export async function encodeHlsChunk(
  input: string,
  plan: LadderPlan,
  outDir: string,
  chunk: Chunk,
  options: ChunkEncodeOptions,
): Promise<void> {
  const { video } = plan;
  if (!video) throw new Error('Chunked encoding needs a video plan');
  await Promise.all(video.rungs.map((r) => mkdir(join(outDir, r.name), { recursive: true })));
  const offset = String(chunk.startSeconds + options.timeOffsetSeconds);
  const audio = options.audio
    ? // Read the slice's timestamps as stored (no shift to zero), so they stay on the source's timeline.
      { input: ['-seek_timestamp', '1', '-ss', '0', '-i', options.audio], map: ['-map', '1:a:0', '-c:a', 'copy'] }
    : { input: [], map: [] };
  await runFfmpeg([
    ...['-hide_banner', '-loglevel', 'error', '-nostats', '-y'],
    ...['-ss', String(chunk.startSeconds), '-t', String(chunk.durationSeconds), '-i', input, ...audio.input],
    ...['-filter_complex', filterGraph(video)],
    ...video.rungs.flatMap((rung, i) => [
      ...['-map', `[v${i}]`, ...videoArgs(rung, video.fps, plan.keyframeSeconds), ...audio.map],
      ...['-output_ts_offset', offset, '-start_number', String(chunk.firstSegment)],
      ...['-hls_segment_options', 'movflags=+frag_discont'],
      ...hlsOutputArgs(plan, join(outDir, rung.name), 'fmp4'),
    ]),
  ]);
}

/**
 * The whole ffmpeg command line (without the program name) that encodes `plan` under `outDir`: one process, one
 * decode, every rung. Exported for the benchmark, which runs it bare as the lower bound.
 */
export function ladderFfmpegArgs(
  input: string,
  plan: LadderPlan,
  outDir: string,
  segmentType: SegmentType,
  images?: ImagePlan,
): string[] {
  const head = ['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-y', '-i', input];
  const audio = plan.audio ? ['-map', '0:a:0', ...audioArgs(plan.audio)] : [];
  const hls = (name: string) => hlsOutputArgs(plan, join(outDir, name), segmentType);
  const { video } = plan;
  if (!video) return [...head, ...audio, ...hls(AUDIO_ONLY_RENDITION)];
  return [
    ...head,
    '-filter_complex',
    filterGraph(video, images),
    ...video.rungs.flatMap((rung, i) => [
      '-map',
      `[v${i}]`,
      ...videoArgs(rung, video.fps, plan.keyframeSeconds),
      ...audio,
      ...hls(rung.name),
    ]),
    ...(images ? imageOutputArgs(outDir) : []),
  ];
}

/** Stills numbered from 0 (`thumbnails/0000.jpg` is at 0 s), and the one storyboard sprite. */
function imageOutputArgs(outDir: string): string[] {
  return [
    ...['-map', '[stills]', '-fps_mode', 'passthrough', '-q:v', '3', '-start_number', '0'],
    join(outDir, STILLS_DIR, '%04d.jpg'),
    ...['-map', '[storyboard]', '-frames:v', '1', '-q:v', '5', '-update', '1', join(outDir, STORYBOARD_IMAGE)],
  ];
}

/**
 * Decode once, convert to 8-bit 4:2:0 (what High profile and every player expect, even from 10-bit phone video),
 * resample the frame rate if the plan says so, then split into one scaler per rung. ffmpeg's decoder-side
 * autorotation has already turned the frames upright, so rung sizes are display sizes.
 */
function filterGraph({ fps, resampleFrameRate, rungs }: VideoPlan, images?: ImagePlan): string {
  const outputs = rungs.length + (images ? 1 : 0);
  const common = [...(resampleFrameRate ? [`fps=${rationalRate(fps)}`] : []), 'format=yuv420p', `split=${outputs}`];
  const splits = Array.from({ length: outputs }, (_, i) => `[s${i}]`).join('');
  const scalers = rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1[v${i}]`);
  if (!images) return [`[0:v:0]${common.join(',')}${splits}`, ...scalers].join(';');
  const { intervalSeconds, still, tile, columns, rows } = images;
  const grid = [
    // The first frame at or after each multiple of the interval (the fps filter would take the last one before
    // the next), so still k shows the moment k × interval.
    `[s${rungs.length}]select='isnan(prev_selected_t)+gt(floor(t/${intervalSeconds}),floor(prev_selected_t/${intervalSeconds}))',` +
      `scale=${still.width}:${still.height},setsar=1,split=2[stills][tiles]`,
    `[tiles]scale=${tile.width}:${tile.height},tile=${columns}x${rows}[storyboard]`,
  ];
  return [`[0:v:0]${common.join(',')}${splits}`, ...scalers, ...grid].join(';');
}

/** A frame rate as ffmpeg reads it exactly: NTSC rates as n/1001 ("30000/1001"), others as they are. */
function rationalRate(fps: number): string {
  const ntsc = Math.round(fps * 1.001);
  return Math.abs(fps - ntsc / 1.001) < 1e-6 && Math.abs(fps - ntsc) > 1e-6 ? `${ntsc * 1000}/1001` : String(fps);
}

function videoArgs(rung: VideoRung, fps: number, keyframeSeconds: number): string[] {
  const gop = String(Math.round(fps * keyframeSeconds));
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    rung.profile,
    '-level:v',
    String(rung.level),
    '-b:v',
    `${rung.videoKbps}k`,
    '-maxrate:v',
    `${rung.maxrateKbps}k`,
    '-bufsize:v',
    `${rung.bufsizeKbps}k`,
    '-g:v',
    gop,
    '-keyint_min:v',
    gop,
    '-sc_threshold:v',
    '0',
    '-force_key_frames:v',
    `expr:gte(t,n_forced*${keyframeSeconds})`,
    // ffmpeg 5 calls every encoder from one thread; x264's own threads are what use the cores.
    '-threads:v',
    String(availableParallelism()),
  ];
}

function audioArgs(audio: AudioPlan): string[] {
  return [
    '-c:a',
    audio.codec,
    '-b:a',
    `${audio.kbps}k`,
    '-ac',
    String(audio.channels),
    '-ar',
    String(audio.sampleRate),
  ];
}

function hlsOutputArgs(plan: LadderPlan, dir: string, segmentType: SegmentType): string[] {
  return [
    '-f',
    'hls',
    '-hls_time',
    String(plan.segmentSeconds),
    // EVENT: ffmpeg rewrites the playlist as each segment ends, so it can be published while encoding (fast
    // start); finishPlaylist() marks it VOD once ffmpeg is done.
    '-hls_playlist_type',
    'event',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    segmentType === 'fmp4' ? 'fmp4' : 'mpegts',
    // The fMP4 init segment goes next to the segments.
    '-hls_segment_filename',
    join(dir, `segment_%03d.${SEGMENT_EXTENSION[segmentType]}`),
    join(dir, RENDITION_PLAYLIST),
  ];
}

async function finishPlaylist(file: string): Promise<void> {
  await writeFile(file, vodPlaylist(await readFile(file, 'utf8')));
}

/** Runs ffmpeg, reporting `-progress` output; rejects with the tail of its stderr when it fails. */
export function runFfmpeg(args: string[], onProgress?: (seconds: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    createInterface({ input: ffmpeg.stdout }).on('line', (line) => {
      const seconds = progressSeconds(line);
      if (seconds !== undefined) onProgress?.(seconds);
    });
    createInterface({ input: ffmpeg.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
    });
    ffmpeg.on('error', reject);
    ffmpeg.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg failed (${signal ?? `exit code ${code}`}): ${stderr.join('\n')}`));
    });
  });
}

/** Seconds of output from a `-progress` line (`out_time_us=4032000`); undefined for other lines and "N/A". */
function progressSeconds(line: string): number | undefined {
  const match = /^out_time_us=(\d+)$/.exec(line);
  return match ? Number(match[1]) / 1e6 : undefined;
}

/** A rendition's variant entry, with bit rates measured from the segments ffmpeg actually wrote. */
async function measuredVariant(plan: LadderPlan, outDir: string, name: string): Promise<Variant> {
  const dir = join(outDir, name);
  const playlist = parseMediaPlaylist(await readFile(join(dir, RENDITION_PLAYLIST), 'utf8'));
  const segments = await Promise.all(
    playlist.segments.map(async (s) => ({ duration: s.duration, bytes: (await stat(join(dir, s.uri))).size })),
  );
  const { peak, average } = segmentBitRates(segments, playlist.targetDuration);
  const rung = plan.video?.rungs.find((r) => r.name === name);
  return {
    uri: variantUri(name),
    bandwidth: peak,
    averageBandwidth: average,
    codecs: codecsFor(rung, plan.audio !== undefined),
    ...(rung && plan.video && { video: { width: rung.width, height: rung.height, frameRate: plan.video.fps } }),
  };
}
