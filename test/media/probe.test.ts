/**
 * The probe's decode check against the real ffmpeg: a file whose header passes ffprobe but whose payload does not
 * decode is refused with a readable reason, while files that are damaged, cut or late to start but still play
 * are accepted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyframesBefore, probe } from '../../containers/transcoder/src/probe.js';
import { InvalidInputError } from '../../lambdas/core/domain/errors.js';
import { serveCounting } from '../../scripts/bench-http-source.js';

const exec = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-probe-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function ffmpeg(...args: string[]) {
  await exec('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
}

/** A 640x360 H.264 + AAC clip; `format` picks the container (mp4 or mpegts), `bitrate` the video's if given. */
async function clip(name: string, seconds: number, format = 'mp4', bitrate?: string): Promise<string> {
  const file = join(work, name);
  await ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=sample_rate=48000'],
    ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p'],
    ...(bitrate ? ['-b:v', bitrate] : []),
    ...['-c:a', 'aac', '-f', format, file],
  );
  return file;
}

describe('keyframesBefore (where chunk boundaries make cheap seeks)', () => {
  it('finds the keyframe at or before each time over a ranged URL, on the clock the chunks use', async () => {
    const source = await clip('gop.mp4', 30); // a keyframe every 60 frames: every 2 s
    const http = await serveCounting(source);
    try {
      const found = await keyframesBefore(http.url, [3, 9.5, 20, 27.9], 0);
      expect([...found]).toEqual([
        [3, 2],
        [9.5, 8],
        [20, 20],
        [27.9, 26],
      ]);
      // A clip from 1 s: times and keyframes from there.
      expect([...(await keyframesBefore(http.url, [3, 6], 1))]).toEqual([
        [3, 3],
        [6, 5],
      ]);
      // More times than one process takes: split among several, each answer still under its own time.
      const many = Array.from({ length: 20 }, (_, i) => 1 + i * 1.4);
      const all = await keyframesBefore(http.url, many, 0);
      expect([...all.keys()]).toEqual(many);
      for (const [t, k] of all) expect(k).toBe(Math.floor(t / 2) * 2);
    } finally {
      await http.close();
    }
  });

  it('asks early by the lead where ffmpeg seeks early (Matroska with B-frames), so it finds where the seek lands', async () => {
    const mkv = join(work, 'bframes.mkv');
    await ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-t', '12', '-c:v', 'libx264', '-preset', 'veryfast'],
      ...['-g', '60', '-bf', '2', '-pix_fmt', 'yuv420p', mkv],
    );
    // A keyframe every 2 s: ffmpeg's own `-ss 4` in this file starts decoding at 2, 3/23 s early.
    expect([...(await keyframesBefore(mkv, [4], 0, 3 / 23))]).toEqual([[4, 2]]);
    expect([...(await keyframesBefore(mkv, [4], 0))]).toEqual([[4, 4]]);
    // Where a chunk's seek (`-noaccurate_seek -ss`, ffmpeg/encode-args.ts) decodes its first frame from.
    const { stderr } = await exec('ffmpeg', [
      ...['-hide_banner', '-noaccurate_seek', '-ss', '4', '-i', mkv, '-copyts', '-frames:v', '1'],
      ...['-vf', 'showinfo', '-f', 'null', '-'],
    ]);
    expect(Number(/pts_time:([\d.]+)/.exec(stderr)?.[1])).toBe(2);
  });

  it('knows nothing, and does not throw, where ffprobe cannot answer', async () => {
    const text = join(work, 'not-media.mp4');
    await writeFile(text, 'not a video');
    expect((await keyframesBefore(text, [2, 4], 0)).size).toBe(0);
  });

  it('stops its ffprobes when told, without waiting out their timeout on a source that does not answer', async () => {
    const stalled = createServer(() => {}); // takes each request and never answers
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as AddressInfo;
    try {
      const stop = new AbortController();
      const lookup = keyframesBefore(`http://127.0.0.1:${port}/source.mp4`, [2, 4], 0, 0, stop.signal);
      setTimeout(() => stop.abort(), 300);
      // The lookup's own timeout is 10 s: an answer within 5 is the stop's.
      const timedOut = new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 5_000).unref());
      expect(await Promise.race([lookup.then((found) => found.size), timedOut])).toBe(0);
    } finally {
      stalled.closeAllConnections();
      stalled.close();
    }
  });
});

describe('probe over a ranged URL (the first job plans without downloading the source)', () => {
  it('reads the headers and the first seconds of a long file, not the file, and still refuses what does not decode', async () => {
    // 120 s with the index (moov) at the end, as cameras write it: the probe must seek for it. At 6 Mb/s (80 MB), so
    // what the server pushed into the sockets of requests ffprobe dropped (more on a loaded machine) stays a small
    // share: at the default rate (30 MB) it came near the bound under a parallel test run.
    const source = await clip('long.mp4', 120, 'mp4', '6M');
    const http = await serveCounting(source);
    try {
      const probed = await probe(http.url);
      expect(probed.durationSeconds).toBeCloseTo(120, 0);
      expect(probed.video).toMatchObject({ width: 640, height: 360 });
      expect(probed.audio).toEqual({ channels: 1, sampleRate: 48000 });
      // Headers plus the decode check's first seconds (at most 10 of 120) and the read-ahead of dropped requests.
      expect(http.sent() / http.size).toBeLessThan(0.3);
    } finally {
      await http.close();
    }
    const text = join(work, 'notes-remote.mp4');
    await writeFile(text, `#!AMR\n${'These are meeting notes, not audio. '.repeat(200)}\n`);
    const notes = await serveCounting(text);
    try {
      await expect(probe(notes.url)).rejects.toThrow(/could not be decoded/);
    } finally {
      await notes.close();
    }
  });
});

describe('probe over a URL that answers an error', () => {
  it.each([404, 403, 503])(
    'refuses on HTTP %i with a reason that names no URL (transcoder asks the store whose fault it is)',
    async (status) => {
      const server = createServer((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end('<Error><Code>NoSuchVersion</Code></Error>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest/u1?versionId=v1&X-Amz-Signature=secret`;
      try {
        const error = await probe(url).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error?.message).toMatch(/could not be read/);
        expect(error?.message).not.toMatch(/secret|127\.0\.0\.1/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});

describe('probe: sources that name other files', () => {
  const playlist = (segment: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:4.0,\n${segment}\n#EXT-X-ENDLIST\n`;
  const refusal = (source: string) =>
    probe(source).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

  it("refuses an HLS playlist of the worker's own files, naming why", async () => {
    const secret = await clip('secret.ts', 2, 'mpegts');
    const source = join(work, 'source');
    await writeFile(source, playlist(`file://${secret}`));
    const error = await refusal(source);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toMatch(/its format \(hls\) is not accepted: upload the video or audio file itself/);
  });

  it('refuses an HLS playlist read over a URL without fetching the segment it names', async () => {
    const requested: string[] = [];
    const server = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(req.url?.startsWith('/source') ? playlist(`http://127.0.0.1:${port()}/elsewhere.ts`) : '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = () => (server.address() as AddressInfo).port;
    try {
      const error = await refusal(`http://127.0.0.1:${port()}/source?X-Amz-Signature=secret`);
      expect(error?.message).toMatch(/its format \(hls\) is not accepted/);
      expect(requested.every((url) => url.startsWith('/source'))).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses an ffconcat list the same way', async () => {
    const source = join(work, 'concat-source');
    await writeFile(source, `ffconcat version 1.0\nfile ${await clip('part.mp4', 1)}\n`);
    expect((await refusal(source))?.message).toMatch(/its format \(concat\) is not accepted/);
  });
});

describe('probe: decode check', () => {
  it('refuses a text file that starts with the AMR magic number, naming the stream and the cause', async () => {
    const text = join(work, 'notes.mp4');
    await writeFile(text, `#!AMR\n${'These are meeting notes, not audio. '.repeat(200)}\n`);
    // ffprobe alone accepts it: the header is all it reads.
    const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv', text]);
    expect(stdout.trim()).toBe('stream,amr_nb');

    const error = await probe(text).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(
      /^The file could not be decoded: more than 20% of the start of its audio \(amr_nb\) failed to decode \(.+\)$/,
    );
  });

  it('accepts a clip with damaged bytes in its first seconds (decoders conceal it)', async () => {
    const file = await clip('damaged.mp4', 6);
    const bytes = await readFile(file);
    // Without +faststart the media data comes first: these bytes are inside the first seconds' frames.
    for (let at = 20_000; at < 200_000; at += 6_007) bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(file, bytes);

    const probed = await probe(file);

    expect(probed.video).toMatchObject({ width: 640, height: 360 });
    expect(probed.audio).toBeDefined();
  });

  it('accepts an MPEG-TS cut in the middle of a group of pictures', async () => {
    const whole = await clip('whole.ts', 8, 'mpegts');
    const bytes = await readFile(whole);
    const cut = join(work, 'cut.ts');
    // Cut on a TS packet boundary (188 bytes), a third of the way in: decoding starts without a keyframe.
    await writeFile(cut, bytes.subarray(188 * Math.floor(bytes.length / 3 / 188)));

    const probed = await probe(cut);

    expect(probed.video).toMatchObject({ width: 640, height: 360 });
    expect(probed.durationSeconds).toBeGreaterThan(3);
  });

  it('accepts a soundtrack that starts 12 seconds after the picture', async () => {
    const late = join(work, 'late.mp4');
    await ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=sample_rate=48000'],
      ...['-filter_complex', '[1:a]atrim=0:3,asetpts=PTS-STARTPTS+12/TB[a]', '-map', '0:v', '-map', '[a]'],
      ...['-t', '15', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', late],
    );
    const { stdout } = await exec('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'a',
      '-show_entries',
      'stream=start_time',
      '-of',
      'csv=p=0',
      late,
    ]);
    expect(Number(stdout)).toBeGreaterThan(11);

    const probed = await probe(late);

    expect(probed.audio).toBeDefined();
  });
});
