/**
 * Mux's `normalize_audio` against the real ffmpeg: a quiet and a loud tone are encoded through the ladder with the
 * measured loudnorm filter (options/audio.ts), and the output's integrated loudness, measured by ffmpeg's ebur128
 * filter, is at EBU R128's target.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHls } from '../../containers/transcoder/src/encode.js';
import { LOUDNESS_TARGET, normalizeLoudness } from '../../containers/transcoder/src/options/audio.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder } from '../../lambdas/core/domain/ladder.js';

const exec = promisify(execFile);
/** How far from the target the output may measure, LU (EBU R128 allows ±1 LU for live; files do better). */
const TOLERANCE_LU = 1;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-loudness-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** An 8 s audio-only clip: a 440 Hz tone (about -21 LUFS) changed by `volumeDb`, AAC in MP4. */
async function tone(name: string, volumeDb: number): Promise<string> {
  const file = join(work, name);
  await exec('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=8'],
    ...['-filter:a', `volume=${volumeDb}dB`, '-c:a', 'aac', '-b:a', '192k', file],
  ]);
  return file;
}

/** Integrated loudness of `file` (LUFS), by ffmpeg's ebur128 filter. */
async function integratedLoudness(file: string): Promise<number> {
  const { stderr } = await exec('ffmpeg', [
    ...['-hide_banner', '-nostats', '-protocol_whitelist', 'file', '-i', file],
    ...['-filter_complex', '[0:a:0]ebur128', '-f', 'null', '-'],
  ]);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const value = /I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1];
  if (value === undefined) throw new Error(`ebur128 printed no integrated loudness: ${summary}`);
  return Number(value);
}

describe('normalize_audio', () => {
  it.each([
    ['quiet', -15],
    ['loud', 12],
  ])('brings a %s source (tone at %d dB) to the target loudness', async (name, volumeDb) => {
    const source = await tone(`${name}.m4a`, volumeDb);
    const before = await integratedLoudness(source);
    const plan = await normalizeLoudness(source, planLadder(await probe(source)), true);
    expect(plan.audio?.filter).toMatch(/^loudnorm=I=-23:TP=-1:LRA=11:measured_I=/);
    const out = join(work, name);
    await encodeHls(source, plan, out);
    const after = await integratedLoudness(join(out, 'audio', 'index.m3u8'));
    expect(Math.abs(before - LOUDNESS_TARGET.integrated)).toBeGreaterThan(5);
    expect(Math.abs(after - LOUDNESS_TARGET.integrated)).toBeLessThanOrEqual(TOLERANCE_LU);
  });

  it('leaves the audio as it is when not asked', async () => {
    const source = await tone('untouched.m4a', -30);
    const plan = planLadder(await probe(source));
    expect(await normalizeLoudness(source, plan, false)).toBe(plan);
  });
});
