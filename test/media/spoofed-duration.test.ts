/**
 * A file whose header claims less than it holds (the security review's repro, scaled down): a 60-second Matroska
 * whose Duration element is rewritten to 5 seconds. The probe reports 5 s, the source policy checks 5 s, and the
 * encode must do 5 s of work (plus the margin), not the 60 s the file holds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHls } from '../../containers/transcoder/src/encode.js';
import { sourceBoundSeconds } from '../../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder, renditionNames } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../lambdas/core/domain/playlist.js';

const exec = promisify(execFile);
const HELD_SECONDS = 60;
const CLAIMED_SECONDS = 5;

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-spoofed-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Matroska's Duration element (ID 0x4489, 8-byte size) holding a big-endian double, in milliseconds here. */
function durationElement(milliseconds: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeDoubleBE(milliseconds);
  return Buffer.concat([Buffer.from([0x44, 0x89, 0x88]), value]);
}

/** A 64x64 clip of HELD_SECONDS whose container header claims CLAIMED_SECONDS. */
async function spoofedClip(): Promise<string> {
  const real = join(work, 'real.mkv');
  const lavfi = ['-f', 'lavfi', '-i', 'testsrc=s=64x64:r=5'];
  await exec('ffmpeg', ['-v', 'error', '-y', ...lavfi, '-t', String(HELD_SECONDS), '-c:v', 'libx264', real]);
  const bytes = await readFile(real);
  const at = bytes.indexOf(durationElement(HELD_SECONDS * 1000));
  expect(at).toBeGreaterThan(0);
  durationElement(CLAIMED_SECONDS * 1000).copy(bytes, at);
  const spoofed = join(work, 'spoofed.mkv');
  await writeFile(spoofed, bytes);
  return spoofed;
}

describe('a header claiming less than the file holds', () => {
  it('is encoded for its probed duration plus the margin, not for what it holds', async () => {
    const source = await spoofedClip();
    const { stdout } = await exec('ffprobe', [
      ...['-v', 'error', '-count_packets', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', source],
    ]);
    expect(Number(stdout.trim())).toBe(HELD_SECONDS * 5); // every frame is still in the file

    const probed = await probe(source);
    expect(probed.durationSeconds).toBe(CLAIMED_SECONDS);
    const plan = planLadder(probed);
    const out = join(work, 'hls');
    await encodeHls(source, plan, out);
    for (const name of renditionNames(plan)) {
      const playlist = parseMediaPlaylist(await readFile(join(out, name, RENDITION_PLAYLIST), 'utf8'));
      const seconds = playlist.segments.reduce((sum, s) => sum + s.duration, 0);
      expect(seconds, name).toBeGreaterThanOrEqual(CLAIMED_SECONDS);
      expect(seconds, name).toBeLessThanOrEqual(sourceBoundSeconds(CLAIMED_SECONDS));
    }
  });
});
