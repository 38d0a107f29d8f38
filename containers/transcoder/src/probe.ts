/**
 * ffprobe, reduced to what ladder planning needs (duration, display size and frame rate, audio channels), then a
 * short decode of the streams it found: a header alone does not make a file media.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { keyframeLookupShape } from '../../../lambdas/core/domain/chunks.js';
import { InvalidInputError } from '../../../lambdas/core/domain/errors.js';
import type { InputFile, InputTrack, SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import { inputArgs, inputProtocols, MEDIA_FORMATS, refusedFormat, withoutLocations } from './ffmpeg/args.js';
import { makeWorkDir, runTool } from './ffmpeg/tools.js';

/** The parts of `ffprobe -show_format -show_streams -print_format json` that are read. */
interface FfprobeOutput {
  format?: { duration?: string; format_name?: string; start_time?: string };
  streams?: FfprobeStream[];
}

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  channels?: number;
  sample_rate?: string;
  bits_per_sample?: number;
  bits_per_raw_sample?: string;
  start_time?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

export interface ProbeOptions {
  /**
   * Given, the decode check is started but not awaited: its promise (settled once the start of the streams has
   * decoded, rejected with the InvalidInputError that refuses the file) is handed here, so the first job can start
   * encoding chunk 0 while it runs (strategies/chunk-fan-out.ts); the caller must await it before anything is
   * published or recorded.
   */
  deferDecodeCheck?: (check: Promise<void>) => void;
}

/** Probes a file or URL. Throws InvalidInputError when it is not readable video or audio. */
export async function probe(file: string, options: ProbeOptions = {}): Promise<SourceProbe> {
  const output = await ffprobe(file);
  const source = toSourceProbe(output);
  const check = decodeCheck(file, usedStreams(output));
  if (!options.deferDecodeCheck) {
    await check;
    return source;
  }
  check.catch(() => {}); // handled by whoever awaits it; never an unhandled rejection if they fail first
  options.deferDecodeCheck(check);
  return source;
}

/**
 * A keyframe lookup that has not answered in this long tells nothing (the chunk plan stays as planned): it holds
 * back the plan's record, so a stalled range read must not hold it long (on S3 the lookup takes about a second).
 */
const KEYFRAME_LOOKUP_TIMEOUT_MS = 10_000;

/**
 * The video's last keyframe at or before each of `times` less `leadSeconds` (domain/chunks.ts `seekLeadSeconds`:
 * where ffmpeg's own seek to the time lands), times in seconds from the file's start (`originSeconds` on its clock:
 * its start time, plus a clip's start), keyed by the time asked: ffprobe seeks to each (`-read_intervals
 * t%+#1`, through the file's index, one ranged read each over a URL) and reports the first video packet it reads
 * there. A process whose answers do not all look right (a keyframe each, at or before its time, in order) tells
 * nothing, nor one that fails or is stopped by `signal`. Never throws: the chunk plan only leans on it (domain/chunks.ts
 * `alignToKeyframes`).
 */
export async function keyframesBefore(
  file: string,
  times: readonly number[],
  originSeconds: number,
  leadSeconds = 0,
  signal?: AbortSignal,
): Promise<Map<number, number>> {
  const groups: number[][] = [];
  const { timesEach } = keyframeLookupShape(times.length);
  for (let i = 0; i < times.length; i += timesEach) groups.push(times.slice(i, i + timesEach));
  const answers = await Promise.all(
    groups.map(async (group): Promise<[number, number][]> => {
      const intervals = group.map((t) => `${(originSeconds + t - leadSeconds).toFixed(6)}%+#1`).join(',');
      const args = ['-v', 'error', '-protocol_whitelist', inputProtocols(file), '-format_whitelist', MEDIA_FORMATS];
      args.push('-select_streams', 'V:0', '-read_intervals', intervals);
      args.push('-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file);
      const output = await runTool('ffprobe', args, {
        timeoutMs: KEYFRAME_LOOKUP_TIMEOUT_MS,
        ...(signal && { signal }),
      }).catch(() => undefined);
      const lines = output?.stdout.trim().split('\n') ?? [];
      if (lines.length !== group.length) return []; // a seek that read nothing: which answer is whose is unknown
      const keyframes = lines.map((line, i) => {
        const [pts, flags] = line.split(',');
        const keyframe = Number(pts) - originSeconds;
        const asked = (group[i] as number) - leadSeconds;
        const fits = flags?.startsWith('K') && Number.isFinite(keyframe) && keyframe <= asked + 1e-3;
        return fits ? keyframe : Number.NaN;
      });
      if (keyframes.some((k, i) => !(k >= (keyframes[i - 1] ?? -Infinity)))) return [];
      return keyframes.map((k, i) => [group[i] as number, k]);
    }),
  );
  return new Map(answers.flat());
}

async function ffprobe(file: string): Promise<FfprobeOutput> {
  const args = ['-v', 'error', '-protocol_whitelist', inputProtocols(file), '-format_whitelist', MEDIA_FORMATS];
  args.push('-print_format', 'json', '-show_format', '-show_streams', file);
  try {
    const { stdout } = await runTool('ffprobe', args, { maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as FfprobeOutput;
  } catch (error) {
    const reason = withoutLocations(ffprobeReason(error, file), file, 'the source');
    throw new InvalidInputError(`The file could not be read as video or audio: ${reason}`);
  }
}

/** ffprobe's own last message, without the file name it starts with ("<file>: Invalid data found …"). */
function ffprobeReason(error: unknown, file: string): string {
  const stderr = (error as { stderr?: string }).stderr ?? '';
  // A playlist or another format that reads further files.
  const refused = refusedFormat(stderr);
  if (refused) {
    return `its format (${refused}) is not accepted: upload the video or audio file itself, not a playlist, a list of other files or a stream description`;
  }
  const last = stderr.trim().split('\n').at(-1)?.trim() ?? '';
  const message = last.startsWith(`${file}: `) ? last.slice(file.length + 2) : last;
  return message || 'ffprobe failed';
}

/**
 * The video and audio streams an asset is made of. Cover art in audio files is a one-frame "video" stream marked
 * as an attached picture.
 */
function usedStreams(output: FfprobeOutput): { video?: FfprobeStream; audio?: FfprobeStream } {
  const streams = output.streams ?? [];
  return {
    video: streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1),
    audio: streams.find((s) => s.codec_type === 'audio'),
  };
}

function toSourceProbe(output: FfprobeOutput): SourceProbe {
  const { video, audio } = usedStreams(output);
  if (!video && !audio) throw new InvalidInputError('The file contains no video or audio stream');
  const durationSeconds = duration(output, [video, audio]);
  if (!(durationSeconds > 0)) throw new InvalidInputError('The file has no duration');
  const startSeconds = Number(output.format?.start_time);
  const variable = video !== undefined && isVariableRate(video);
  return {
    durationSeconds,
    ...(Number.isFinite(startSeconds) && startSeconds !== 0 && { startSeconds }),
    ...(video && {
      video: {
        ...displaySize(video),
        fps: variable ? frameRate(video) : planningRate(video),
        ...(variable && { variableFrameRate: true }),
      },
    }),
    ...(audio && {
      audio: {
        channels: audio.channels ?? 2,
        ...(Number(audio.sample_rate) > 0 && { sampleRate: Number(audio.sample_rate) }),
      },
    }),
    file: inputFile(output),
  };
}

/** The file as Mux's input info describes it: container format and every video and audio stream. */
function inputFile(output: FfprobeOutput): InputFile {
  const number = (value: string | number | undefined) => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const tracks = (output.streams ?? []).flatMap((s): InputTrack[] => {
    const common = { encoding: s.codec_name, duration: number(s.duration) };
    if (s.codec_type === 'video' && s.disposition?.attached_pic !== 1) {
      const fps = Math.round(frameRate(s) * 1000) / 1000;
      return [defined({ type: 'video', ...common, width: s.width, height: s.height, frame_rate: number(fps) })];
    }
    if (s.codec_type !== 'audio') return [];
    const sample_size = number(s.bits_per_raw_sample) ?? number(s.bits_per_sample);
    return [
      defined({ type: 'audio', ...common, channels: s.channels, sample_rate: number(s.sample_rate), sample_size }),
    ];
  });
  return { container_format: output.format?.format_name ?? 'unknown', tracks };
}

/** The object without its undefined fields (ffprobe leaves out what it does not know). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The longest stream's duration, else the container's: a header can claim any length, the streams hold the media. */
function duration(output: FfprobeOutput, streams: (FfprobeStream | undefined)[]): number {
  const longestStream = Math.max(0, ...streams.map((s) => Number(s?.duration) || 0));
  if (longestStream > 0) return longestStream;
  return Math.max(0, Number(output.format?.duration) || 0);
}

/** The size a player shows: coded size stretched by the pixel aspect ratio, then turned by the rotation. */
function displaySize(stream: FfprobeStream): { width: number; height: number } {
  const width = Math.round((stream.width ?? 0) * (ratio(stream.sample_aspect_ratio, ':') || 1));
  const height = stream.height ?? 0;
  return isQuarterTurn(rotation(stream)) ? { width: height, height: width } : { width, height };
}

function rotation(stream: FfprobeStream): number {
  const fromSideData = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  return fromSideData ?? Number(stream.tags?.rotate ?? 0);
}

const isQuarterTurn = (degrees: number) => Math.abs(degrees) % 180 === 90;

/** Frames per second, or 0 when the source does not say. */
function frameRate(stream: FfprobeStream): number {
  return ratio(stream.avg_frame_rate, '/') || ratio(stream.r_frame_rate, '/');
}

/**
 * The rate a ladder is planned at where frames are evenly spaced: the stream's base rate (`r_frame_rate`), which is
 * the rate ffmpeg encodes it at (a dropped frame shown twice), so the plan's keyframe interval, the playlist's
 * FRAME-RATE and a chunk's frame grid are those of the output. Where they are not, the average rate is planned (and
 * resampled to the nearest common rate: domain/ladder.ts).
 */
function planningRate(stream: FfprobeStream): number {
  return ratio(stream.r_frame_rate, '/') || frameRate(stream);
}

/**
 * The stream's base rate (`r_frame_rate`, the rate every timestamp fits) differs from its average rate by more
 * than 1% when frames are unevenly spaced.
 */
function isVariableRate(stream: FfprobeStream): boolean {
  const base = ratio(stream.r_frame_rate, '/');
  const average = ratio(stream.avg_frame_rate, '/');
  return base > 0 && average > 0 && Math.abs(base - average) / average > 0.01;
}

/** "30000/1001" → 29.97…; 0 for absent, malformed or "0/0". */
function ratio(value: string | undefined, separator: string): number {
  const [numerator, denominator] = (value ?? '').split(separator).map(Number);
  const result = (numerator ?? 0) / (denominator ?? 0);
  return Number.isFinite(result) ? result : 0;
}

/**
 * How much of the start is decoded: each stream must yield a frame within the first `windowSeconds` of its own
 * start (a cut MPEG-TS reaches its first keyframe well within that), and a stream's decode stops once it has given
 * `frames` (about a second).
 */
const DECODE_CHECK = { windowSeconds: 10, frames: { video: 25, audio: 50 } } as const;
/**
 * Above this share of failed decodes the file is refused. Damaged but playable files fail a few percent (decoders
 * conceal most damage without an error); a text file behind a valid magic number ("#!AMR") fails most of them.
 */
const MAX_DECODE_ERROR_RATE = 0.2;

interface UsedStream {
  kind: 'video' | 'audio';
  stream: FfprobeStream;
}

/**
 * Decodes the start of the streams the asset is made of and refuses the file when one yields nothing or much of
 * it is corrupt: ffprobe reads only headers, so a text file that begins with "#!AMR" probes as AMR audio. About
 * 0.15 s for a 1080p H.264 source (README, Faults and bad input).
 */
async function decodeCheck(file: string, { video, audio }: { video?: FfprobeStream; audio?: FfprobeStream }) {
  const used: UsedStream[] = [];
  if (video?.index !== undefined) used.push({ kind: 'video', stream: video });
  if (audio?.index !== undefined) used.push({ kind: 'audio', stream: audio });
  const dir = await makeWorkDir('gamma-decode-check-');
  // One output per stream (an output ends when any of its streams reaches its frame limit), each a "framecrc"
  // listing: one line per decoded frame.
  const listing = (n: number) => join(dir, `${n}.crc`);
  const args = [
    ...['-nostdin', '-v', 'error', '-max_error_rate', String(MAX_DECODE_ERROR_RATE)],
    ...inputArgs(file, ['-t', String(DECODE_CHECK.windowSeconds + startSpread(used.map((s) => s.stream)))]),
    ...used.flatMap(({ kind, stream }, n) => [
      ...['-map', `0:${stream.index}`, `-frames:${kind[0]}`, String(DECODE_CHECK.frames[kind])],
      ...['-f', 'framecrc', listing(n)],
    ]),
  ];
  try {
    await runTool('ffmpeg', args);
    for (const [n, s] of used.entries()) {
      const frames = (await readFile(listing(n), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
      if (frames.length > 0) continue;
      const nothing = s.kind === 'video' ? 'picture' : 'sound';
      throw new InvalidInputError(
        `The file could not be decoded: its ${describe(s)} stream gives no ${nothing} in its first ${DECODE_CHECK.windowSeconds} seconds`,
      );
    }
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(
      `The file could not be decoded: ${withoutLocations(decodeReason(error, used), file, 'the source')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seconds between the first stream's start and the last one's: a soundtrack may begin after the picture. */
function startSpread(streams: FfprobeStream[]): number {
  const starts = streams.map((s) => Number(s.start_time)).filter(Number.isFinite);
  return starts.length > 1 ? Math.ceil(Math.max(...starts) - Math.min(...starts)) : 0;
}

const describe = ({ kind, stream }: UsedStream) => (stream.codec_name ? `${kind} (${stream.codec_name})` : kind);

/** Why ffmpeg gave up: too many failed decodes (its exit status 69), or its own last message. */
function decodeReason(error: unknown, used: UsedStream[]): string {
  const { code, stderr = '' } = error as { code?: number; stderr?: string };
  const streams = used.map(describe).join(' and ');
  const lines = stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(/^\[[^\]]*\]\s*/, '').trim());
  const cause = lines.find((line) => line && !/^Error while decoding|^Conversion failed/.test(line));
  if (code === 69) {
    return `more than ${MAX_DECODE_ERROR_RATE * 100}% of the start of its ${streams} failed to decode${cause ? ` (${cause})` : ''}`;
  }
  return lines.filter(Boolean).at(-1) ?? 'ffmpeg failed';
}
