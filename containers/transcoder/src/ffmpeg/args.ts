/**
 * The parts of ffmpeg's command lines every encoder shares, built in one place: the quiet prefix every invocation
 * starts with, inputs read through only the protocols they need, and the video, audio, HLS and image output
 * arguments. The ladder's own command lines are in encode-args.ts, its filter graph in filter-graph.ts. Pure: no I/O.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  type AudioPlan,
  divides,
  type LadderPlan,
  segmentAt,
  type VideoPlan,
  type VideoRung,
} from '../../../../lambdas/core/domain/ladder.js';

export type SegmentType = 'fmp4' | 'ts';

/** The EXT-X-VERSION ffmpeg writes for each segment type; the master playlist declares the same. */
export const HLS_VERSION: Record<SegmentType, number> = { fmp4: 7, ts: 3 };
const SEGMENT_EXTENSION: Record<SegmentType, string> = { fmp4: 'm4s', ts: 'ts' };

/** ffmpeg's own playlist and pieces, beside the segments joined from them (segment-join.ts); never published. */
export const PIECES_PLAYLIST = 'pieces.m3u8';
const PIECE_PREFIX = 'piece_';

/** Every invocation: no banner, errors only, no progress on stderr, overwrite outputs. */
export const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostats', '-y'] as const;

/** ffmpeg's standard input as its input: a source fed to it as it downloads (follow-file.ts). */
export const STDIN_INPUT = 'pipe:0';

/**
 * The protocols ffmpeg may open for an input, and nothing else: a source is untrusted, and a playlist or concat
 * list inside it could otherwise make ffmpeg fetch other URLs or files through any protocol it knows (issue 13).
 * A local file needs `file`; a presigned URL needs its scheme and what carries it; standard input, `pipe`.
 */
export function inputProtocols(input: string): string {
  if (input === STDIN_INPUT) return 'pipe';
  if (input.startsWith('https://')) return 'https,tls,tcp';
  if (input.startsWith('http://')) return 'http,tcp';
  if (/^[a-z][a-z0-9+.-]*:/i.test(input)) throw new Error(`ffmpeg reads local files or HTTP(S) URLs, not ${input}`);
  return 'file';
}

/**
 * The demuxers ffmpeg and ffprobe may read an input with: video and audio containers and raw streams, the images a
 * watermark comes as, and the formats of Gamma's own intermediate files (NUT pieces, numbered stills). Left out are
 * those that open further files or URLs named inside the input — HLS and DASH playlists, concat lists, IMF packages,
 * SDP and RTSP sessions — and the capture devices: an upload that is a playlist of `file:///…` segments was
 * read off the worker's own disk into the uploader's asset, and one of `https://…` segments made the worker fetch
 * them; the protocol whitelist cannot tell a playlist's own read from its segments'. Such a file is refused at the
 * probe (`FORMAT_REFUSED`).
 */
export const MEDIA_FORMATS = [
  ...['mov', 'matroska', 'avi', 'flv', 'live_flv', 'mpegts', 'mpegtsraw', 'mpeg', 'mpegvideo', 'm4v', 'asf', 'wtv'],
  ...['mxf', 'gxf', 'lxf', 'dv', 'nut', 'nuv', 'rm', 'ogg', 'r3d', 'cine', 'bink', 'smk', 'thp', 'swf', 'ivf', 'obu'],
  ...['h264', 'hevc', 'h261', 'h263', 'vc1', 'dirac', 'dnxhd', 'av1', 'mjpeg', 'mjpeg_2000', 'yuv4mpegpipe'],
  ...['wav', 'w64', 'aiff', 'caf', 'mp3', 'aac', 'ac3', 'eac3', 'dts', 'dtshd', 'truehd', 'mlp', 'flac', 'wv'],
  ...['ape', 'tta', 'tak', 'amr', 'amrnb', 'amrwb', 'au', 'voc', 'gsm', 'g722', 'g723_1', 'g729', 'mpc', 'mpc8'],
  ...['oma', 'qcp', 'shn', 'dsf', 'loas', 'spdif', 's337m', 'xwma', 'wsaud'],
  ...['gif', 'gif_pipe', 'apng', 'png_pipe', 'jpeg_pipe', 'webp_pipe', 'bmp_pipe', 'tiff_pipe', 'image2'],
].join(',');

/** What ffmpeg and ffprobe say of an input whose format is not among `MEDIA_FORMATS`. */
export const FORMAT_REFUSED = 'Format not on whitelist';

/** The demuxer a media tool refused by `MEDIA_FORMATS` ("[hls @ 0x…] Format not on whitelist '…'"), if it did. */
export function refusedFormat(stderr: string): string | undefined {
  return new RegExp(`\\[(\\w+) @ [^\\]]*\\] ${FORMAT_REFUSED}`).exec(stderr)?.[1];
}

/**
 * A tool's words as an asset's or track's error may show them: `input` named `as`, and every URL left out (a
 * presigned one carries a signature and the job's session token; a playlist inside an upload can name others).
 */
export function withoutLocations(text: string, input: string, as: string): string {
  return text.replaceAll(input, as).replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, '<URL>');
}

/** `-i input` preceded by its protocol and format whitelists and any input options (seeking, duration). */
export function inputArgs(input: string, options: readonly string[] = []): string[] {
  return ['-protocol_whitelist', inputProtocols(input), '-format_whitelist', MEDIA_FORMATS, ...options, '-i', input];
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

/**
 * Seconds as ffmpeg parses them: plain decimals to the microsecond (its time base), never exponent notation
 * (`String(-4.4e-16)` is "-4.440892098500626e-16", which ffmpeg refuses).
 */
export function decimalSeconds(seconds: number): string {
  const fixed = seconds.toFixed(6);
  return Number(fixed) === 0 ? '0' : fixed;
}

/** Preview sheets numbered from 0 into `dir`, and the frame list that counts the frames cut. */
export function previewOutputArgs(dir: string, frameList: string): string[] {
  return [
    ...['-map', '[sheets]', '-q:v', '5', '-start_number', '0', join(dir, '%05d.jpg')],
    ...['-map', '[count]', '-f', 'framecrc', frameList],
  ];
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
  chunk?: { startSeconds: number; endSeconds: number },
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
