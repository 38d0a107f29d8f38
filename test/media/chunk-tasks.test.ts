/**
 * The chunk-task encode path against the real ffmpeg: each chunk encoded on its own (as separate jobs do, each in
 * its own folder, with its own audio encode, stills and preview frames), the segments put side by side and the
 * playlist joined from the chunks' manifests as the finishing job does — then compared with the single-process
 * output of the same source: segments, timestamps, the decoded audio across the joins, stills and preview frames.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeChunkAudio,
  encodeHls,
  encodeHlsChunk,
  encodeStoryboard,
} from '../../containers/transcoder/src/encode.js';
import { HLS_VERSION } from '../../containers/transcoder/src/ffmpeg/args.js';
import { windowSource } from '../../containers/transcoder/src/options/clip.js';
import { planPreviews } from '../../containers/transcoder/src/preview-frames.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { chunkSide } from '../../containers/transcoder/src/strategies/chunk-publish.js';
import {
  type ChunkManifest,
  checkManifests,
  chunkTimeOffset,
  joinedPlaylist,
  planChunks,
} from '../../lambdas/core/domain/chunks.js';
import { planLadder, renditionNames } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../lambdas/core/domain/playlist.js';
import { PREVIEW_DIR } from '../../lambdas/core/domain/preview-frames.js';
import { planImages, STILLS_DIR, STORYBOARD_IMAGE } from '../../lambdas/core/domain/thumbnails.js';

const exec = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gamma-chunk-tasks-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
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

/** A file's first audio stream decoded to mono 16-bit samples, by way of `pcm`. */
async function monoSamples(file: string, pcm: string): Promise<Int16Array> {
  await exec('ffmpeg', ['-v', 'error', '-y', '-i', file, '-map', '0:a:0', '-ac', '1', '-f', 's16le', pcm]);
  const bytes = await readFile(pcm);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

/** A rendition's audio as a player decodes it (init segment, then every segment): mono 16-bit samples. */
async function decodedAudio(dir: string): Promise<Int16Array> {
  await packetTimes(dir, 'a:0'); // writes joined.mp4
  return monoSamples(join(dir, 'joined.mp4'), join(dir, 'audio.pcm'));
}

/** PSNR in dB of `b` against `a` over samples [from, to). */
function psnr(a: Int16Array, b: Int16Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(to, a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
    n++;
  }
  return 10 * Math.log10((32767 * 32767) / Math.max(sum / Math.max(n, 1), 1e-9));
}

async function imageSize(file: string): Promise<string> {
  const { stdout } = await exec('ffprobe', [
    '-v',
    'error',
    '-of',
    'csv=p=0',
    '-show_entries',
    'stream=width,height',
    file,
  ]);
  return stdout.trim();
}

describe('chunk tasks with real ffmpeg', () => {
  // At 30 fps every segment start is on a frame; at 29.97 none after the first is, so each chunk's first frame comes
  // after its start, by a different share of a frame (the chunk that starts at 26 s a frame later than the one at
  // 34 s: a read timed from its first frame took frame 1019, 34.0006 s, from the next chunk). A file whose clock
  // starts at 1.4 s, as a recorder may leave it: every chunk takes that away as the single pass does. A variable-rate
  // file (30 fps with every seventh frame missing, the one at 2 s among them: 25.7 on average) is resampled to 25 fps,
  // in each chunk from the keyframe before its start, so each keeps the resampled frames the single pass has (read
  // from its start, the chunk at 2 s had no frame for its first moment and took a later one). The offset file's frames
  // sit half a frame off the output's grid: both paths write each at the nearest grid time. A clip from between two
  // frames to between two others keeps in every chunk the single pass's frames, none from its end on.
  it.each([
    { rate: '30', fps: 30, seconds: 13, workers: 3, starts: [0, 2, 10], file: 'source.mp4' },
    { rate: '30000/1001', fps: 30000 / 1001, seconds: 40, workers: 5, starts: [0, 2, 14, 26, 34], file: 'source.mp4' },
    { rate: '25', fps: 25, seconds: 13, workers: 3, starts: [0, 2, 10], file: 'offset.mp4', startsAt: 1.4 },
    {
      rate: '30',
      fps: 25,
      seconds: 13,
      workers: 3,
      starts: [0, 2, 10],
      file: 'variable.mp4',
      drop: 7,
      resampled: true,
    },
    // Every 150th frame missing: 29.77 on average, within 1% of its base rate, so not resampled: encoded at 30 fps,
    // the frame before each gap shown twice, in the single pass and in the chunks alike.
    {
      rate: '30',
      fps: 30,
      seconds: 13,
      workers: 3,
      starts: [0, 2, 10],
      file: 'dropped.mp4',
      drop: 150,
      resampled: false,
    },
    // The fitted tiers' one keyframe per segment, at 29.97: each chunk's keyframes on the source's clock.
    {
      rate: '30000/1001',
      fps: 30000 / 1001,
      seconds: 22,
      workers: 3,
      starts: [0, 2, 14],
      file: 'fitted.mp4',
      fitted: true,
    },
    // A clip of a 29.97 fps file from between two frames to between two others, as a clip of a long asset is encoded
    // on AWS: each chunk keeps the single pass's frames from the clip's start and none from its end on.
    {
      rate: '30000/1001',
      fps: 30000 / 1001,
      seconds: 24,
      workers: 3,
      starts: [0, 2, 14],
      file: 'clipped.mp4',
      clip: { startSeconds: 1.04, endSeconds: 19.51 },
    },
  ])(
    'give the single-process output at $rate fps ($file): same frames at the same times, segments, keyframes, the same audio across the joins, stills and previews',
    async ({ rate, fps, seconds, workers, starts, file, startsAt, drop, resampled, fitted, clip }) => {
      const work = await mkdtemp(join(root, 'case-'));
      const source = join(work, file);
      // A tone, a rising chirp and a high tone: a join that clicks or drifts shows in the decoded samples.
      const audioSource = `aevalsrc=0.4*sin(440*2*PI*t)+0.3*sin(300*2*PI*t*t)+0.1*sin(5000*2*PI*t):s=48000:d=${seconds}`;
      await exec('ffmpeg', [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${rate}:duration=${seconds}`],
        ...['-f', 'lavfi', '-i', audioSource],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '192k'],
        ...(startsAt ? ['-output_ts_offset', String(startsAt)] : []),
        ...(drop ? ['-vf', `select='not(eq(mod(n,${drop}),4))'`, '-fps_mode', 'vfr'] : []),
        source,
      ]);
      const probed = await probe(source);
      expect(probed.audio?.sampleRate).toBe(48000);
      if (startsAt) expect(probed.startSeconds).toBeCloseTo(startsAt, 1); // the AAC priming's 21 ms before it
      const { stdout: counted } = await exec('ffprobe', [
        ...['-v', 'error', '-count_packets', '-select_streams', 'v:0'],
        ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', source],
      ]);
      const sourceFrames = Number(counted.trim());
      // The asset is the clip where there is one (options/clip.ts); its audio reference, the source's from its start.
      const { probe: asset, window } = windowSource(probed, clip ? { clip } : {});
      const sourcePcm = await monoSamples(source, join(work, 'source.pcm'));
      const reference = clip ? sourcePcm.subarray(Math.round(clip.startSeconds * 48000)) : sourcePcm;
      // Segments of 4 s after a first of 2 s: chunk 0 is the short first segment (queue workers), the others on the
      // grid after it.
      const ladder = { ...planLadder(asset, { segmentSeconds: 4, firstSegmentSeconds: 2 }), ...(window && { window }) };
      const plan = fitted ? { ...ladder, keyframeSeconds: ladder.segmentSeconds } : ladder;
      const video = probed.video as NonNullable<typeof probed.video>;
      const single = join(work, 'single');
      const images = planImages(asset.durationSeconds, video);
      const previews = planPreviews(asset, work);
      await encodeHls(source, plan, single, { images, ...(previews && { previews }) });

      const grid = { segmentSeconds: 4, firstSegmentSeconds: 2 };
      const chunks = planChunks(asset.durationSeconds, {
        ...grid,
        workers,
        minChunkSeconds: 4,
        firstChunkSegments: 1,
      });
      expect(chunks.map((c) => c.startSeconds)).toEqual(starts);
      const timeOffsetSeconds = chunkTimeOffset(fps);
      const record = { chunks, ladder: plan, source: asset, timeOffsetSeconds };
      // Each chunk in its own folder, as on its own worker: its own audio, its own stills and preview frames.
      const manifests: ChunkManifest[] = [];
      await Promise.all(
        chunks.map(async (chunk) => {
          const dir = join(work, `chunk-${chunk.index}`);
          const last = chunk.index === chunks.length - 1;
          const audio = await encodeChunkAudio(source, plan, chunk, { last, sourceSampleRate: 48000 }, join(dir, 'a'));
          const side = chunkSide(record, chunk.index, dir);
          await mkdir(join(dir, STILLS_DIR), { recursive: true });
          await mkdir(join(dir, PREVIEW_DIR), { recursive: true });
          await encodeHlsChunk(source, plan, dir, chunk, {
            audio,
            timeOffsetSeconds,
            sourceStartSeconds: probed.startSeconds ?? 0,
            side,
          });
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
      expect(() => checkManifests(record, manifests, renditionNames(plan))).not.toThrow();

      // Stills: the single pass's names, each the same moment (the chunk's own decode of the same frame).
      const singleStills = (await readdir(join(single, STILLS_DIR))).sort();
      const chunkStills = (
        await Promise.all(chunks.map((c) => readdir(join(work, `chunk-${c.index}`, STILLS_DIR))))
      ).flat();
      expect(chunkStills.sort()).toEqual(singleStills);
      const joinedImages = join(work, 'joined-images');
      await mkdir(join(joinedImages, STILLS_DIR), { recursive: true });
      for (const c of chunks) {
        for (const f of await readdir(join(work, `chunk-${c.index}`, STILLS_DIR)))
          await copyFile(join(work, `chunk-${c.index}`, STILLS_DIR, f), join(joinedImages, STILLS_DIR, f));
      }
      for (const f of singleStills) {
        const { stderr } = await exec('ffmpeg', [
          ...['-v', 'info', '-i', join(single, STILLS_DIR, f), '-i', join(joinedImages, STILLS_DIR, f)],
          ...['-lavfi', 'psnr', '-f', 'null', '-'],
        ]);
        const db = Number(/average:([\d.]+|inf)/.exec(stderr)?.[1]?.replace('inf', '99'));
        expect(db, `still ${f}`).toBeGreaterThan(40);
      }
      // The storyboard from the stills: the single pass's size, and its VTT.
      await encodeStoryboard(joinedImages, images, asset.durationSeconds);
      expect(await imageSize(join(joinedImages, STORYBOARD_IMAGE))).toBe(
        await imageSize(join(single, STORYBOARD_IMAGE)),
      );
      // Preview frames: as many as the single pass cut, each chunk on sheets of its own from its planned first sheet.
      const singleFrames = (await readFile(join(work, 'previews.crc'), 'utf8'))
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
      const chunkFrames = await Promise.all(
        chunks.map(async (c) => {
          const side = chunkSide(record, c.index, join(work, `chunk-${c.index}`));
          const list = await readFile(side.previews?.frameList ?? '', 'utf8');
          const sheets = await readdir(join(work, `chunk-${c.index}`, PREVIEW_DIR));
          expect(sheets.sort()[0]).toBe(`${String(side.previews?.firstSheet).padStart(5, '0')}.jpg`);
          return list.split('\n').filter((l) => l && !l.startsWith('#'));
        }),
      );
      // Each the single pass's frame (the same picture: its checksum, the last column). Where the preview rate is
      // above the source's (30 from 29.97) a frame is shown twice every 1000; at an exact tie the chunk's
      // microsecond clock may show the twice-shown frame's neighbour twice instead: one frame apart, no more.
      const checksums = (lines: string[]) => lines.map((l) => l.split(',').at(-1)?.trim());
      const joinedFrames = checksums(chunkFrames.flat());
      const theirFrames = checksums(singleFrames);
      expect(joinedFrames).toHaveLength(theirFrames.length);
      const moved = joinedFrames.flatMap((c, i) => (c === theirFrames[i] ? [] : [i]));
      expect(moved.length).toBeLessThanOrEqual(Math.ceil(theirFrames.length / 1000));
      for (const i of moved) expect([theirFrames[i - 1], theirFrames[i + 1]]).toContain(joinedFrames[i]);

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
          expect(Math.abs(s.duration - (theirs.segments[i]?.duration ?? 0)), s.uri).toBeLessThan(1e-3);
        }

        // Video: the single pass's frames at the single pass's times (from the first), one frame apart, a keyframe at
        // every segment start.
        const video = await packetTimes(out, 'v:0');
        const singleVideo = await packetTimes(join(single, name), 'v:0');
        const fromFirst = (packets: { pts: number }[]) =>
          packets.map((p) => (p.pts - (packets[0]?.pts ?? 0)).toFixed(4));
        // The single pass's frames at the single pass's times: every frame of the source once, or resampled. (Where
        // the file's frames sit between the output's frame times, as in the offset file here, ffmpeg's constant-rate
        // output has one frame more than the source: both paths put the frames on the same grid.)
        expect(fromFirst(video)).toEqual(fromFirst(singleVideo));
        // The rate planned is the rate written (the base rate, not the dropped file's 29.77 average).
        expect(plan.video?.fps).toBeCloseTo(fps, 6);
        if (drop) expect(plan.video?.resampleFrameRate).toBe(resampled);
        // The clip's frames are the source's from 1.04 s to before 19.51 s (frames 32–584: 553), the first shown
        // twice: it is 0.83 of a frame after the clip's start, nearer the second frame time, so the encoder repeats it
        // at the first (as it does for the offset file's frames).
        else if (clip) expect(video.length).toBe(585 - 32 + 1);
        else expect(video.length - sourceFrames).toBe(startsAt ? 1 : 0);
        for (let i = 1; i < video.length; i++)
          expect((video[i]?.pts ?? 0) - (video[i - 1]?.pts ?? 0)).toBeCloseTo(1 / fps, 3);
        const first = video[0]?.pts ?? 0;
        const keys = (packets: { pts: number; key: boolean }[]) => fromFirst(packets).filter((_, i) => packets[i]?.key);
        expect(keys(video)).toEqual(
          keys(singleVideo).filter((t) => Number(t) < (video.at(-1)?.pts ?? 0) - first + 1e-3),
        );
        let start = 0;
        for (const s of ours.segments) {
          expect(
            video.some((p) => p.key && Math.abs(p.pts - first - start) < 0.01),
            `keyframe at ${start}s`,
          ).toBe(true);
          start += s.duration;
        }
        // Audio: one AAC frame (1024 samples at 48 kHz) after another across the chunk boundaries: no gap, no overlap;
        // as many frames as the single pass, within one (the last chunk's encoder flush).
        const audio = await packetTimes(out, 'a:0');
        const singleAudio = await packetTimes(join(single, name), 'a:0');
        expect(Math.abs(audio.length - singleAudio.length)).toBeLessThanOrEqual(1);
        for (let i = 1; i < audio.length; i++) {
          expect((audio[i]?.pts ?? 0) - (audio[i - 1]?.pts ?? 0)).toBeCloseTo(1024 / 48000, 4);
        }
        // Audio and video start together (within a frame), as in the single-process output.
        expect(Math.abs((audio[0]?.pts ?? 0) - first)).toBeLessThanOrEqual(1 / fps + 1e-6);
        // Decoded: the chunks' audio is the single pass's (the first chunk bit for bit; later ones from encoders that
        // started 5 s earlier, whose state differs a little: about as far from the codec's own error on this signal,
        // ~43 dB against the source), and no join clicks — around each, the error against the source is within 3 dB
        // of the single pass's there (a click, or the encoder's fresh start, costs 5–15 dB). fMP4 segments keep the
        // encoder's priming: decoded sample i + 1024 is source sample i.
        const ourPcm = await decodedAudio(out);
        const theirPcm = await decodedAudio(join(single, name));
        const primed = (pcm: Int16Array) => pcm.subarray(1024);
        expect(psnr(theirPcm, ourPcm, 0, 6 * 48000)).toBeGreaterThan(90);
        expect(psnr(theirPcm, ourPcm, 0, theirPcm.length - 2048)).toBeGreaterThan(30);
        expect(psnr(reference, primed(theirPcm), 0, reference.length - 2048)).toBeGreaterThan(15);
        for (const c of chunks.slice(1)) {
          const at = Math.round(c.startSeconds * 48000);
          const around = (pcm: Int16Array) => psnr(reference, primed(pcm), at - 2048, at + 2048);
          // And the half second after it, where an encoder whose state has not caught up differs most (with 3 s of
          // pre-roll: 15 dB worse than the single pass after the join at 26 s).
          const justAfter = (pcm: Int16Array) => psnr(reference, primed(pcm), at + 4096, at + 24000);
          expect(around(ourPcm), `join at ${c.startSeconds}s`).toBeGreaterThan(around(theirPcm) - 3);
          expect(justAfter(ourPcm), `after the join at ${c.startSeconds}s`).toBeGreaterThan(justAfter(theirPcm) - 3);
        }
      }
    },
  );
});
