/**
 * The limits one input-URL transfer runs under, enforced on the bytes as they pass: a size cap (MAX_UPLOAD_BYTES),
 * a total deadline, and a minimum throughput over each window, so neither a huge file nor a server that trickles a
 * byte now and then can hold a fetch function (or fill the ingest bucket) for long. Each refusal is an
 * InvalidInputError naming the limit: the asset errors with that reason and the fetch is not retried.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidInputError } from '../domain/errors.js';

export interface TransferLimits {
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** How long the whole transfer may take, from the request on. @default 14 minutes (the fetch function has 15) */
  deadlineMs?: number;
  /** The least a window must bring, in bytes a second. @default 32 KiB/s */
  minBytesPerSecond?: number;
  /** The window the throughput is measured over. @default 60 s */
  windowMs?: number;
}

export const DEFAULT_DEADLINE_MS = 14 * 60_000;
export const DEFAULT_MIN_BYTES_PER_SECOND = 32 * 1024;
export const DEFAULT_WINDOW_MS = 60_000;

/** A pass-through that fails (destroys itself with the reason) as soon as a limit is broken. */
export class TransferGuard extends Transform {
  bytes = 0;
  /** Why the transfer was stopped, once it was. */
  failure?: InvalidInputError;
  private windowBytes = 0;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly limits: TransferLimits) {
    super();
    const deadline = limits.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const window = limits.windowMs ?? DEFAULT_WINDOW_MS;
    const minPerWindow = ((limits.minBytesPerSecond ?? DEFAULT_MIN_BYTES_PER_SECOND) * window) / 1000;
    this.timers.push(
      setTimeout(() => this.fail(`The input URL did not deliver the file within ${deadline / 1000} s`), deadline),
      setInterval(() => {
        if (this.windowBytes < minPerWindow) {
          this.fail(
            `The input URL sent ${this.windowBytes} bytes in ${window / 1000} s, under the minimum of ${Math.round(minPerWindow)}`,
          );
        }
        this.windowBytes = 0;
      }, window),
    );
    for (const timer of this.timers) timer.unref();
  }

  /** Stops the transfer with `reason` (also used for a declared size over the limit and for the deadline). */
  fail(reason: string): void {
    this.failure ??= new InvalidInputError(reason);
    this.destroy(this.failure);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.windowBytes += chunk.length;
    if (this.bytes > this.limits.maxBytes) {
      this.fail(`The input is larger than ${this.limits.maxBytes} bytes, the most this deployment accepts`);
      callback();
      return;
    }
    callback(null, chunk);
  }

  override _destroy(err: Error | null, callback: (error?: Error) => void): void {
    for (const timer of this.timers) clearTimeout(timer);
    callback(err ?? undefined);
  }

  override _flush(callback: TransformCallback): void {
    for (const timer of this.timers) clearTimeout(timer);
    callback();
  }
}
