/**
 * The ladder's command lines: the whole source in one ffmpeg (the single pass, and the bench's bare lower bound), and
 * one chunk of it with its audio (domain/chunks.ts). Pure: no I/O.
 */
import { join } from 'node:path';
import type { Chunk, ChunkAudioWindow } from '../../../../lambdas/core/domain/chunks.js';
import { AUDIO_ONLY_RENDITION, type LadderPlan, type VideoPlan } from '../../../../lambdas/core/domain/ladder.js';
import { PREVIEW_DIR, type PreviewManifest } from '../../../../lambdas/core/domain/preview-frames.js';
import { type ImagePlan, STILLS_DIR, STORYBOARD_IMAGE } from '../../../../lambdas/core/domain/thumbnails.js';
import {
  audioArgs,
  decimalSeconds,
  hlsOutputArgs,
  inputArgs,
  pieceSeconds,
  previewOutputArgs,
  QUIET,
  type SegmentType,
  segmentCuts,
  sourceBoundSeconds,
  videoArgs,
  wholeSourceInputArgs,
} from './args.js';
import { type ChunkPosition, filterGraph, type SideOutputs } from './filter-graph.js';

/**
 * The whole ffmpeg command line (without the program name) that encodes `plan` under `outDir`: one process, one
 * decode, every rung and every side output. Exported for the benchmark, which runs it bare as the lower bound.
 */
export function ladderFfmpegArgs(
  input: string,
  plan: LadderPlan,
  outDir: string,
  segmentType: SegmentType,
  side: SideOutputs = {},
): string[] {
  const read = wholeSourceInputArgs(input, plan.sourceSeconds, plan.window);
  const images = (plan.video?.overlays ?? []).flatMap((o) => inputArgs(o.image)); // inputs 1…n, for burnOverlays
  const head = [...QUIET, '-progress', 'pipe:1', ...read, ...images];
  const audio = plan.audio ? ['-map', '0:a:0', ...audioArgs(plan.audio)] : [];
  const cuts = segmentCuts(plan, 0);
  const hls = (name: string) => hlsOutputArgs(pieceSeconds(cuts, !!plan.video), join(outDir, name), segmentType);
  const { video } = plan;
  if (!video) return [...head, ...audio, ...hls(AUDIO_ONLY_RENDITION)];
  return [
    ...head,
    ...['-filter_complex', filterGraph(video, side, plan.window && { clipSeconds: plan.sourceSeconds })],
    ...video.rungs.flatMap((rung, i) => [
      ...['-map', `[v${i}]`, ...videoArgs(rung, video, cuts)],
      ...audio,
      ...hls(rung.name),
    ]),
    ...sideOutputArgs(outDir, side),
  ];
}

export interface ChunkEncodeOptions {
  /** The chunk's slice of the source's audio (encode.ts `encodeChunkAudio`); absent for a source without audio. */
  audio?: string;
  /** The chunked transcode's constant time offset (domain/chunks.ts `chunkTimeOffset`). */
  timeOffsetSeconds: number;
  /** The source file's start time (SourceProbe `startSeconds`, 0 when absent): the chunk's read keeps it. */
  sourceStartSeconds: number;
  /** The chunk's share of the stills and preview frames, cut from the same decode (domain/chunks.ts `chunkImages`). */
  side?: ChunkSideOutputs;
}

/** A chunk's images: stills numbered from `firstStill`, preview sheets from `firstSheet`, at most `frames` frames. */
export interface ChunkSideOutputs {
  images?: { plan: ImagePlan; firstStill: number; stills: number };
  previews?: { plan: PreviewManifest; frameList: string; firstSheet: number; frames: number };
}

/**
 * The command line that encodes ONE chunk of `plan` (encode.ts `encodeHlsChunk`): the chunk's part of the source,
 * decoded once, every rung with segments numbered from the chunk's first and timestamps on the source's timeline.
 *
 * The read keeps the file's own timestamps (`-copyts`), moved onto the asset's clock (the one the single pass counts
 * from: the file's start, or a clip's) by the same amount in every chunk, and trims on that clock keep the frames
 * each output owns: the rungs those at or after the chunk's start and before its end. So a chunk that starts between
 * two frames (29.97 fps and every other rate whose frames miss the segment starts) has the frames the single pass
 * has there, at the same times: timed from its own first frame instead, the encoder's constant-rate clock wrote them
 * up to a frame early and a length counted from that frame could take the next chunk's first. The seek hands over
 * every frame from the keyframe before the start (`-noaccurate_seek`), so a frame-rate resample, and the preview
 * frames, see the frames before the start the single pass saw, however far back the last one is (a screen
 * recording's still picture).
 */
export function chunkFfmpegArgs(
  input: string,
  plan: LadderPlan,
  outDir: string,
  chunk: Chunk,
  options: ChunkEncodeOptions,
): string[] {
  const { video } = plan;
  if (!video) throw new Error('Chunked encoding needs a video plan');
  const clip = plan.window?.startSeconds ?? 0;
  const start = chunk.startSeconds;
  // The last chunk of a whole file reads as far as the single pass does (the streams may run a little past the
  // probed length); any other chunk, or a clip's last, ends where it is planned to.
  const last = start + chunk.durationSeconds >= plan.sourceSeconds - 1e-6;
  const end = last && !plan.window ? sourceBoundSeconds(plan.sourceSeconds) : start + chunk.durationSeconds;
  const cuts = segmentCuts(plan, start);
  const audio = options.audio
    ? // The slice's packets are timed from the chunk's start: moved to it, on the asset's clock.
      { input: inputArgs(options.audio, ['-itsoffset', decimalSeconds(start)]), map: ['-map', '1:a:0', '-c:a', 'copy'] }
    : { input: [], map: [] };
  const side = options.side ?? {};
  const position: ChunkPosition = {
    originSeconds: options.sourceStartSeconds + clip,
    startSeconds: start,
    endSeconds: end,
    ...(side.images && { firstStill: side.images.firstStill, stills: side.images.stills }),
    ...(side.previews && { frames: side.previews.frames }),
  };
  return [
    ...QUIET,
    '-copyts',
    // ffmpeg adds the file's start time to the seek point itself. No length: the graph's trims end every output.
    ...inputArgs(input, ['-noaccurate_seek', '-ss', decimalSeconds(start + clip)]),
    ...audio.input,
    ...['-filter_complex', chunkFilterGraph(video, position, side)],
    ...chunkSideOutputArgs(outDir, side),
    ...video.rungs.flatMap((rung, i) => [
      ...['-map', `[v${i}]`, ...videoArgs(rung, video, cuts, { startSeconds: start, endSeconds: end }), ...audio.map],
      ...['-output_ts_offset', decimalSeconds(options.timeOffsetSeconds)],
      ...['-hls_segment_options', 'movflags=+frag_discont'],
      ...hlsOutputArgs(pieceSeconds(cuts, true), join(outDir, rung.name), 'fmp4'),
    ]),
  ];
}

/** A chunk's filter graph: the rungs and its share of the images, on the asset's clock (`filterGraph`). */
function chunkFilterGraph(video: VideoPlan, position: ChunkPosition, { images, previews }: ChunkSideOutputs): string {
  return filterGraph(
    video,
    { ...(images && { images: images.plan }), ...(previews && { previews }) },
    { chunk: position },
  );
}

function chunkSideOutputArgs(outDir: string, { images, previews }: ChunkSideOutputs): string[] {
  return [
    ...(images
      ? [
          ...['-map', '[stills]', '-fps_mode', 'passthrough', '-q:v', '3'],
          ...['-start_number', String(images.firstStill)],
          join(outDir, STILLS_DIR, '%04d.jpg'),
        ]
      : []),
    ...(previews
      ? [
          ...['-map', '[sheets]', '-q:v', '5', '-start_number', String(previews.firstSheet)],
          join(outDir, PREVIEW_DIR, '%05d.jpg'),
          ...['-map', '[count]', '-f', 'framecrc', previews.frameList],
        ]
      : []),
  ];
}

/**
 * The audio of one chunk, encoded on its own (domain/chunks.ts `chunkAudioWindow`): the source from a grid point
 * a few frames before the chunk, to a few frames past its end, into `output`. A read that seeks starts its decode
 * `primeSeconds` earlier and the output's `-ss` drops those samples before the encoder (sample for sample).
 */
export function chunkAudioFfmpegArgs(
  input: string,
  plan: LadderPlan,
  window: ChunkAudioWindow,
  output: string,
): string[] {
  if (!plan.audio) throw new Error('The audio encode needs an audio plan');
  const start = window.readFromSeconds + (plan.window?.startSeconds ?? 0);
  const until = plan.window ? plan.sourceSeconds : sourceBoundSeconds(plan.sourceSeconds);
  const seconds = Math.min(window.readSeconds ?? Number.POSITIVE_INFINITY, until - window.readFromSeconds);
  // No seek at the source's start: even `-ss 0` re-times the first decoded frames, and the encoder's state takes
  // seconds to forget that; without it the first chunk's audio is the single pass's, bit for bit.
  const prime = window.primeSeconds; // at most readFromSeconds: `from` is never before the source's start
  const seek = start - prime > 0 ? ['-ss', decimalSeconds(start - prime)] : [];
  const read = inputArgs(input, [...seek, '-t', decimalSeconds(Math.max(0, seconds) + prime)]);
  const drop = prime > 0 ? ['-ss', decimalSeconds(prime)] : [];
  return [...QUIET, ...read, '-vn', '-map', '0:a:0', ...audioArgs(plan.audio), ...drop, '-f', 'nut', output];
}

/** Keeps the chunk's own packets of its audio encode by stream copy, timed from the chunk's start. */
export function chunkAudioCutArgs(encoded: string, window: ChunkAudioWindow, output: string): string[] {
  const end = window.keepToSeconds === undefined ? [] : ['-to', decimalSeconds(window.keepToSeconds)];
  return [
    ...[...QUIET, ...inputArgs(encoded), '-ss', decimalSeconds(window.keepFromSeconds), ...end],
    ...['-output_ts_offset', decimalSeconds(window.shiftSeconds), '-c', 'copy', '-f', 'nut', output],
  ];
}

function sideOutputArgs(outDir: string, { images, previews }: SideOutputs): string[] {
  return [
    ...(images ? imageOutputArgs(outDir) : []),
    ...(previews ? previewOutputArgs(join(outDir, PREVIEW_DIR), previews.frameList) : []),
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
