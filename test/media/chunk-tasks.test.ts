/**
 * The chunk-task encode path against the real ffmpeg: each chunk encoded on its own (as separate tasks do, each in
 * its own folder, from its own audio slice), the segments put side by side and the playlist joined from the chunks'
 * manifests as the finishing task does — then compared with the single-process output of the same source.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudioSlices, encodeHls, encodeHlsChunk } from '../../containers/transcoder/src/encode.js';
import { HLS_VERSION } from '../../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import {
  type ChunkManifest,
  checkManifests,
  chunkTimeOffset,
  joinedPlaylist,
  planChunks,
} from '../../lambdas/core/domain/chunks.js';
import { planLadder, renditionNames } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../lambdas/core/domain/playlist.js';

const exec = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-chunk-tasks-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Packet times of one stream of a rendition played as a player plays it: the init segment, then every segment. */
async function packetTimes(dir: string, stream: 'v:0' | 'a:0'): Promise<{ pts: number; key: boolean }[]> {
  const playlist = parseMediaPlaylist(await readFile(join(dir, RENDITION_PLAYLIST), 'utf8'));
  const joined = join(dir, 'joined.mp4');
  const parts = await Promise.all(
    [playlist.map ?? '', ...playlist.segments.map((s) => s.uri)].map((f) => readFile(join(dir, f))),
  );
  await writeFile(joined, Buffer.concat(parts));
  const { stdout } = await exec('ffprobe', [
    ...['-v', 'error', '-of', 'json', '-select_streams', stream, '-show_entries', 'packet=pts_time,flags', joined],
  ]);
  const packets: { pts_time: string; flags: string }[] = JSON.parse(stdout).packets;
  return packets.map((p) => ({ pts: Number(p.pts_time), key: p.flags.startsWith('K') })).sort((a, b) => a.pts - b.pts);
}

describe('chunk tasks with real ffmpeg', () => {
  it('give the single-process segments: same names, counts and durations, keyframes at segment starts, no gaps', async () => {
    const source = join(work, 'source.mp4');
    await exec('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=13'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=13'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', source],
    ]);
    const probed = await probe(source);
    const plan = planLadder(probed, { segmentSeconds: 2 });
    const single = join(work, 'single');
    await encodeHls(source, plan, single);

    const chunks = planChunks(probed.durationSeconds, { segmentSeconds: 2, workers: 3, minChunkSeconds: 4 });
    expect(chunks.map((c) => c.segmentCount)).toEqual([3, 2, 2]);
    const timeOffsetSeconds = chunkTimeOffset(30);
    const slices = plan.audio ? await encodeAudioSlices(source, plan, chunks, join(work, 'audio')) : [];
    expect(slices).toHaveLength(3);
    // Each chunk in its own folder, as on its own task.
    const manifests: ChunkManifest[] = [];
    await Promise.all(
      chunks.map(async (chunk) => {
        const dir = join(work, `chunk-${chunk.index}`);
        await encodeHlsChunk(source, plan, dir, chunk, { audio: slices[chunk.index], timeOffsetSeconds });
        const manifest: ChunkManifest = { index: chunk.index, renditions: {} };
        for (const name of renditionNames(plan)) {
          const p = parseMediaPlaylist(await readFile(join(dir, name, RENDITION_PLAYLIST), 'utf8'));
          const segments = await Promise.all(
            p.segments.map(async (s) => ({ ...s, bytes: (await stat(join(dir, name, s.uri))).size })),
          );
          manifest.renditions[name] = { targetDuration: p.targetDuration, ...(p.map && { map: p.map }), segments };
        }
        manifests[chunk.index] = manifest;
      }),
    );
    const record = { chunks, ladder: plan, source: probed, timeOffsetSeconds };
    expect(() => checkManifests(record, manifests, renditionNames(plan))).not.toThrow();

    for (const name of renditionNames(plan)) {
      // The init segments of all chunks are the same bytes, so one (chunk 0's) serves them all.
      const inits = await Promise.all(chunks.map((c) => readFile(join(work, `chunk-${c.index}`, name, 'init.mp4'))));
      for (const init of inits) expect(init.equals(inits[0] as Buffer)).toBe(true);

      // Put together as the bucket holds them: every chunk's segments beside one init, the joined playlist.
      const out = join(work, 'joined', name);
      await mkdir(out, { recursive: true });
      await copyFile(join(work, 'chunk-0', name, 'init.mp4'), join(out, 'init.mp4'));
      for (const c of chunks) {
        const dir = join(work, `chunk-${c.index}`, name);
        for (const f of (await readdir(dir)).filter((f) => f.endsWith('.m4s')))
          await copyFile(join(dir, f), join(out, f));
      }
      const parts = manifests.map((m) => m.renditions[name]).filter((p) => p !== undefined);
      await writeFile(join(out, RENDITION_PLAYLIST), joinedPlaylist(parts, HLS_VERSION.fmp4));

      const ours = parseMediaPlaylist(await readFile(join(out, RENDITION_PLAYLIST), 'utf8'));
      const theirs = parseMediaPlaylist(await readFile(join(single, name, RENDITION_PLAYLIST), 'utf8'));
      expect(ours.ended).toBe(true);
      expect(ours.map).toBe(theirs.map);
      expect(ours.targetDuration).toBe(theirs.targetDuration);
      expect(ours.segments.map((s) => s.uri)).toEqual(theirs.segments.map((s) => s.uri));
      for (const [i, s] of ours.segments.entries()) {
        expect(Math.abs(s.duration - (theirs.segments[i]?.duration ?? 0))).toBeLessThanOrEqual(1 / 30);
      }

      // Video: every frame of the source once, one frame apart, a keyframe at every segment start.
      const video = await packetTimes(out, 'v:0');
      expect(video).toHaveLength(Math.round(probed.durationSeconds * 30));
      for (let i = 1; i < video.length; i++)
        expect((video[i]?.pts ?? 0) - (video[i - 1]?.pts ?? 0)).toBeCloseTo(1 / 30, 3);
      const first = video[0]?.pts ?? 0;
      let start = 0;
      for (const s of ours.segments) {
        expect(
          video.some((p) => p.key && Math.abs(p.pts - first - start) < 0.01),
          `keyframe at ${start}s`,
        ).toBe(true);
        start += s.duration;
      }
      // Audio: one AAC frame (1024 samples at 48 kHz) after another across the chunk boundaries: no gap, no overlap.
      const audio = await packetTimes(out, 'a:0');
      expect(audio.length).toBeGreaterThan(600);
      for (let i = 1; i < audio.length; i++) {
        expect((audio[i]?.pts ?? 0) - (audio[i - 1]?.pts ?? 0)).toBeCloseTo(1024 / 48000, 4);
      }
      // Audio and video start together (within a frame), as in the single-process output.
      expect(Math.abs((audio[0]?.pts ?? 0) - first)).toBeLessThan(1 / 30);
    }
  });
});
