/**
 * The encoders: each runs ffmpeg (command lines from ffmpeg/args.ts) and leaves its outputs in a folder.
 *
 * - `encodeHls`: the whole ladder in ONE ffmpeg process. The source is decoded once, split, scaled per rung and fed
 *   to one H.264 encoder and one HLS muxer per rung; every encoder gets the same frames and forced keyframes at the
 *   same timestamps (scene-cut keyframes off), so every rung is cut into identical segments. Writes
 *   `<outDir>/<rendition>/index.m3u8` plus its segments, then `<outDir>/master.m3u8`, last.
 * - `encodeHlsChunk`, `encodeAudioSlices`, `encodeImages`: the steps of a chunked transcode (strategies/chunk-*.ts).
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chunk } from '../../../lambdas/core/domain/chunks.js';
import type { LadderPlan } from '../../../lambdas/core/domain/ladder.js';
import { renditionNames } from '../../../lambdas/core/domain/ladder.js';
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
import {
  type ImagePlan,
  PREVIEW_DIR,
  STILLS_DIR,
  STORYBOARD_IMAGE,
  STORYBOARD_VTT,
  storyboardVtt,
} from '../../../lambdas/core/domain/thumbnails.js';
import {
  type ChunkEncodeOptions,
  chunkFfmpegArgs,
  HLS_VERSION,
  inputArgs,
  ladderFfmpegArgs,
  QUIET,
  type SegmentType,
  type SideOutputs,
  sideOutputsFfmpegArgs,
  wholeAudioFfmpegArgs,
} from './ffmpeg/args.js';
import { ffmpegLimits, runFfmpeg } from './ffmpeg/run.js';

export interface EncodeOptions extends SideOutputs {
  /** @default 'fmp4' */
  segmentType?: SegmentType;
  /** Called as ffmpeg reports progress, with the seconds of output written so far. */
  onProgress?: (seconds: number) => void;
}

/** Encodes `input` into HLS under `outDir` and writes the master playlist; returns its variants. */
export async function encodeHls(
  input: string,
  plan: LadderPlan,
  outDir: string,
  options: EncodeOptions = {},
): Promise<Variant[]> {
  const segmentType = options.segmentType ?? 'fmp4';
  const side = sideOutputsOf(plan, options);
  const folders = [...renditionNames(plan), ...sideFolders(side)];
  await Promise.all(folders.map((name) => mkdir(join(outDir, name), { recursive: true })));
  const args = ladderFfmpegArgs(input, plan, outDir, segmentType, side);
  await runFfmpeg(args, ffmpegLimits(plan.sourceSeconds), options.onProgress);
  await Promise.all(renditionNames(plan).map((name) => finishPlaylist(join(outDir, name, RENDITION_PLAYLIST))));
  const variants = await Promise.all(renditionNames(plan).map((name) => measuredVariant(plan, outDir, name)));
  await writeFile(join(outDir, MASTER_PLAYLIST), masterPlaylist(variants, HLS_VERSION[segmentType]));
  return variants;
}

/**
 * Cuts the side outputs (stills, storyboard, preview frames) of the whole of `input` into `outDir`, from one decode
 * of their own: a chunked transcode's first task, whose ladder encode covers only its chunk.
 */
export async function encodeImages(input: string, plan: LadderPlan, outDir: string, side: SideOutputs): Promise<void> {
  const wanted = sideOutputsOf(plan, side);
  if (!plan.video || sideFolders(wanted).length === 0) return;
  await Promise.all(sideFolders(wanted).map((name) => mkdir(join(outDir, name), { recursive: true })));
  await runFfmpeg(sideOutputsFfmpegArgs(input, plan, outDir, wanted), ffmpegLimits(plan.sourceSeconds));
}

/** Side outputs need a picture: none for an audio-only plan. */
function sideOutputsOf(plan: LadderPlan, { images, previews }: SideOutputs): SideOutputs {
  if (!plan.video) return {};
  return { ...(images && { images }), ...(previews && { previews }) };
}

const sideFolders = (side: SideOutputs) => [
  ...(side.images ? [STILLS_DIR] : []),
  ...(side.previews ? [PREVIEW_DIR] : []),
];

/**
 * The audio of a chunked transcode: encoded ONCE for the whole source (an AAC frame is 1024 samples, and chunk
 * boundaries fall between frames, so per-chunk encodes could not join without a glitch), then cut by stream copy
 * into one slice per chunk — the packets whose time falls in the chunk, with their exact source timestamps (NUT
 * keeps them in the stream's own time base). Returns the slice files in chunk order.
 */
export async function encodeAudioSlices(
  input: string,
  plan: LadderPlan,
  chunks: readonly Chunk[],
  dir: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const whole = join(dir, 'audio.m4a');
  const limits = ffmpegLimits(plan.sourceSeconds);
  await runFfmpeg(wholeAudioFfmpegArgs(input, plan, whole), limits);
  const last = chunks.length - 1;
  return Promise.all(
    chunks.map(async (chunk, i) => {
      const file = join(dir, `audio_${String(chunk.index).padStart(4, '0')}.nut`);
      const end = i === last ? [] : ['-to', String(chunk.startSeconds + chunk.durationSeconds)];
      // Output-side -ss/-to on a stream copy keep exactly the packets with start ≤ t < end: the slices partition it.
      const cut = [...QUIET, ...inputArgs(whole), '-ss', String(chunk.startSeconds), ...end, '-c', 'copy', file];
      await runFfmpeg(cut, limits);
      return file;
    }),
  );
}

/**
 * Encodes ONE chunk of a chunked transcode: every rung of the chunk's part of the source (one decode), muxed with
 * the chunk's audio slice into fMP4 HLS segments with their final names (numbered from the chunk's first segment)
 * and timestamps on the whole source's timeline (the chunk's start plus the constant offset). Each fragment carries
 * its own decode time (`frag_discont`), so the init segments of all chunks are identical and the segments of all
 * chunks play as one stream. Writes `<outDir>/<rendition>/index.m3u8` (the chunk's segments only) and the segments.
 */
export async function encodeHlsChunk(
  input: string,
  plan: LadderPlan,
  outDir: string,
  chunk: Chunk,
  options: ChunkEncodeOptions,
): Promise<void> {
  const args = chunkFfmpegArgs(input, plan, outDir, chunk, options); // throws without a video plan
  await Promise.all((plan.video?.rungs ?? []).map((r) => mkdir(join(outDir, r.name), { recursive: true })));
  await runFfmpeg(args, ffmpegLimits(chunk.durationSeconds));
}

/** The storyboard's WebVTT, one cue per still actually written (the sprite holds the same frames). */
export async function writeStoryboardVtt(dir: string, images: ImagePlan, durationSeconds: number): Promise<void> {
  const stills = await readdir(join(dir, STILLS_DIR)).catch(() => []);
  await writeFile(join(dir, STORYBOARD_VTT), storyboardVtt(images, stills.length, durationSeconds, STORYBOARD_IMAGE));
}

async function finishPlaylist(file: string): Promise<void> {
  await writeFile(file, vodPlaylist(await readFile(file, 'utf8')));
}

/** A rendition's variant entry, with bit rates measured from the segments ffmpeg actually wrote. */
async function measuredVariant(plan: LadderPlan, outDir: string, name: string): Promise<Variant> {
  const dir = join(outDir, name);
  const playlist = parseMediaPlaylist(await readFile(join(dir, RENDITION_PLAYLIST), 'utf8'));
  const segments = await Promise.all(
    playlist.segments.map(async (s) => ({ duration: s.duration, bytes: (await stat(join(dir, s.uri))).size })),
  );
  return variantOf(plan, name, segments, playlist.targetDuration);
}

/** A rendition's master-playlist entry: peak and average bit rates of its segments, codecs, size and rate. */
export function variantOf(
  plan: LadderPlan,
  name: string,
  segments: readonly { duration: number; bytes: number }[],
  targetDuration: number,
): Variant {
  const { peak, average } = segmentBitRates(segments, targetDuration);
  const rung = plan.video?.rungs.find((r) => r.name === name);
  return {
    uri: variantUri(name),
    bandwidth: peak,
    averageBandwidth: average,
    codecs: codecsFor(rung, plan.audio !== undefined),
    ...(rung && plan.video && { video: { width: rung.width, height: rung.height, frameRate: plan.video.fps } }),
  };
}
