/**
 * A file read while it is still being written: a single pass of a transport stream reads its source as it downloads
 * (ffmpeg's standard input fed from the growing file), so its first segments exist seconds after the upload whatever
 * its length, where waiting for the whole download made the first segment wait for the last byte.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** How much is read from the file at a time. */
const READ_BYTES = 1024 * 1024;

export interface FollowOptions {
  /** Aborted when the reader is gone (ffmpeg exited: it read all it wanted, failed, or was stopped). */
  stop?: AbortSignal;
  /** How long to wait at the file's current end before looking again. @default 50 ms */
  pollMs?: number;
  /**
   * How long the file may stop growing before the writing is taken to have stalled (a download whose connection
   * hangs): ffmpeg would wait on its input until its watchdog, and blame the file. @default 60 s
   */
  stallMs?: number;
}

/** The writing of the followed file stopped without finishing or failing. */
export class StalledError extends Error {}

/**
 * Writes `file` into `out` from its first byte, following what is appended, and ends `out` once `written` has
 * resolved and everything before it is written. Resolves early, quietly, when `out` stops taking data or `stop` is
 * aborted, however much is still to be written. Rejects, without ending `out`, with `written`'s error when the
 * writing failed, or a StalledError when the file has not grown for `stallMs`. The file must exist when called.
 */
export async function followFile(file: string, written: Promise<unknown>, out: Writable, options: FollowOptions = {}) {
  const { stop, pollMs = 50, stallMs = 60_000 } = options;
  let finished = false;
  let failure: { error: unknown } | undefined;
  written.then(
    () => {
      finished = true;
    },
    (error: unknown) => {
      failure = { error };
    },
  );
  out.on('error', () => {}); // EPIPE once ffmpeg has exited: seen as `out` closing below
  const handle = await open(file, 'r');
  try {
    let position = 0;
    let grew = Date.now();
    for (;;) {
      if (failure) throw failure.error;
      if (stop?.aborted || out.destroyed) return;
      const complete = finished; // read before the read, so nothing written before completion is missed
      const buffer = Buffer.allocUnsafe(READ_BYTES); // a new one each time: `out` may hold the last until it drains
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
      if (bytesRead > 0) {
        position += bytesRead;
        grew = Date.now();
        if (!(await write(out, buffer.subarray(0, bytesRead), stop))) return;
      } else if (complete) {
        out.end();
        return;
      } else if (Date.now() - grew > stallMs) {
        throw new StalledError(`The source stopped arriving: nothing new for ${Math.round(stallMs / 1000)} s`);
      } else {
        await sleep(pollMs, undefined, { signal: stop }).catch(() => {}); // an abort ends the wait: checked above
      }
    }
  } finally {
    await handle.close();
  }
}

/** Writes one piece, waiting for `out` to drain; false once `out` no longer takes data or `stop` is aborted. */
async function write(out: Writable, piece: Buffer, stop?: AbortSignal): Promise<boolean> {
  if (out.destroyed || out.writableEnded || stop?.aborted) return false;
  if (out.write(piece)) return true;
  // This wait's listeners are removed when it ends: the one that lost the race stayed on `out` and `stop` until they
  // went, a set per megabyte written (Node warned of a leak at the eleventh, in every chunk 0 a worker ran).
  const waited = new AbortController();
  const onStop = () => waited.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  try {
    return await Promise.race([
      once(out, 'drain', { signal: waited.signal }).then(
        () => true,
        () => false,
      ),
      once(out, 'close', { signal: waited.signal }).then(
        () => false,
        () => false,
      ),
    ]);
  } finally {
    stop?.removeEventListener('abort', onStop);
    waited.abort();
  }
}
