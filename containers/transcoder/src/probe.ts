/** ffprobe, reduced to what ladder planning needs: duration, display size and frame rate, audio channels. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidInputError } from '../../../lambdas/core/domain/errors.js';
import type { SourceProbe } from '../../../lambdas/core/domain/ladder.js';

const exec = promisify(execFile);

/** The parts of `ffprobe -show_format -show_streams -print_format json` that are read. */
interface FfprobeOutput {
  format?: { duration?: string };
  streams?: FfprobeStream[];
}

interface FfprobeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  channels?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

/** Probes a local file. Throws InvalidInputError when it is not readable video or audio. */
export async function probe(file: string): Promise<SourceProbe> {
  return toSourceProbe(await ffprobe(file));
}

async function ffprobe(file: string): Promise<FfprobeOutput> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file];
  try {
    const { stdout } = await exec('ffprobe', args, { maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as FfprobeOutput;
  } catch (error) {
    const reason = ffprobeReason(error, file);
    throw new InvalidInputError(`The file could not be read as video or audio: ${reason}`);
  }
}

/** ffprobe's own last message, without the file name it starts with ("<file>: Invalid data found …"). */
function ffprobeReason(error: unknown, file: string): string {
  const stderr = (error as { stderr?: string }).stderr ?? '';
  const last = stderr.trim().split('\n').at(-1)?.trim() ?? '';
  const message = last.startsWith(`${file}: `) ? last.slice(file.length + 2) : last;
  return message || 'ffprobe failed';
}

function toSourceProbe(output: FfprobeOutput): SourceProbe {
  const streams = output.streams ?? [];
  // Cover art in audio files is a one-frame "video" stream marked as an attached picture.
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw new InvalidInputError('The file contains no video or audio stream');
  const durationSeconds = duration(output, [video, audio]);
  if (!(durationSeconds > 0)) throw new InvalidInputError('The file has no duration');
  return {
    durationSeconds,
    ...(video && {
      video: {
        ...displaySize(video),
        fps: frameRate(video),
        ...(isVariableRate(video) && { variableFrameRate: true }),
      },
    }),
    ...(audio && { audio: { channels: audio.channels ?? 2 } }),
  };
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
