/**
 * Runs ffmpeg as a child process: progress from `-progress pipe:1`, the tail of stderr in the error, and a watchdog
 * that kills it past a deadline derived from the media it was given.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { InvalidInputError } from '../../../../lambdas/core/domain/errors.js';
import { TRANSCODE_DEADLINE_SECONDS } from '../../../../lambdas/core/usecases/sweep.js';
import { spawnTool } from './tools.js';

/** Lines of ffmpeg's stderr kept for the error message. */
const STDERR_TAIL_LINES = 20;

/**
 * How long an ffmpeg may run: a generous multiple of the media's probed length (the premium ladder at 4K on a
 * shared task is several times slower than real time), never less than the floor (process start, a short clip on
 * a busy machine), never more than the sweeper's deadline (past it the asset is errored anyway, and nothing stops
 * the task). Past it, the file holds far more than it claims, or costs far more to decode than any honest file of
 * its length.
 */
export const WATCHDOG = { realTimeMultiple: 20, floorSeconds: 15 * 60 } as const;

/** The watchdog of one ffmpeg run: the probed seconds of media it reads, and how long it may take for them. */
export interface FfmpegLimits {
  mediaSeconds: number;
  deadlineSeconds: number;
}

/** The limits of an ffmpeg that reads `mediaSeconds` of the probed source. */
export function ffmpegLimits(mediaSeconds: number): FfmpegLimits {
  const deadlineSeconds = Math.min(
    TRANSCODE_DEADLINE_SECONDS,
    Math.max(WATCHDOG.floorSeconds, mediaSeconds * WATCHDOG.realTimeMultiple),
  );
  return { mediaSeconds, deadlineSeconds };
}

/**
 * Writes ffmpeg's standard input (its input `pipe:0`): resolves once it has written all it had, or once ffmpeg stopped
 * reading or `exited` is aborted (ffmpeg ended, whatever is still to come); rejects when what it feeds from failed
 * (the source's download).
 */
export type StdinFeed = (stdin: Writable, exited: AbortSignal) => Promise<void>;

/**
 * Runs ffmpeg, reporting `-progress` output; rejects with the tail of its stderr when it fails. With `feed`, its
 * standard input is written by it, and a feed that fails fails the run even where ffmpeg ended well (it saw the end
 * of a source cut short).
 */
export function runFfmpeg(
  args: string[],
  limits: FfmpegLimits,
  onProgress?: (seconds: number) => void,
  feed?: StdinFeed,
): Promise<void> {
  return supervised(args, limits, feed, (ffmpeg) => {
    createInterface({ input: ffmpeg.stdout }).on('line', (line) => {
      const seconds = progressSeconds(line);
      if (seconds !== undefined) onProgress?.(seconds);
    });
    const stderr: string[] = [];
    createInterface({ input: ffmpeg.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
    });
    return () => stderr.join('\n');
  }).then(() => undefined);
}

/** Runs ffmpeg to the end for what it prints on stderr (an analysis filter's report); rejects when it fails. */
export function runFfmpegCapturing(args: string[], limits: FfmpegLimits): Promise<string> {
  return supervised(args, limits, undefined, (ffmpeg) => {
    let stderr = '';
    ffmpeg.stderr.on('data', (d) => {
      stderr += d;
    });
    return () => stderr;
  });
}

type Child = ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream; stdin: Writable | null };

/**
 * Spawns ffmpeg with the watchdog armed; `listen` attaches to its output and returns what it printed. Resolves to
 * that output on exit 0. A run killed by the watchdog rejects with an InvalidInputError naming the deadline, so the
 * asset is errored with it rather than retried into the same wall.
 */
function supervised(
  args: string[],
  limits: FfmpegLimits,
  feed: StdinFeed | undefined,
  listen: (ffmpeg: Child) => () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawnTool('ffmpeg', args, [feed ? 'pipe' : 'ignore', 'pipe', 'pipe']) as Child;
    const printed = listen(ffmpeg);
    let overran = false;
    const watchdog = setTimeout(() => {
      overran = true;
      ffmpeg.kill('SIGKILL');
    }, limits.deadlineSeconds * 1000);
    // A feed that fails stops ffmpeg at once: what it encoded so far is of a source cut short. One that is waiting
    // for more of its source is stopped when ffmpeg ends (the watchdog's kill included), so nothing waits on it.
    const exited = new AbortController();
    let fed: Promise<{ failed?: unknown }> = Promise.resolve({});
    if (feed && ffmpeg.stdin) {
      fed = feed(ffmpeg.stdin, exited.signal).then(
        () => ({}),
        (failed: unknown) => {
          ffmpeg.kill('SIGKILL');
          return { failed };
        },
      );
    }
    ffmpeg.on('error', (error) => {
      clearTimeout(watchdog);
      exited.abort();
      reject(error);
    });
    ffmpeg.on('close', (code, signal) => {
      clearTimeout(watchdog);
      exited.abort();
      void fed.then(({ failed }) => {
        if (overran) reject(new InvalidInputError(overrunReason(limits)));
        else if (failed) reject(failed);
        else if (code === 0) resolve(printed());
        else reject(new Error(`ffmpeg failed (${signal ?? `exit code ${code}`}): ${printed().slice(-4000)}`));
      });
    });
  });
}

function overrunReason({ mediaSeconds, deadlineSeconds }: FfmpegLimits): string {
  return (
    `Encoding was stopped after ${deadlineSeconds} seconds, the deadline for ${mediaSeconds} seconds of media: ` +
    'the file holds more than its probed duration or is too costly to decode'
  );
}

/** Seconds of output from a `-progress` line (`out_time_us=4032000`); undefined for other lines and "N/A". */
function progressSeconds(line: string): number | undefined {
  const match = /^out_time_us=(\d+)$/.exec(line);
  return match ? Number(match[1]) / 1e6 : undefined;
}
