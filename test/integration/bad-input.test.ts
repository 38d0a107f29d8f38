/**
 * Bad input, uploaded as a client would: each file ends `errored` with a message a person can act on (or `ready`
 * where it is valid, as an audio-only file is), nothing is left in `preparing`, and a good upload sent after them
 * still becomes ready. The files are generated here with ffmpeg's lavfi sources and node.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { junkBytes } from '../support/media-checks.js';
import { target } from '../support/target.js';

const exec = promisify(execFile);
const config = target();
const client = new GammaClient(config);
const dir = mkdtempSync(join(tmpdir(), 'gamma-bad-'));
const file = (name: string) => join(dir, name);
/** Writes `content` to a file of the scratch folder and returns its path. */
function written(name: string, content: string | Uint8Array): string {
  writeFileSync(file(name), content);
  return file(name);
}
type Asset = Awaited<ReturnType<GammaClient['settledAsset']>>;

async function ffmpeg(...args: string[]) {
  await exec('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
}

/** Replaces the duration in the movie header (mvhd) with `seconds`: a header that lies about the length. */
function forgeDuration(mp4: string, seconds: number): void {
  const bytes = readFileSync(mp4);
  const at = bytes.indexOf('mvhd');
  if (at < 0 || bytes[at + 4] !== 0) throw new Error('expected a version-0 mvhd box');
  const timescale = bytes.readUInt32BE(at + 4 + 4 + 8);
  bytes.writeUInt32BE(Math.min(0xffffffff, timescale * seconds), at + 4 + 4 + 12);
  writeFileSync(mp4, bytes);
}

interface Case {
  name: string;
  make: () => Promise<string>;
  /** What the asset must end as, and what its error message must say. */
  expect: { status: 'errored'; message: RegExp } | { status: 'ready'; check: (asset: Asset) => void };
}

const cases: Case[] = [
  {
    name: 'a zero-byte file',
    make: async () => written('empty.mp4', ''),
    expect: { status: 'errored', message: /could not be read as video or audio/ },
  },
  {
    name: 'random bytes',
    make: async () => written('random.mp4', junkBytes(200_000)),
    expect: { status: 'errored', message: /could not be read as video or audio/ },
  },
  {
    name: 'a truncated MP4 (moov atom missing)',
    make: async () => {
      // Without +faststart the moov atom is written at the end: the first half has none.
      const whole = await makeClip(file('whole.mp4'), { width: 640, height: 360, seconds: 4 });
      const bytes = readFileSync(whole);
      writeFileSync(file('truncated.mp4'), bytes.subarray(0, Math.floor(bytes.length / 2)));
      return file('truncated.mp4');
    },
    expect: { status: 'errored', message: /could not be read as video or audio/ },
  },
  {
    // ffprobe reads only the header: behind AMR's magic number any text probes as (corrupt) AMR audio.
    name: 'a text file named .mp4 that starts with "#!AMR"',
    make: async () => written('notes.mp4', `#!AMR\n${'Meeting notes, not audio. '.repeat(400)}\n`),
    expect: { status: 'errored', message: /could not be decoded: .*audio \(amr_nb\) failed to decode/ },
  },
  {
    name: 'a PNG image',
    make: async () => {
      await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1', file('image.png'));
      return file('image.png');
    },
    expect: { status: 'errored', message: /no duration|could not be read/ },
  },
  {
    name: 'an 8K video',
    make: async () => {
      await ffmpeg(
        ...['-f', 'lavfi', '-i', 'color=c=blue:size=7680x4320:rate=5', '-t', '0.4'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file('8k.mp4')],
      );
      return file('8k.mp4');
    },
    expect: { status: 'errored', message: /7680x4320; the largest accepted is 4096 pixels/ },
  },
  {
    name: 'a video 1 pixel wide',
    make: async () => {
      // lavfi makes no 1-pixel picture; scale one down, lossless so the odd width survives.
      await ffmpeg(
        ...['-f', 'lavfi', '-i', 'color=c=red:size=16x360:rate=10', '-t', '1'],
        ...['-vf', 'scale=1:360,setsar=1,format=yuv444p', '-c:v', 'ffv1', file('thin.mkv')],
      );
      return file('thin.mkv');
    },
    expect: { status: 'errored', message: /1x360; each side must be at least 16 pixels/ },
  },
  {
    name: 'an MP4 whose header claims 10 hours',
    make: async () => {
      await makeClip(file('liar.mp4'), { width: 640, height: 360, seconds: 2 });
      forgeDuration(file('liar.mp4'), 10 * 3600);
      return file('liar.mp4');
    },
    // Whatever the header says, the asset reports what was actually encoded.
    expect: { status: 'ready', check: (asset) => expect(asset.duration).toBeLessThan(60) },
  },
  {
    name: 'an audio-only file',
    make: async () => {
      await ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:a', 'aac', file('audio.m4a'));
      return file('audio.m4a');
    },
    // As on Mux: an audio-only asset becomes ready, with one audio track and "Audio only" as its resolution.
    expect: {
      status: 'ready',
      check: (asset) => {
        expect(asset.max_stored_resolution).toBe('Audio only');
        expect(asset.tracks.map((t: { type: string }) => t.type)).toEqual(['audio']);
      },
    },
  },
];

describe('bad input', () => {
  const assets = new Map<string, Promise<Asset>>();
  beforeAll(async () => {
    // Everything is uploaded at once, the good clip last: one bad file must not hold up or break the others.
    for (const c of cases) {
      const path = await c.make();
      const upload = await client.createUpload();
      expect(await client.put(upload.url, path)).toBe(200);
      assets.set(
        c.name,
        client.assetOfUpload(upload.id).then((id) => client.settledAsset(id)),
      );
    }
    const good = await makeClip(file('good.mp4'), { width: 640, height: 360, seconds: 3 });
    const upload = await client.createUpload();
    expect(await client.put(upload.url, good)).toBe(200);
    assets.set(
      'good',
      client.assetOfUpload(upload.id).then((id) => client.settledAsset(id)),
    );
  });

  for (const c of cases) {
    it(`${c.name}: ends ${c.expect.status}`, async () => {
      const asset = await assets.get(c.name);
      expect(asset.status, JSON.stringify(asset.errors)).toBe(c.expect.status);
      if (c.expect.status === 'errored') {
        expect(asset.errors.type).toBe('invalid_input');
        expect(asset.errors.messages.join(' ')).toMatch(c.expect.message);
      } else {
        c.expect.check(asset);
      }
    });
  }

  it('a good upload sent after them is ready', async () => {
    const asset = await assets.get('good');
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
  });
});
