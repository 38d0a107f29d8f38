/**
 * Buffers reused for whole output files on their way through this process: a segment's pieces joined into it
 * (segment-join.ts), a segment or still read to be PUT to S3 (storage.ts). A fresh Buffer per file (`readFile`,
 * `Buffer.concat`) put megabytes of short-lived memory outside V8's heap through the process for every second of a
 * chunk's 1080p ladder, and V8 answers that much external memory with full collections of the whole heap (the
 * SDK's, the bundle's): five to seven in a chunk job of 18–24 s. Measured on the local platform, a 60 s source in
 * four jobs on warm job processes: 13 full collections and 3.1 CPU-s of the jobs' own before, 2 and 2.4 CPU-s with
 * this pool (a machine then ~2.5x slower than quiet). Buffers taken from here live as long as the process, so the
 * garbage collector never sees them come and go.
 */
import type { FileHandle } from 'node:fs/promises';

/** Large enough for a 6 s segment of the top rung at `premium`; a larger file gets a buffer of its own. */
const SLAB_BYTES = 16 * 2 ** 20;
/** Buffers kept between uses: as many as files are read at once (uploads in flight plus a join per rendition). */
const MAX_KEPT = 16;

export class BufferPool {
  private readonly kept: Buffer[] = [];

  constructor(
    private readonly slabBytes = SLAB_BYTES,
    private readonly maxKept = MAX_KEPT,
  ) {}

  /**
   * Reads the whole file behind `handle` and runs `use` on its bytes; the bytes are valid only until `use` settles
   * (the buffer then goes back to the pool), so `use` must not keep them.
   */
  async withContents<T>(handle: FileHandle, use: (bytes: Buffer) => Promise<T>): Promise<T> {
    const { size } = await handle.stat();
    const pooled = size <= this.slabBytes;
    const buffer = pooled ? (this.kept.pop() ?? Buffer.allocUnsafeSlow(this.slabBytes)) : Buffer.allocUnsafe(size);
    try {
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, Math.min(buffer.length, size) - length, length);
        length += bytesRead;
        if (bytesRead === 0 || length === size) break;
      }
      return await use(buffer.subarray(0, length));
    } finally {
      if (pooled && this.kept.length < this.maxKept) this.kept.push(buffer);
    }
  }

  /** Buffers waiting for their next use (for tests). */
  get size(): number {
    return this.kept.length;
  }
}

/** The process's pool: jobs run one at a time in a process, so one pool serves them all. */
export const outputBuffers = new BufferPool();
