/**
 * The encoders: each runs ffmpeg (command lines from ffmpeg/encode-args.ts and ffmpeg/args.ts) and leaves its
 * outputs in a folder.
 *
 * - `encodeHls`: the whole ladder in ONE ffmpeg process. The source is decoded once, split, scaled per rung and fed
 *   to one H.264 encoder and one HLS muxer per rung; every encoder gets the same frames and forced keyframes at the
 *   same timestamps (scene-cut keyframes off), so every rung is cut into identical segments. Writes
 *   `<outDir>/<rendition>/index.m3u8` plus its segments, then `<outDir>/master.m3u8`, last.
 * - `encodeHlsChunk`, `encodeChunkAudio`, `encodeStoryboard`: the steps of a chunked transcode (strategies/chunk-*.ts).
 */
import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Chunk, chunkAudioWindow } from '../../../lambdas/core/domain/chunks.js';
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
import { PREVIEW_DIR } from '../../../lambdas/core/domain/preview-frames.js';
import {
  type ImagePlan,
  STILLS_DIR,
  STORYBOARD_IMAGE,
  STORYBOARD_VTT,
  stillFile,
  storyboardVtt,
} from '../../../lambdas/core/domain/thumbnails.js';
import { HLS_VERSION, inputArgs, QUIET, type SegmentType, segmentCuts } from './ffmpeg/args.js';
import {
  type ChunkEncodeOptions,
  chunkAudioCutArgs,
  chunkAudioFfmpegArgs,
  chunkFfmpegArgs,
  ladderFfmpegArgs,
} from './ffmpeg/encode-args.js';
import type { SideOutputs } from './ffmpeg/filter-graph.js';
import { ffmpegLimits, runFfmpeg, type StdinFeed } from './ffmpeg/run.js';
import { joinPieces } from './segment-join.js';

export interface EncodeOptions extends SideOutputs {
  /** @default 'fmp4' */
  segmentType?: SegmentType;
  /** Called as ffmpeg reports progress, with the seconds of output written so far. */
  onProgress?: (seconds: number) => void;
  /** Writes the source into ffmpeg's standard input, when `input` is `STDIN_INPUT` (follow-file.ts). */
  feed?: StdinFeed;
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
  await runFfmpeg(args, ffmpegLimits(plan.sourceSeconds), options.onProgress, options.feed);
  const whole = { cuts: segmentCuts(plan, 0), firstSegment: 0, final: true };
  await Promise.all(renditionNames(plan).map((name) => joinPieces(join(outDir, name), whole)));
  await Promise.all(renditionNames(plan).map((name) => finishPlaylist(join(outDir, name, RENDITION_PLAYLIST))));
  const variants = await Promise.all(renditionNames(plan).map((name) => measuredVariant(plan, outDir, name)));
  await writeFile(join(outDir, MASTER_PLAYLIST), masterPlaylist(variants, HLS_VERSION[segmentType]));
  return variants;
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
 * The audio of ONE chunk, encoded by the chunk itself from its part of the source (domain/chunks.ts
 * `chunkAudioWindow`): a few AAC frames of pre-roll before the chunk and past its end, dropped by a stream copy, so
 * the packets kept are on the whole source's frame grid and decode across the joins as one encode does. Returns the
 * slice (NUT: the packets' times as they are, counted from the chunk's start).
 */
export async function encodeChunkAudio(
  input: string,
  plan: LadderPlan,
  chunk: Chunk,
  at: { last: boolean; sourceSampleRate?: number | undefined },
  dir: string,
): Promise<string> {
  if (!plan.audio) throw new Error('The audio encode needs an audio plan');
  await mkdir(dir, { recursive: true });
  const rates = { output: plan.audio.sampleRate, ...(at.sourceSampleRate && { source: at.sourceSampleRate }) };
  const window = chunkAudioWindow(chunk, at.last, rates);
  const encoded = join(dir, `audio-${chunk.index}-encoded.nut`);
  const slice = join(dir, `audio-${chunk.index}.nut`);
  const limits = ffmpegLimits(chunk.durationSeconds);
  await runFfmpeg(chunkAudioFfmpegArgs(input, plan, window, encoded), limits);
  await runFfmpeg(chunkAudioCutArgs(encoded, window, slice), limits);
  return slice;
}

/**
 * The storyboard sprite from the stills (a chunked transcode's finisher: each chunk cut its stills from its own
 * decode), scaled to tiles and laid out as the single pass lays them, with its WebVTT.
 */
export async function encodeStoryboard(dir: string, images: ImagePlan, durationSeconds: number): Promise<void> {
  const stills = join(dir, STILLS_DIR, '%04d.jpg');
  const { tile, columns, rows } = images;
  const graph = `scale=${tile.width}:${tile.height},setsar=1,tile=${columns}x${rows}`;
  await runFfmpeg(
    [
      ...[...QUIET, ...inputArgs(stills, ['-f', 'image2', '-framerate', '1', '-start_number', '0'])],
      ...['-vf', graph, '-frames:v', '1', '-q:v', '5', '-update', '1', join(dir, STORYBOARD_IMAGE)],
    ],
    ffmpegLimits(images.count),
  );
  await writeStoryboardVtt(dir, images, durationSeconds);
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
  const rungs = plan.video?.rungs ?? [];
  await Promise.all(rungs.map((r) => mkdir(join(outDir, r.name), { recursive: true })));
  await runFfmpeg(args, ffmpegLimits(chunk.durationSeconds));
  const pieces = { cuts: segmentCuts(plan, chunk.startSeconds), firstSegment: chunk.firstSegment, final: true };
  await Promise.all(rungs.map((r) => joinPieces(join(outDir, r.name), pieces)));
}

/** The storyboard's WebVTT, one cue per still actually written (the sprite holds the same frames). */
export async function writeStoryboardVtt(dir: string, images: ImagePlan, durationSeconds: number): Promise<void> {
  const stills = await readdir(join(dir, STILLS_DIR)).catch(() => []);
  await writeFile(join(dir, STORYBOARD_VTT), storyboardVtt(images, stills.length, durationSeconds, STORYBOARD_IMAGE));
}

/**
 * Gives every planned still a file: each one ffmpeg did not cut is a copy of the nearest earlier one (the first cut,
 * before it). The stills are planned over the asset's duration, and a thumbnail URL may ask for any time in it, but
 * ffmpeg cuts none past the video's last frame: a video track that ends before the audio would leave the thumbnails
 * of the tail (and `thumbnail_time` = the middle, when the audio runs twice as long) answering 404. Call it after
 * the storyboard, whose tiles stay the stills actually cut. Returns how many were filled; none without any still.
 */
export async function fillMissingStills(dir: string, count: number): Promise<number> {
  const cut = new Set(await readdir(join(dir, STILLS_DIR)).catch(() => []));
  const present = (i: number) => cut.has(basename(stillFile(i)));
  let from = Array.from({ length: count }, (_, i) => i).find(present);
  if (from === undefined) return 0;
  let filled = 0;
  for (let i = 0; i < count; i++) {
    if (present(i)) from = i;
    else {
      await copyFile(join(dir, stillFile(from)), join(dir, stillFile(i)));
      filled++;
    }
  }
  return filled;
}

/** Marks the playlist VOD, in one rename: the fast-start publisher may be reading it. */
async function finishPlaylist(file: string): Promise<void> {
  await writeFile(`${file}.part`, vodPlaylist(await readFile(file, 'utf8')));
  await rename(`${file}.part`, file);
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
