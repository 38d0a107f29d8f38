/**
 * The transcoder's reused buffers (containers/transcoder/src/buffer-pool.ts): a file's bytes exactly, whatever its
 * size against the slab, and the same memory again for the next file, so a job's outputs stop making garbage.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferPool } from '../../containers/transcoder/src/buffer-pool.js';

const SLAB = 64 * 1024;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gamma-buffer-pool-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A file of `size` bytes that differ from one offset to the next, so a misplaced read shows. */
async function fileOf(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) % 251));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

/** What `use` saw of `path`, copied out (its bytes are valid only while it runs), and the memory it saw them in. */
async function read(pool: BufferPool, path: string): Promise<{ copy: Buffer; memory: ArrayBufferLike }> {
  const handle = await open(path, 'r');
  try {
    return await pool.withContents(handle, async (bytes) => ({ copy: Buffer.from(bytes), memory: bytes.buffer }));
  } finally {
    await handle.close();
  }
}

describe('BufferPool', () => {
  it('hands over exactly the file’s bytes: empty, smaller than a slab, a slab, larger', async () => {
    const pool = new BufferPool(SLAB);
    for (const size of [0, 1, 1000, SLAB, SLAB + 1, 3 * SLAB + 17]) {
      const { path, bytes } = await fileOf(`f${size}`, size);
      expect((await read(pool, path)).copy.equals(bytes), `a file of ${size} bytes`).toBe(true);
    }
  });

  it('reads the next file into the memory the last one used, and keeps no buffer of a file larger than a slab', async () => {
    const pool = new BufferPool(SLAB);
    const a = await fileOf('a', 5000);
    const b = await fileOf('b', 300);
    const first = await read(pool, a.path);
    expect(pool.size).toBe(1);
    const second = await read(pool, b.path);
    expect(second.memory).toBe(first.memory);
    expect(second.copy.equals(b.bytes)).toBe(true);

    const large = await fileOf('large', SLAB * 2);
    expect((await read(pool, large.path)).memory).not.toBe(first.memory);
    expect(pool.size).toBe(1);
  });

  it('gives the buffer back when the use fails, and keeps no more than its limit', async () => {
    const pool = new BufferPool(SLAB, 2);
    const { path } = await fileOf('a', 10);
    const handle = await open(path, 'r');
    await expect(
      pool.withContents(handle, async () => {
        throw new Error('the PUT failed');
      }),
    ).rejects.toThrow('the PUT failed');
    await handle.close();
    expect(pool.size).toBe(1);

    // Three reads at once take three buffers; two are kept after.
    const handles = await Promise.all([0, 1, 2].map(() => open(path, 'r')));
    const gate = new Promise<void>((resolve) => setTimeout(resolve, 20));
    await Promise.all(handles.map((h) => pool.withContents(h, () => gate)));
    await Promise.all(handles.map((h) => h.close()));
    expect(pool.size).toBe(2);
  });
});
