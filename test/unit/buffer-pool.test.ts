/**
 * How the transcoder reads whole output files (containers/transcoder/src/buffer-pool.ts): a file's bytes exactly,
 * whatever its size against the slab; the same memory again for the next file, never for a file read while another
 * still uses it; no more slabs than its limit; and no symlink read in an output's place (segment-join.ts too).
 */
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferPool, withOutputFile } from '../../containers/transcoder/src/buffer-pool.js';
import { joinPieces } from '../../containers/transcoder/src/segment-join.js';

const SLAB = 64 * 1024;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gamma-buffer-pool-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A file of `size` bytes that differ from one offset to the next and from one file to the next. */
async function fileOf(name: string, size: number, seed = 0): Promise<{ path: string; bytes: Buffer }> {
  const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size + seed) % 251));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

/** What `use` saw of `path` (copied out: its bytes are valid only while it runs) and the memory it saw them in. */
async function read(
  pool: BufferPool,
  path: string,
  until?: Promise<void>,
): Promise<{ copy: Buffer; memory: ArrayBufferLike }> {
  const handle = await open(path, 'r');
  try {
    return await pool.withContents(handle, (await handle.stat()).size, async (bytes) => {
      await until;
      return { copy: Buffer.from(bytes), memory: bytes.buffer };
    });
  } finally {
    await handle.close();
  }
}

describe('BufferPool', () => {
  it('hands over exactly the file’s bytes: empty, smaller than a slab, a slab, larger', async () => {
    const pool = new BufferPool(SLAB, 4, 0);
    for (const size of [0, 1, 1000, SLAB, SLAB + 1, 3 * SLAB + 17]) {
      const { path, bytes } = await fileOf(`f${size}`, size);
      expect((await read(pool, path)).copy.equals(bytes), `a file of ${size} bytes`).toBe(true);
    }
  });

  it('reads the next file into the memory the last one used; a file larger than a slab, or small, gets its own', async () => {
    const pool = new BufferPool(SLAB, 4, 1000);
    const a = await fileOf('a', 5000);
    const b = await fileOf('b', 3000);
    const first = await read(pool, a.path);
    const second = await read(pool, b.path);
    expect(second.memory).toBe(first.memory);
    expect(second.copy.equals(b.bytes)).toBe(true);

    expect((await read(pool, (await fileOf('large', SLAB * 2)).path)).memory).not.toBe(first.memory);
    expect((await read(pool, (await fileOf('small', 999)).path)).memory).not.toBe(first.memory);
    expect(pool.slabs).toEqual({ made: 1, kept: 1 });
  });

  it('never hands a slab in use to another file: a file read meanwhile gets other memory, the first keeps its bytes', async () => {
    const pool = new BufferPool(SLAB, 4, 0);
    const a = await fileOf('a', 4000, 1);
    const b = await fileOf('b', 4000, 2);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = read(pool, a.path, gate); // reads a, then waits with its bytes
    await new Promise((resolve) => setTimeout(resolve, 20));
    const meanwhile = await read(pool, b.path);
    release();
    const first = await held;
    expect(first.copy.equals(a.bytes)).toBe(true);
    expect(meanwhile.copy.equals(b.bytes)).toBe(true);
    expect(meanwhile.memory).not.toBe(first.memory);
    expect(pool.slabs).toEqual({ made: 2, kept: 2 });
  });

  it('makes no more slabs than its limit (more files at once get their own), and gets a slab back when a use fails', async () => {
    const pool = new BufferPool(SLAB, 2, 0);
    // Over 4 KiB, so a buffer of its own is not cut from node's shared pool for small Buffers.
    const files = await Promise.all([0, 1, 2, 3].map((n) => fileOf(`f${n}`, 5000, n)));
    const gate = new Promise<void>((resolve) => setTimeout(resolve, 20));
    const seen = await Promise.all(files.map((f) => read(pool, f.path, gate)));
    expect(seen.map((s, n) => s.copy.equals(files[n]?.bytes as Buffer))).toEqual([true, true, true, true]);
    expect(new Set(seen.map((s) => s.memory)).size).toBe(4);
    expect(pool.slabs).toEqual({ made: 2, kept: 2 });

    const handle = await open(files[0]?.path as string, 'r');
    const failing = pool.withContents(handle, (await handle.stat()).size, async () => {
      throw new Error('the PUT failed');
    });
    await expect(failing).rejects.toThrow('the PUT failed');
    await handle.close();
    expect(pool.slabs).toEqual({ made: 2, kept: 2 });
  });
});

describe('withOutputFile', () => {
  it('refuses a symlink where a tool’s output is expected, in a joined segment as in an upload', async () => {
    const secret = await fileOf('secret', 100);
    await symlink(secret.path, join(dir, 'link.m4s'));
    await expect(withOutputFile(join(dir, 'link.m4s'), async () => undefined)).rejects.toThrow();

    // A piece ffmpeg wrote as a link to a file it may not read: the segment is not joined from it.
    const rendition = join(dir, '360p');
    await mkdir(rendition);
    await symlink(secret.path, join(rendition, 'piece_000.m4s'));
    await writeFile(
      join(rendition, 'pieces.m3u8'),
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\npiece_000.m4s\n#EXT-X-ENDLIST\n',
    );
    const cuts = { firstCutSeconds: 2, segmentSeconds: 6, keyframeSeconds: 2 };
    await expect(joinPieces(rendition, { cuts, firstSegment: 0, final: true })).rejects.toThrow();
    await expect(readFile(join(rendition, 'segment_000.m4s'))).rejects.toThrow();
  });
});
