/**
 * A transport stream read while it downloads (source.ts `localSource`, follow-file.ts): ffmpeg fed from the growing
 * file through its standard input makes what it makes from the whole file, and a download cut short fails the
 * encode instead of ending it early.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHls } from '../../containers/transcoder/src/encode.js';
import { STDIN_INPUT } from '../../containers/transcoder/src/ffmpeg/args.js';
import { followFile, StalledError } from '../../containers/transcoder/src/follow-file.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../lambdas/core/domain/playlist.js';

const exec = promisify(execFile);
let dir: string;
let source: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gamma-streamed-'));
  source = join(dir, 'source.ts');
  await exec('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=9'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=9'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'mp2', source],
  ]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Copies `source` into `file` a piece at a time, as a download writes it; rejects after `failAfter` pieces. */
async function download(file: string, failAfter = Number.POSITIVE_INFINITY): Promise<void> {
  const bytes = await readFile(source);
  const piece = 64 * 1024;
  for (let at = 0, n = 0; at < bytes.length; at += piece, n++) {
    if (n >= failAfter) throw new Error('the connection was reset');
    await appendFile(file, bytes.subarray(at, at + piece));
    await sleep(5);
  }
}

const segments = async (out: string, rung: string) =>
  parseMediaPlaylist(await readFile(join(out, rung, RENDITION_PLAYLIST), 'utf8')).segments.map((s) => [
    s.uri,
    s.duration.toFixed(3),
  ]);

describe('a transport stream encoded while it downloads', () => {
  it('gives the segments the whole file gives', async () => {
    const probed = await probe(source);
    expect(probed.file?.container_format).toBe('mpegts');
    const plan = planLadder(probed);
    const whole = join(dir, 'whole');
    await encodeHls(source, plan, whole);

    const growing = join(dir, 'growing.ts');
    await writeFile(growing, '');
    const downloading = download(growing);
    const streamed = join(dir, 'streamed');
    await encodeHls(STDIN_INPUT, plan, streamed, {
      feed: (stdin, exited) => followFile(growing, downloading, stdin, { stop: exited }),
    });
    for (const rung of (plan.video?.rungs ?? []).map((r) => r.name)) {
      expect(await segments(streamed, rung)).toEqual(await segments(whole, rung));
    }
    const frames = async (out: string) => {
      const { stdout } = await exec('ffprobe', [
        ...['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames'],
        ...['-of', 'csv=p=0', join(out, 'master.m3u8')],
      ]);
      return stdout.trim();
    };
    expect(await frames(whole)).toMatch(/^\d+/);
    expect(await frames(streamed)).toBe(await frames(whole));
  });

  it('fails, rather than ends early, when the download is cut short', async () => {
    const plan = planLadder(await probe(source));
    const growing = join(dir, 'cut.ts');
    await writeFile(growing, '');
    const downloading = download(growing, 3);
    downloading.catch(() => {});
    const encoding = encodeHls(STDIN_INPUT, plan, join(dir, 'cut'), {
      feed: (stdin, exited) => followFile(growing, downloading, stdin, { stop: exited }),
    });
    await expect(encoding).rejects.toThrow('the connection was reset');
  });

  it('fails with ffmpeg, at once, when ffmpeg gives up while the rest of the download is stalled', async () => {
    const plan = planLadder(await probe(source));
    const playlist = join(dir, 'playlist.ts');
    await writeFile(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\nfile:///etc/passwd\n${' '.repeat(4096)}`);
    const stalled = new Promise<void>(() => {}); // the rest never comes
    const encoding = encodeHls(STDIN_INPUT, plan, join(dir, 'playlist'), {
      feed: (stdin, exited) => followFile(playlist, stalled, stdin, { stop: exited }),
    });
    await expect(encoding).rejects.toThrow(/ffmpeg failed/);
  });

  it('fails as the store’s fault, not the file’s, when the download stalls', async () => {
    const plan = planLadder(await probe(source));
    const half = join(dir, 'half.ts');
    await writeFile(half, (await readFile(source)).subarray(0, 200 * 1024));
    const encoding = encodeHls(STDIN_INPUT, plan, join(dir, 'half'), {
      feed: (stdin, exited) => followFile(half, new Promise(() => {}), stdin, { stop: exited, stallMs: 1000 }),
    });
    await expect(encoding).rejects.toBeInstanceOf(StalledError);
  });
});
