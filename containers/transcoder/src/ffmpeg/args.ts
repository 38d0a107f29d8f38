/**
 * ffmpeg's command lines, built in one place: the quiet prefix every invocation starts with, inputs read through
 * only the protocols they need, and the video, audio, HLS and image arguments the encoders share. Pure: no I/O.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Chunk, ChunkAudioWindow } from '../../../../lambdas/core/domain/chunks.js';
import {
  AUDIO_ONLY_RENDITION,
  type AudioPlan,
  divides,
  type LadderPlan,
  segmentAt,
  type VideoPlan,
  type VideoRung,
} from '../../../../lambdas/core/domain/ladder.js';
import {
  type ImagePlan,
  PREVIEW_DIR,
  type PreviewManifest,
  STILLS_DIR,
  STORYBOARD_IMAGE,
} from '../../../../lambdas/core/domain/thumbnails.js';
import { burnOverlays } from '../options/overlay-filter.js';

export type SegmentType = 'fmp4' | 'ts';

/** The EXT-X-VERSION ffmpeg writes for each segment type; the master playlist declares the same. */
export const HLS_VERSION: Record<SegmentType, number> = { fmp4: 7, ts: 3 };
const SEGMENT_EXTENSION: Record<SegmentType, string> = { fmp4: 'm4s', ts: 'ts' };

/** ffmpeg's own playlist and pieces, beside the segments joined from them (segment-join.ts); never published. */
export const PIECES_PLAYLIST = 'pieces.m3u8';
const PIECE_PREFIX = 'piece_';

/** Every invocation: no banner, errors only, no progress on stderr, overwrite outputs. */
export const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostats', '-y'] as const;

/**
 * The protocols ffmpeg may open for an input, and nothing else: a source is untrusted, and a playlist or concat
 * list inside it could otherwise make ffmpeg fetch other URLs or files through any protocol it knows (issue 13).
 * A local file needs `file`; a presigned URL needs its scheme and what carries it.
 */
export function inputProtocols(input: string): string {
  if (input.startsWith('https://')) return 'https,tls,tcp';
  if (input.startsWith('http://')) return 'http,tcp';
  if (/^[a-z][a-z0-9+.-]*:/i.test(input)) throw new Error(`ffmpeg reads local files or HTTP(S) URLs, not ${input}`);
  return 'file';
}

/** `-i input` preceded by its protocol whitelist and any input options (seeking, duration). */
export function inputArgs(input: string, options: readonly string[] = []): string[] {
  return ['-protocol_whitelist', inputProtocols(input), ...options, '-i', input];
}

/**
 * How far past its probed length a whole-source read may go: streams of one file end a little apart (an audio
 * frame, a last video frame), and the probe reports the longest, so a small margin loses nothing of a true file.
 */
export const SOURCE_MARGIN = { seconds: 1, share: 0.01 } as const;

/** The seconds of a source an encode reads: its probed length plus the margin. */
export function sourceBoundSeconds(probedSeconds: number): number {
  return probedSeconds + Math.max(SOURCE_MARGIN.seconds, probedSeconds * SOURCE_MARGIN.share);
}

/**
 * `-i input` read for at most the probed length plus the margin: a header can claim 5 seconds over hours of media
 * (the probe falls back to the container's duration), and without the bound ffmpeg would decode all of it. With a
 * `window` (a clip, test mode: options/clip.ts) the read starts at its start and lasts exactly `probedSeconds`.
 */
export function wholeSourceInputArgs(input: string, probedSeconds: number, window?: LadderPlan['window']): string[] {
  if (window) return inputArgs(input, ['-ss', String(window.startSeconds), '-t', String(probedSeconds)]);
  return inputArgs(input, ['-t', String(sourceBoundSeconds(probedSeconds))]);
}

/**
 * What the ladder's decode also feeds besides the rungs, so the source is decoded once for everything: stills and
 * the storyboard (domain/thumbnails.ts), and the preview frames animated images are drawn from, whose frame list
 * (one line per frame, counted afterwards) goes outside the published folder.
 */
export interface SideOutputs {
  images?: ImagePlan;
  previews?: { plan: PreviewManifest; frameList: string };
}

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
    ...['-filter_complex', filterGraph(video, side)],
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
 * Seconds a chunk decodes past its end for its images: a preview frame or still at the chunk's last moments may be
 * the next source frame, as in the single pass (each image branch stops at its own count).
 */
const CHUNK_LOOKAHEAD_SECONDS = 1;

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
    ...(side.images && { firstStill: side.images.firstStill }),
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

/**
 * A chunk's keyframe times on the asset's clock, from its start to its end: at each cut and every keyframe interval
 * between, as `videoArgs` forces them. ffmpeg compares a listed time with each frame's own time (its expression's
 * `t` counts from the first frame the encoder got instead, which in a chunk is not the asset's), and rounds it to the
 * nearest frame: each time is put just short of half a frame past the cut, so the keyframe is the first frame at or
 * after it, the one the single pass's expression picks.
 */
export function chunkKeyframes(cuts: SegmentCuts, fps: number, startSeconds: number, endSeconds: number): string {
  const every = keyframeInterval(cuts);
  const times: number[] = [];
  if (divides(every, cuts.firstCutSeconds)) {
    for (let k = 0; startSeconds + k * every < endSeconds - 1e-6; k++) times.push(startSeconds + k * every);
  } else {
    times.push(startSeconds);
    for (let at = startSeconds + cuts.firstCutSeconds; at < endSeconds - 1e-6; at += cuts.segmentSeconds)
      times.push(at);
  }
  return times.map((t) => decimalSeconds(t + 0.499 / fps)).join(',');
}

/** A chunk's filter graph: the rungs and its share of the images, on the asset's clock (`filterGraph`). */
function chunkFilterGraph(video: VideoPlan, position: ChunkPosition, { images, previews }: ChunkSideOutputs): string {
  return filterGraph(video, { ...(images && { images: images.plan }), ...(previews && { previews }) }, position);
}

function chunkSideOutputArgs(outDir: string, { images, previews }: ChunkSideOutputs): string[] {
  return [
    ...(images
      ? [
          ...['-map', '[stills]', '-fps_mode', 'passthrough', '-q:v', '3'],
          ...['-frames:v', String(images.stills), '-start_number', String(images.firstStill)],
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
 * a few frames before the chunk, to a few frames past its end, into `output`.
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
  const seek = start > 0 ? ['-ss', decimalSeconds(start)] : [];
  const read = inputArgs(input, [...seek, '-t', decimalSeconds(Math.max(0, seconds))]);
  return [...QUIET, ...read, '-vn', '-map', '0:a:0', ...audioArgs(plan.audio), '-f', 'nut', output];
}

/** Keeps the chunk's own packets of its audio encode by stream copy, timed from the chunk's start. */
export function chunkAudioCutArgs(encoded: string, window: ChunkAudioWindow, output: string): string[] {
  const end = window.keepToSeconds === undefined ? [] : ['-to', decimalSeconds(window.keepToSeconds)];
  return [
    ...[...QUIET, ...inputArgs(encoded), '-ss', decimalSeconds(window.keepFromSeconds), ...end],
    ...['-output_ts_offset', decimalSeconds(window.shiftSeconds), '-c', 'copy', '-f', 'nut', output],
  ];
}

/**
 * Seconds as ffmpeg parses them: plain decimals to the microsecond (its time base), never exponent notation
 * (`String(-4.4e-16)` is "-4.440892098500626e-16", which ffmpeg refuses).
 */
export function decimalSeconds(seconds: number): string {
  const fixed = seconds.toFixed(6);
  return Number(fixed) === 0 ? '0' : fixed;
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

/** Preview sheets numbered from 0 into `dir`, and the frame list that counts the frames cut. */
export function previewOutputArgs(dir: string, frameList: string): string[] {
  return [
    ...['-map', '[sheets]', '-q:v', '5', '-start_number', '0', join(dir, '%05d.jpg')],
    ...['-map', '[count]', '-f', 'framecrc', frameList],
  ];
}

/**
 * The preview frames' branch of a filter graph, from the pad `from`: `fps` frames a second (a chunk's: from its start,
 * at most its share), scaled, tiled.
 */
export function previewFilter(
  from: string,
  plan: PreviewManifest,
  chunk?: Pick<ChunkPosition, 'startSeconds' | 'frames'>,
): string {
  // From the asset's start, preview frame 0 is at 0 s even where the first frame is nearer the second time, so frame
  // k is at k / fps in the single pass and in every chunk (a later chunk starts at a keyframe before its own start).
  const fromZero = !chunk || chunk.startSeconds === 0 ? ':start_time=0' : '';
  const start = chunk ? `trim=start=${decimalSeconds(chunk.startSeconds)},` : '';
  const cap = chunk?.frames === undefined ? '' : `trim=end_frame=${chunk.frames},`;
  return (
    `${from}fps=${plan.fps}${fromZero},${start}${cap}scale=${plan.width}:${plan.height},setsar=1,format=yuvj420p,split=2[frames][count];` +
    `[frames]tile=${plan.columns}x${plan.rows}[sheets]`
  );
}

/**
 * Where a chunk's decode sits in the source (chunkFfmpegArgs): its frames keep the file's timestamps, which read
 * `originSeconds` at the asset's start; it owns the frames from `startSeconds` to `endSeconds`,
 * the stills from `firstStill` and at most `frames` preview frames; its storyboard is assembled from every chunk's
 * stills by the task that finishes the asset.
 */
interface ChunkPosition {
  originSeconds: number;
  startSeconds: number;
  endSeconds: number;
  firstStill?: number;
  frames?: number;
}

/**
 * Decode once, convert to 8-bit 4:2:0 (what High profile and every player expect, even from 10-bit phone video),
 * resample the frame rate if the plan says so, then split into one scaler per rung and one branch per side output.
 * ffmpeg's decoder-side autorotation has already turned the frames upright, so rung sizes are display sizes.
 */
export function filterGraph(
  { fps, resampleFrameRate, rungs, overlays }: VideoPlan,
  side: SideOutputs = {},
  chunk?: ChunkPosition,
): string {
  const { images, previews } = side;
  const rate = resampleFrameRate ? [`fps=${rationalRate(fps)}`] : [];
  const common = [...(chunk ? onAssetClock(chunk, rate) : rate), 'format=yuv420p'];
  // Watermarks are burned in before the split (options/watermark.ts), so every rung and image shows them.
  const head = burnOverlays(`[0:v:0]${common.join(',')}`, overlays);
  const rungPads = rungs.map((_, i) => `[r${i}]`).join('');
  const branches = rungs.map((r, i) => `[r${i}]scale=${r.width}:${r.height},setsar=1[v${i}]`);
  // A chunk's images keep the frames from its start, each branch to its own count (chunkSideOutputArgs).
  const from = chunk ? `trim=start=${decimalSeconds(chunk.startSeconds)},` : '';
  const sidePads: string[] = [];
  if (images) {
    const { intervalSeconds: i, still, tile, columns, rows } = images;
    // The first frame at or after each multiple of the interval (the fps filter would take the last one before
    // the next), so still k shows the moment k × interval; a chunk's frames are on the asset's clock too.
    const newMoment = `isnan(prev_selected_t)+gt(floor(t/${i}),floor(prev_selected_t/${i}))`;
    const mine = chunk ? `gte(t,${(chunk.firstStill ?? 0) * i})*(${newMoment})` : newMoment;
    const scaled = `[images]${from}select='${mine}',scale=${still.width}:${still.height},setsar=1`;
    sidePads.push('[images]');
    if (chunk) branches.push(`${scaled}[stills]`);
    else
      branches.push(
        `${scaled},split=2[stills][tiles]`,
        `[tiles]scale=${tile.width}:${tile.height},tile=${columns}x${rows}[storyboard]`,
      );
  }
  if (previews) {
    sidePads.push('[previews]');
    // A chunk's preview frames are resampled before its start is trimmed: the first may show the frame before it.
    branches.push(previewFilter('[previews]', previews.plan, chunk));
  }
  if (!chunk)
    return [`${head},split=${rungs.length + sidePads.length}${rungPads}${sidePads.join('')}`, ...branches].join(';');
  return [
    `${head},split=${1 + sidePads.length}[rungs]${sidePads.join('')}`,
    `[rungs]${chunkRungFrames(chunk)},split=${rungs.length}${rungPads}`,
    ...branches,
  ].join(';');
}

/**
 * A chunk's frames on the asset's clock: the file's timestamps less the origin (the same in every chunk, rounded to
 * the nearest tick: truncating could put a frame on a chunk's start a tick before it), none before the asset's start
 * (a clip's: the seek hands over frames from the keyframe before it, which the single pass's exact seek drops),
 * resampled as the plan says, and none later than a second past the chunk's end (`CHUNK_LOOKAHEAD_SECONDS`), which
 * ends the read. In microseconds from the resample on: a trim converts its times to the frames' time base, rounded,
 * and in the rate's own (1001/30000 s) 26 s is frame 779.22, rounded to 779, which a trim would then drop as the end.
 */
function onAssetClock(chunk: ChunkPosition, rate: readonly string[]): string[] {
  const origin = chunk.originSeconds ? [`setpts=round(PTS-(${decimalSeconds(chunk.originSeconds)})/TB)`] : [];
  const end = decimalSeconds(chunk.endSeconds + CHUNK_LOOKAHEAD_SECONDS);
  return [...origin, 'trim=start=0', ...rate, 'settb=AVTB', `trim=end=${end}`];
}

/**
 * The frames a chunk's rungs encode: those at or after its start and before its end, each at its nearest time on the
 * grid of the rate the encoder runs at (`source_fps`: the stream's, or the resample's), as the single pass's encoder
 * writes a file whose frames sit between grid times (its start off the grid); on the grid first, the trim keeps the
 * frames the encoder writes there. From the asset's start the grid's first time has a frame, as in the single pass
 * (whose encoder repeats the first frame there when it is nearer the second time). A frame more than half a frame
 * late is dropped for the next one and the one before it shown twice, where the single pass's encoder would show it
 * and shift the frames after it (README, Transcoding). The images, like the single pass's, see the frames at their
 * own times.
 */
function chunkRungFrames(chunk: ChunkPosition): string {
  const fromZero = chunk.startSeconds === 0 ? ':start_time=0' : '';
  const keep = `trim=start=${decimalSeconds(chunk.startSeconds)}:end=${decimalSeconds(chunk.endSeconds)}`;
  return `fps=source_fps${fromZero},settb=AVTB,${keep}`;
}

/** A frame rate as ffmpeg reads it exactly: NTSC rates as n/1001 ("30000/1001"), others as they are. */
function rationalRate(fps: number): string {
  const ntsc = Math.round(fps * 1.001);
  return Math.abs(fps - ntsc / 1.001) < 1e-6 && Math.abs(fps - ntsc) > 1e-6 ? `${ntsc * 1000}/1001` : String(fps);
}

/**
 * Where an encode's segments are cut, from its first frame: `firstCutSeconds` in, then every `segmentSeconds`
 * (domain/ladder.ts `segmentAt`); and a keyframe every `keyframeSeconds` within a segment.
 */
export interface SegmentCuts {
  firstCutSeconds: number;
  segmentSeconds: number;
  keyframeSeconds: number;
}

/** The cuts of an encode of `plan` that starts at `startSeconds` (a segment start). */
export function segmentCuts(plan: LadderPlan, startSeconds: number): SegmentCuts {
  const { firstCutSeconds } = segmentAt(plan, startSeconds);
  return { firstCutSeconds, segmentSeconds: plan.segmentSeconds, keyframeSeconds: plan.keyframeSeconds };
}

/** Seconds between keyframes: the plan's interval, at most a segment. */
const keyframeInterval = (cuts: SegmentCuts) => Math.min(cuts.keyframeSeconds, cuts.segmentSeconds);

/**
 * ffmpeg's `-hls_time` for pieces cut at every keyframe (segment-join.ts joins them into segments). Its HLS muxer
 * cuts at the first keyframe at least n × `-hls_time` past the output's first packet, so it cannot cut a short first
 * segment and longer ones after it while keyframes fall between the cuts; at every keyframe it can. With video, half
 * the keyframe interval: the first packet can come a frame after the encoder's zero, where keyframes are forced, and
 * a keyframe just past a cut would otherwise seem to come too soon and be skipped. Audio alone is cut by time, at
 * exactly the interval.
 */
export const pieceSeconds = (cuts: SegmentCuts, video: boolean) =>
  Math.min(cuts.keyframeSeconds, cuts.firstCutSeconds) / (video ? 2 : 1);

/**
 * One rung's H.264 encoder: constrained bit rate at the rung's target (`basic`), or constant quality at the rung's
 * fitted CRF (`plus`, `premium`), both capped by its VBV; a keyframe at each cut and every `keyframeSeconds` between
 * (one per segment when that is the segment's length), at the same times in every rung, scene cuts off.
 */
export function videoArgs(
  rung: VideoRung,
  video: Pick<VideoPlan, 'fps' | 'preset'>,
  cuts: SegmentCuts,
  chunk?: Pick<ChunkPosition, 'startSeconds' | 'endSeconds'>,
): string[] {
  const every = keyframeInterval(cuts);
  const gop = String(Math.round(video.fps * every));
  // Keyframes a whole number of intervals from the start land on every cut when the interval divides the first cut;
  // otherwise (one keyframe per segment, a short first segment) n_forced counts the first frame, the first cut, then
  // one a segment apart. x264's own interval is the same, so after each forced keyframe it falls on the next. A
  // chunk lists its times instead (`chunkKeyframes`).
  const cut = divides(every, cuts.firstCutSeconds)
    ? `n_forced*${every}`
    : `max(0,${cuts.firstCutSeconds}+(n_forced-1)*${cuts.segmentSeconds})`;
  const forced = chunk ? chunkKeyframes(cuts, video.fps, chunk.startSeconds, chunk.endSeconds) : `expr:gte(t,${cut})`;
  const rate = rung.crf === undefined ? ['-b:v', `${rung.videoKbps}k`] : ['-crf:v', String(rung.crf)];
  return [
    ...['-c:v', 'libx264', '-preset', video.preset ?? 'veryfast'],
    ...['-profile:v', rung.profile, '-level:v', String(rung.level)],
    ...rate,
    ...['-maxrate:v', `${rung.maxrateKbps}k`, '-bufsize:v', `${rung.bufsizeKbps}k`],
    ...['-g:v', gop, '-keyint_min:v', gop, '-sc_threshold:v', '0'],
    ...['-force_key_frames:v', forced],
    // ffmpeg 5 calls every encoder from one thread; x264's own threads are what use the cores.
    ...['-threads:v', String(availableParallelism())],
  ];
}

export function audioArgs(audio: AudioPlan): string[] {
  return [
    ...(audio.filter ? ['-filter:a', audio.filter] : []),
    ...['-c:a', audio.codec, '-b:a', `${audio.kbps}k`],
    ...['-ac', String(audio.channels), '-ar', String(audio.sampleRate)],
  ];
}

/**
 * An HLS output cut into pieces (`pieceSeconds`): `pieces.m3u8` and `piece_00000.<ext>`…, which segment-join.ts
 * joins into the plan's segments.
 */
export function hlsOutputArgs(pieceSeconds: number, dir: string, segmentType: SegmentType): string[] {
  return [
    ...['-f', 'hls', '-hls_time', String(pieceSeconds), '-start_number', '0'],
    // EVENT: ffmpeg rewrites the playlist as each segment ends, so it can be published while encoding (fast
    // start); the encoder marks it VOD once ffmpeg is done.
    ...['-hls_playlist_type', 'event', '-hls_flags', 'independent_segments'],
    ...['-hls_segment_type', segmentType === 'fmp4' ? 'fmp4' : 'mpegts'],
    // The fMP4 init segment goes next to the segments.
    ...['-hls_segment_filename', join(dir, `${PIECE_PREFIX}%05d.${SEGMENT_EXTENSION[segmentType]}`)],
    join(dir, PIECES_PLAYLIST),
  ];
}
