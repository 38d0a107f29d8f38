/** Runs ffmpeg as a child process: progress from `-progress pipe:1`, the tail of stderr in the error. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Lines of ffmpeg's stderr kept for the error message. */
const STDERR_TAIL_LINES = 20;

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

/** Runs ffmpeg to the end for what it prints (an analysis filter's report); rejects when it fails. */
export function runFfmpegCapturing(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr.on('data', (d) => {
      stderr += d;
    });
    ffmpeg.on('error', reject);
    ffmpeg.on('close', (code, signal) => {
      if (code === 0) resolve(stderr);
      else reject(new Error(`ffmpeg failed (${signal ?? `exit code ${code}`}): ${stderr.slice(-2000)}`));
    });
  });
}
