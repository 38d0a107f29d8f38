/**
 * A file read while it is still being written: a single pass of a transport stream reads its source as it downloads
 * (ffmpeg's standard input fed from the growing file), so its first segments exist seconds after the upload whatever
 * its length, where waiting for the whole download made the first segment wait for the last byte.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** How much is read from the file at a time, and how long to wait at its current end for more. */
const READ_BYTES = 1024 * 1024;
const POLL_MS = 50;

/**
 * Writes `file` into `out` from its first byte, following what is appended, and ends `out` once `written` has
 * resolved and everything before it is written. Resolves early, quietly, when `out` stops taking data (ffmpeg read
 * all it wanted and exited); rejects with `written`'s error when the writing of the file failed, without ending
 * `out`. The file must exist when called.
 */
export async function followFile(file: string, written: Promise<unknown>, out: Writable, pollMs = POLL_MS) {
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
    for (;;) {
      if (failure) throw failure.error;
      const complete = finished; // read before the read, so nothing written before completion is missed
      const buffer = Buffer.allocUnsafe(READ_BYTES); // a new one each time: `out` may hold the last until it drains
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
      if (bytesRead > 0) {
        position += bytesRead;
        if (!(await write(out, buffer.subarray(0, bytesRead)))) return;
      } else if (complete) {
        out.end();
        return;
      } else {
        await sleep(pollMs);
      }
    }
  } finally {
    await handle.close();
  }
}

/** Writes one piece, waiting for `out` to drain; false once `out` no longer takes data. */
async function write(out: Writable, piece: Buffer): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(piece)) return true;
  const drained = once(out, 'drain').then(() => true);
  const closed = once(out, 'close').then(() => false);
  return Promise.race([drained, closed]).catch(() => false);
}
