import { getEventListeners } from 'node:events';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followFile, StalledError } from '../../containers/transcoder/src/follow-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gamma-follow-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A deferred promise: the download's completion, settled by the test. */
function written() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Everything `out` received, and whether it was ended. */
function collector() {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (d: Buffer) => parts.push(d));
  return { out, bytes: () => Buffer.concat(parts), ended: () => out.writableEnded };
}

describe('followFile', () => {
  it('leaves no listener behind on its reader or its stop signal, however often it waits for a drain', async () => {
    const file = join(dir, 'many-waits');
    await writeFile(file, Buffer.alloc(24 * 1024 * 1024, 1)); // 24 reads of 1 MiB, each a wait
    const out = new Writable({
      highWaterMark: 1024,
      write: (_chunk, _encoding, next) => setImmediate(next),
    });
    const stop = new AbortController();
    const counts = () => ({
      drain: out.listenerCount('drain'),
      close: out.listenerCount('close'),
      error: out.listenerCount('error'),
    });
    const before = counts();
    let most = 0;
    out.on('drain', () => {
      most = Math.max(most, out.listenerCount('close') - before.close);
    });
    const warnings: Error[] = [];
    const warned = (w: Error) => warnings.push(w);
    process.on('warning', warned);
    try {
      await followFile(file, Promise.resolve(), out, { stop: stop.signal, pollMs: 1 });
      await sleep(10);
    } finally {
      process.off('warning', warned);
    }
    expect(most, 'one wait at a time listens for close').toBeLessThanOrEqual(1);
    expect(counts()).toEqual({ ...before, error: before.error + 1, drain: 1 }); // followFile's EPIPE guard; the probe above
    expect(getEventListeners(stop.signal, 'abort')).toEqual([]);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('streams a file as it grows, every byte in order, and ends once the writing has finished', async () => {
    const file = join(dir, 'growing');
    await writeFile(file, 'first ');
    const done = written();
    const { out, bytes, ended } = collector();
    const following = followFile(file, done.promise, out, { pollMs: 5 });
    await sleep(30);
    expect(bytes().toString()).toBe('first ');
    expect(ended()).toBe(false); // at the end of what is there, waiting for more
    await appendFile(file, 'second ');
    await sleep(30);
    await appendFile(file, Buffer.alloc(3 * 1024 * 1024, 7)); // more than one read
    await appendFile(file, 'last');
    done.resolve();
    await following;
    expect(ended()).toBe(true);
    const all = bytes();
    expect(all.subarray(0, 13).toString()).toBe('first second ');
    expect(all.length).toBe(13 + 3 * 1024 * 1024 + 4);
    expect(all.subarray(-4).toString()).toBe('last');
  });

  it('rejects with the writing’s failure and leaves the reader’s input unended (a source cut short is no end)', async () => {
    const file = join(dir, 'cut');
    await writeFile(file, 'part of it');
    const done = written();
    const { out, ended } = collector();
    const following = followFile(file, done.promise, out, { pollMs: 5 });
    await sleep(20);
    done.reject(new Error('the download failed'));
    await expect(following).rejects.toThrow('the download failed');
    expect(ended()).toBe(false);
  });

  it('stops quietly when told ffmpeg ended, though the file is still being written and nothing drains', async () => {
    const file = join(dir, 'stalled');
    await writeFile(file, 'the start of a download that stalls');
    const exited = new AbortController();
    const { out, bytes, ended } = collector();
    const following = followFile(file, new Promise(() => {}), out, { stop: exited.signal, pollMs: 5 });
    await sleep(30);
    expect(bytes().toString()).toBe('the start of a download that stalls');
    exited.abort();
    await expect(following).resolves.toBeUndefined();
    expect(ended()).toBe(false);
  });

  it('fails when the file stops growing for too long (a download whose connection hangs)', async () => {
    const file = join(dir, 'hung');
    await writeFile(file, 'a little');
    const { out } = collector();
    await expect(followFile(file, new Promise(() => {}), out, { pollMs: 5, stallMs: 50 })).rejects.toBeInstanceOf(
      StalledError,
    );
  });

  it('stops quietly when the reader stops taking data (ffmpeg read all it wanted and exited)', async () => {
    const file = join(dir, 'big');
    await writeFile(file, Buffer.alloc(4 * 1024 * 1024));
    let taken = 0;
    const reader = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        taken += chunk.length;
        // Takes one piece, then goes away as an exiting process's pipe does.
        setImmediate(() => reader.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
        callback();
      },
    });
    await expect(followFile(file, new Promise(() => {}), reader, { pollMs: 5 })).resolves.toBeUndefined();
    expect(taken).toBeLessThan(4 * 1024 * 1024);
  });
});
