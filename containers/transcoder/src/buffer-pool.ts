/**
 * How this process reads whole output files (a segment's pieces joined into it by segment-join.ts, a segment or
 * still PUT to S3 by storage.ts): refusing a symlink in a file's place, and into buffers it reuses. A fresh Buffer per
 * file (`readFile`, `Buffer.concat`) put megabytes of short-lived memory outside V8's heap through the process for
 * every second of a chunk's 1080p ladder, and V8 answers that much external memory with full collections of the
 * whole heap (the SDK's, the bundle's): five to seven in a chunk job of 18–24 s. Measured on the local platform, a
 * 60 s source in four jobs on warm job processes: 13 full collections and 3.1 CPU-s of the jobs' own before, 2 and
 * 2.4 CPU-s with this pool (a machine then ~2.5x slower than quiet). A job process keeps its buffers from job to job.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** Typically larger than a 6 s segment of the top rung (1080p at `premium`: ~8 MB); a larger file gets its own. */
const SLAB_BYTES = 16 * 2 ** 20;
/** Buffers made at most: about as many as files are read at once (uploads in flight, a join per rendition). */
const MAX_SLABS = 16;
/** Smaller files (playlists, stills, preview frames) get a buffer of their own: they cost the collector little. */
const MIN_POOLED_BYTES = 256 * 1024;

export class BufferPool {
  private readonly kept: Buffer[] = [];
  private made = 0;

  constructor(
    private readonly slabBytes = SLAB_BYTES,
    private readonly maxSlabs = MAX_SLABS,
    private readonly minPooledBytes = MIN_POOLED_BYTES,
  ) {}

  /**
   * Reads the whole file behind `handle` and runs `use` on its bytes; the bytes are valid only until `use` settles
   * (a pooled buffer then goes back for the next file), so `use` must not keep them. Every slab in use, or a file
   * outside the pool's sizes, gets a buffer of its own, as `readFile` would. `size` is the file's size as the caller
   * last saw it (its fstat); a file that has shrunk since yields what is there.
   */
  async withContents<T>(handle: FileHandle, size: number, use: (bytes: Buffer) => Promise<T>): Promise<T> {
    const slab = this.take(size);
    const buffer = slab ?? Buffer.allocUnsafe(size);
    try {
      let length = 0;
      while (length < size) {
        const { bytesRead } = await handle.read(buffer, length, size - length, length);
        if (bytesRead === 0) break; // shorter than it was: what is there
        length += bytesRead;
      }
      return await use(buffer.subarray(0, length));
    } finally {
      if (slab) this.kept.push(slab);
    }
  }

  /** Slabs made so far, and how many wait for their next use (for tests). */
  get slabs(): { made: number; kept: number } {
    return { made: this.made, kept: this.kept.length };
  }

  private take(size: number): Buffer | undefined {
    if (size < this.minPooledBytes || size > this.slabBytes) return undefined;
    const kept = this.kept.pop();
    if (kept) return kept;
    if (this.made >= this.maxSlabs) return undefined;
    this.made++;
    return Buffer.allocUnsafeSlow(this.slabBytes);
  }
}

/** The process's pool: jobs run one at a time in a process, so one pool serves them all. */
export const outputBuffers = new BufferPool();

/**
 * Runs `use` on the bytes of a file a media tool wrote (valid until `use` settles), refusing a symlink in its place:
 * in the image this process is root and ffmpeg another user (ffmpeg/tools.ts), and a compromised ffmpeg could
 * otherwise point an output at what only root may read (this process's own /proc/self/environ) and have it published
 * into the asset's folder.
 */
export async function withOutputFile<T>(file: string, use: (bytes: Buffer) => Promise<T>): Promise<T> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    return await outputBuffers.withContents(handle, stat.size, use);
  } finally {
    await handle.close();
  }
}
