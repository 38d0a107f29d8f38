import { describe, expect, it } from 'vitest';
import {
  AUDIO_POSTROLL_FRAMES,
  AUDIO_PREROLL_SECONDS,
  AUDIO_PRIME_SECONDS,
  alignToKeyframes,
  type ChunkManifest,
  type ChunkPlanRecord,
  checkManifests,
  chunkAudioWindow,
  chunkImages,
  chunkTimeOffset,
  joinedPlaylist,
  keyframeProbeTimes,
  planChunks,
  seekLeadSeconds,
  seeksByIndex,
  videoRunsToEnd,
} from '../../lambdas/core/domain/chunks.js';
import { planLadder, segmentCount } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist } from '../../lambdas/core/domain/playlist.js';

describe('seeksByIndex', () => {
  it('holds for indexed containers, not for MPEG transport or program streams (a seek there can land a GOP late)', () => {
    const file = (container_format: string) => ({ file: { container_format, tracks: [] } });
    expect(seeksByIndex(file('mov,mp4,m4a,3gp,3g2,mj2'))).toBe(true);
    expect(seeksByIndex(file('matroska,webm'))).toBe(true);
    expect(seeksByIndex({})).toBe(true);
    expect(seeksByIndex(file('mpegts'))).toBe(false);
    expect(seeksByIndex(file('mpeg'))).toBe(false);
  });
});

describe('alignToKeyframes', () => {
  // The bench's plan: 60 s in a 2 s first segment then 6 s ones; chunk 0 the first segment, then 24, 18 and 16 s.
  const grid = { segmentSeconds: 6, firstSegmentSeconds: 2 };
  const plan = planChunks(60, { ...grid, workers: 4, minChunkSeconds: 12, firstChunkSegments: 1 });
  const starts = (chunks: { startSeconds: number }[]) => chunks.map((c) => c.startSeconds);
  /** Keyframes every `gop` seconds from 0. */
  const every = (gop: number) => (t: number) => Math.floor(t / gop + 1e-9) * gop;

  it('asks for the keyframes at each later boundary and a segment either side, never at chunk 1’s start', () => {
    expect(starts(plan)).toEqual([0, 2, 26, 44]);
    expect(keyframeProbeTimes(plan, grid, 60)).toEqual([20, 26, 32, 38, 44, 50]);
    expect(keyframeProbeTimes(plan.slice(0, 2), grid, 60)).toEqual([]);
  });

  it('moves a boundary a segment to a keyframe when that saves at least a second of decode', () => {
    // x264's default 250-frame GOP at 30 fps: 44 s is 2.3 s past the keyframe at 41.7, 50 s is on one.
    const aligned = alignToKeyframes(plan, grid, 60, every(250 / 30));
    expect(starts(aligned)).toEqual([0, 2, 26, 50]);
    expect(aligned.map((c) => [c.firstSegment, c.segmentCount, c.durationSeconds])).toEqual([
      [0, 1, 2],
      [1, 4, 24],
      [5, 4, 24],
      [9, 2, 10],
    ]);
    expect(aligned.reduce((n, c) => n + c.segmentCount, 0)).toBe(segmentCount(60, grid));
  });

  it('leaves the plan as it is for short GOPs, unknown keyframes or savings under a second', () => {
    expect(alignToKeyframes(plan, grid, 60, every(1))).toEqual(plan);
    expect(alignToKeyframes(plan, grid, 60, () => undefined)).toEqual(plan);
    // 44 s is 0.9 s past a keyframe, 50 s on one: not worth a longer chunk.
    const near = (t: number) => (t >= 50 ? 50 : t >= 43.1 ? 43.1 : every(250 / 30)(t));
    expect(starts(alignToKeyframes(plan, grid, 60, near))).toEqual([0, 2, 26, 44]);
    // A keyframe reported after the time asked is not believed.
    expect(alignToKeyframes(plan, grid, 60, (t) => t + 1)).toEqual(plan);
  });

  it('never empties a chunk: a boundary stays after the one before it and before the one after it', () => {
    const tight = planChunks(26, { ...grid, workers: 4, minChunkSeconds: 6, firstChunkSegments: 1 });
    expect(tight.map((c) => c.segmentCount)).toEqual([1, 2, 1, 1]);
    // Keyframes only at 0 and 20: the boundary at 14 s cannot take 20 (the next one's), so it takes 8 (8 s of decode
    // rather than 14).
    const aligned = alignToKeyframes(tight, grid, 26, (t) => (t >= 20 ? 20 : 0));
    expect(starts(aligned)).toEqual([0, 2, 8, 20]);
    expect(aligned.map((c) => c.segmentCount)).toEqual([1, 1, 2, 1]);
  });

  it('never makes a chunk longer than the runtime takes on', () => {
    // Moving 44 s to 50 would make the chunk from 26 s 24 s long: over a 20 s limit, so it stays.
    expect(starts(alignToKeyframes(plan, grid, 60, every(250 / 30), 20))).toEqual([0, 2, 26, 44]);
    expect(starts(alignToKeyframes(plan, grid, 60, every(250 / 30), 24))).toEqual([0, 2, 26, 50]);
  });
});

describe('where chunks can cut', () => {
  const file = (container_format: string, tracks: { type: 'video' | 'audio'; duration?: number }[] = []) => ({
    file: { container_format, tracks },
  });

  it('looks up keyframes 3/23 s early where ffmpeg seeks that early (no seeking by presentation time)', () => {
    expect(seekLeadSeconds(file('mov,mp4,m4a,3gp,3g2,mj2'))).toBe(0);
    expect(seekLeadSeconds(file('matroska,webm'))).toBeCloseTo(3 / 23, 9);
  });

  it('chunks only a source whose video runs to within a segment of its end (or whose track lengths are unknown)', () => {
    const grid = { segmentSeconds: 6 };
    const source = (video?: number) => ({
      durationSeconds: 40,
      ...file('matroska,webm', [{ type: 'video', ...(video !== undefined && { duration: video }) }]),
    });
    expect(videoRunsToEnd(source(40), grid)).toBe(true);
    expect(videoRunsToEnd(source(35), grid)).toBe(true);
    expect(videoRunsToEnd(source(33), grid)).toBe(false);
    expect(videoRunsToEnd(source(), grid)).toBe(true);
    // A clip from 10 s for 20 s needs the video to 24 s at least.
    expect(videoRunsToEnd({ ...source(25), durationSeconds: 20 }, grid, 10)).toBe(true);
    expect(videoRunsToEnd({ ...source(23), durationSeconds: 20 }, grid, 10)).toBe(false);
  });
});

describe('planChunks', () => {
  it('cuts on segment boundaries into at most one chunk per worker, as even as whole segments allow', () => {
    const chunks = planChunks(600, { segmentSeconds: 6, workers: 16 });
    expect(chunks).toHaveLength(16);
    // 100 segments over 16 chunks: four chunks of 7 segments, then twelve of 6.
    expect(chunks.map((c) => c.segmentCount)).toEqual([7, 7, 7, 7, ...Array(12).fill(6)]);
    for (const [i, c] of chunks.entries()) {
      expect(c.startSeconds % 6).toBe(0);
      expect(c.startSeconds).toBe(c.firstSegment * 6);
      const next = chunks[i + 1];
      if (next) expect(c.startSeconds + c.durationSeconds).toBe(next.startSeconds);
    }
    expect(chunks.reduce((sum, c) => sum + c.durationSeconds, 0)).toBe(600);
  });

  it('lets the last chunk run to the end of the source, short segment included', () => {
    const chunks = planChunks(62.5, { segmentSeconds: 6, workers: 4 });
    expect(segmentCount(62.5, { segmentSeconds: 6 })).toBe(11);
    expect(chunks.map((c) => [c.startSeconds, c.durationSeconds, c.segmentCount])).toEqual([
      [0, 18, 3],
      [18, 18, 3],
      [36, 18, 3],
      [54, 8.5, 2],
    ]);
  });

  it('cuts on the grid of a short first segment: chunk 0 is that segment, later chunks start a segment apart', () => {
    const grid = { segmentSeconds: 6, firstSegmentSeconds: 2 };
    expect(segmentCount(62.5, grid)).toBe(12); // 2, then ten of 6, then 0.5
    expect(segmentCount(2, grid)).toBe(1);
    expect(segmentCount(2.5, grid)).toBe(2);
    const chunks = planChunks(62.5, { ...grid, workers: 4, minChunkSeconds: 12, firstChunkSegments: 1 });
    expect(chunks.map((c) => [c.startSeconds, c.durationSeconds, c.firstSegment, c.segmentCount])).toEqual([
      [0, 2, 0, 1],
      [2, 24, 1, 4],
      [26, 24, 5, 4],
      [50, 12.5, 9, 3],
    ]);
    // Without a short first chunk, chunk 0 holds the short segment and the ones after it.
    expect(planChunks(62.5, { ...grid, workers: 2 }).map((c) => [c.startSeconds, c.segmentCount])).toEqual([
      [0, 6],
      [32, 6],
    ]);
  });

  it('does not make chunks shorter than the minimum, nor more chunks than workers', () => {
    expect(planChunks(600, { segmentSeconds: 6, workers: 64 })).toHaveLength(50);
    expect(planChunks(600, { segmentSeconds: 6, workers: 64, minChunkSeconds: 30 })).toHaveLength(20);
    expect(planChunks(20, { segmentSeconds: 6, workers: 8 }).map((c) => c.segmentCount)).toEqual([2, 2]);
    expect(planChunks(11, { segmentSeconds: 6, workers: 8 })).toHaveLength(1);
    expect(planChunks(600, { segmentSeconds: 6, workers: 1 })).toEqual([
      { index: 0, startSeconds: 0, durationSeconds: 600, firstSegment: 0, segmentCount: 100 },
    ]);
  });

  it('gives a short first chunk and shares the rest among the other workers, down to the minimum chunk', () => {
    const sizes = (seconds: number, workers: number) =>
      planChunks(seconds, { segmentSeconds: 6, workers, firstChunkSegments: 1 }).map((c) => c.segmentCount);
    // 10 minutes, 32 workers: one segment, then 99 over 31 workers (six of 4 segments, 25 of 3).
    expect(sizes(600, 32)).toEqual([1, ...Array(6).fill(4), ...Array(25).fill(3)]);
    // 256 workers: the rest in chunks of the minimum (two segments), 49 of them, the first taking the odd one.
    expect(sizes(600, 256)).toEqual([1, 3, ...Array(48).fill(2)]);
    expect(sizes(36, 4)).toEqual([1, 3, 2]);
    expect(sizes(600, 1)).toEqual([100]);
    expect(sizes(12, 8)).toEqual([2]); // too short for a second chunk of the minimum
    const chunks = planChunks(62.5, { segmentSeconds: 6, workers: 3, firstChunkSegments: 1 });
    expect(chunks.map((c) => [c.startSeconds, c.durationSeconds])).toEqual([
      [0, 6],
      [6, 30],
      [36, 26.5],
    ]);
    expect(() => planChunks(60, { segmentSeconds: 6, workers: 2, firstChunkSegments: 0 })).toThrow(/≥ 1/);
  });

  it('refuses a source without duration', () => {
    expect(() => planChunks(0, { segmentSeconds: 6, workers: 2 })).toThrow(/positive/);
  });
});

describe('chunkTimeOffset', () => {
  it('is a whole number of frames, at least four and at least a second', () => {
    expect(chunkTimeOffset(30)).toBe(1);
    expect(chunkTimeOffset(30000 / 1001)).toBeCloseTo(1.001, 6);
    expect(chunkTimeOffset(2)).toBe(2); // four frames at 2 fps
    expect(chunkTimeOffset(60) * 60).toBe(60);
  });
});

const segment = (n: number, duration = 6) => ({
  uri: `segment_${String(n).padStart(3, '0')}.m4s`,
  duration,
  bytes: 1000,
});
const manifest = (index: number, first: number, count: number, last?: number): ChunkManifest => ({
  index,
  renditions: {
    '360p': {
      targetDuration: 6,
      map: 'init.mp4',
      segments: Array.from({ length: count }, (_, i) =>
        segment(first + i, i === count - 1 && last !== undefined ? last : 6),
      ),
    },
  },
});

describe('joinedPlaylist', () => {
  it('lists every chunk’s segments in order under one header, as one VOD playlist', () => {
    const text = joinedPlaylist(
      [manifest(0, 0, 2), manifest(1, 2, 2, 2.5)].map(
        (m) => m.renditions['360p'] as ChunkManifest['renditions'][string],
      ),
      7,
    );
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:6',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:6.000000,',
        'segment_000.m4s',
        '#EXTINF:6.000000,',
        'segment_001.m4s',
        '#EXTINF:6.000000,',
        'segment_002.m4s',
        '#EXTINF:2.500000,',
        'segment_003.m4s',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
    const parsed = parseMediaPlaylist(text);
    expect(parsed).toMatchObject({ targetDuration: 6, map: 'init.mp4', ended: true });
    expect(parsed.segments.map((s) => s.duration)).toEqual([6, 6, 6, 2.5]);
  });
});

describe('checkManifests', () => {
  const ladder = planLadder({
    durationSeconds: 27,
    video: { width: 640, height: 360, fps: 30 },
    audio: { channels: 2 },
  });
  const plan: ChunkPlanRecord = {
    chunks: planChunks(27, { segmentSeconds: 6, workers: 2 }),
    ladder,
    source: { durationSeconds: 27, video: { width: 640, height: 360, fps: 30 }, audio: { channels: 2 } },
    timeOffsetSeconds: 1,
  };

  it('accepts one manifest per chunk with its planned segments (the last chunk as the source ends)', () => {
    expect(plan.chunks.map((c) => c.segmentCount)).toEqual([3, 2]);
    expect(() => checkManifests(plan, [manifest(0, 0, 3), manifest(1, 3, 2, 3)], ['360p'])).not.toThrow();
  });

  it('refuses a missing chunk or a chunk short of segments, naming it', () => {
    expect(() => checkManifests(plan, [manifest(1, 3, 2)], ['360p'])).toThrow(/Chunk 0 has no manifest/);
    expect(() => checkManifests(plan, [manifest(0, 0, 2), manifest(1, 3, 2)], ['360p'])).toThrow(
      /Chunk 0 wrote 2 360p segments, planned 3/,
    );
    expect(() => checkManifests(plan, [manifest(0, 0, 3), manifest(1, 3, 2)], ['360p', '480p'])).toThrow(/480p/);
  });
});

describe('chunkAudioWindow', () => {
  const at48k = { output: 48000 };
  it('starts the encode 5 s before the chunk on the 1024-sample grid and keeps exactly the packets of its chunk', () => {
    const w = chunkAudioWindow({ startSeconds: 6, durationSeconds: 4 }, false, at48k);
    // The first packet at or after 6 s is 282 (6 × 48000 / 1024 = 281.25); 235 frames (5 s) of pre-roll.
    expect(w.readFromSeconds).toBeCloseTo((47 * 1024) / 48000, 9);
    expect((w.readFromSeconds * 48000) / 1024).toBeCloseTo(47, 9);
    expect(w.keepFromSeconds).toBeCloseTo(((282 - 47) * 1024 - 512) / 48000, 9);
    // The next chunk's first packet (at 10 s: 469) is where this one stops keeping; 8 frames of post-roll read.
    expect(w.keepToSeconds).toBeCloseTo(((469 - 47) * 1024 - 512) / 48000, 9);
    expect((w.readFromSeconds + (w.readSeconds ?? 0)) * 48000).toBeCloseTo((469 + AUDIO_POSTROLL_FRAMES) * 1024, 3);
    // The slice's times count from the chunk's start, as the chunk's mux reads them.
    expect(w.shiftSeconds).toBeCloseTo(w.keepFromSeconds - (6 - w.readFromSeconds), 9);
    // A seek's first decoded samples are wrong: 0.1 s at least (5 frames) are decoded before the read and dropped.
    expect(w.primeSeconds).toBeGreaterThanOrEqual(AUDIO_PRIME_SECONDS);
    expect(w.primeSeconds).toBeCloseTo((5 * 1024) / 48000, 9);
  });

  it('shifts by exactly nothing where the keep point falls on the chunk start (12 s at 48 kHz: packet 562.5 + ½)', () => {
    expect(chunkAudioWindow({ startSeconds: 12, durationSeconds: 12 }, false, at48k).shiftSeconds).toBe(0);
  });

  it('partitions the grid: a chunk keeps up to where the next one starts keeping', () => {
    const chunks = planChunks(127.3, { segmentSeconds: 6, workers: 7, minChunkSeconds: 12 });
    for (const [i, c] of chunks.entries()) {
      const next = chunks[i + 1];
      const w = chunkAudioWindow(c, next === undefined, at48k);
      if (!next) {
        expect(w.keepToSeconds).toBeUndefined();
        continue;
      }
      const n = chunkAudioWindow(next, false, at48k);
      expect(w.readFromSeconds + (w.keepToSeconds ?? 0)).toBeCloseTo(n.readFromSeconds + n.keepFromSeconds, 9);
    }
  });

  it('the first chunk keeps everything from the start; a resampled source starts on a whole input sample', () => {
    expect(chunkAudioWindow({ startSeconds: 0, durationSeconds: 6 }, false, at48k)).toMatchObject({
      readFromSeconds: 0,
      primeSeconds: 0,
      keepFromSeconds: 0,
      shiftSeconds: 0,
    });
    const w = chunkAudioWindow({ startSeconds: 30, durationSeconds: 6 }, false, { output: 48000, source: 44100 });
    // Both where the decode starts and where the kept samples start are whole input samples (44.1 → 48 kHz: every
    // fifth frame), so the resampler is in the same phase.
    for (const at of [w.readFromSeconds, w.readFromSeconds - w.primeSeconds]) {
      const inputSamples = at * 44100;
      expect(Math.abs(inputSamples - Math.round(inputSamples))).toBeLessThan(1e-6);
    }
    expect(w.primeSeconds).toBeCloseTo((5 * 1024) / 48000, 9);
    expect(w.readFromSeconds).toBeLessThanOrEqual(30 - AUDIO_PREROLL_SECONDS);
  });
});

describe('chunkImages', () => {
  const chunks = planChunks(40, { segmentSeconds: 6, workers: 4, minChunkSeconds: 6, firstChunkSegments: 1 });
  const plan = { stillIntervalSeconds: 1, stillCount: 40, previewFps: 15, previewFrames: 600, sheetFrames: 30 };
  it('gives every still and preview frame to exactly one chunk, each chunk on sheets of its own', () => {
    const shares = chunks.map((c) => chunkImages(chunks, c.index, plan));
    expect(shares.reduce((n, s) => n + s.stills, 0)).toBe(40);
    expect(shares.reduce((n, s) => n + s.previewFrames, 0)).toBe(600);
    for (const [i, s] of shares.entries()) {
      const next = shares[i + 1];
      if (!next) continue;
      expect(next.firstStill).toBe(s.firstStill + s.stills);
      expect(next.firstPreviewFrame).toBe(s.firstPreviewFrame + s.previewFrames);
      expect(next.firstPreviewSheet).toBe(s.firstPreviewSheet + Math.ceil(s.previewFrames / 30));
    }
    // Chunk 0 is one 6 s segment: stills 0–5, frames 0–89 on sheets 0–2.
    expect(shares[0]).toEqual({
      firstStill: 0,
      stills: 6,
      firstPreviewFrame: 0,
      previewFrames: 90,
      firstPreviewSheet: 0,
    });
  });

  it('a long source: stills every few seconds, owned by the chunk their moment falls in', () => {
    const long = planChunks(700, { segmentSeconds: 6, workers: 32, minChunkSeconds: 12, firstChunkSegments: 1 });
    const p = { stillIntervalSeconds: 7, stillCount: 100, previewFps: 25, previewFrames: 17500, sheetFrames: 30 };
    const shares = long.map((c) => chunkImages(long, c.index, p));
    expect(shares.reduce((n, s) => n + s.stills, 0)).toBe(100);
    expect(shares[0]).toMatchObject({ firstStill: 0, stills: 1 }); // 0 s; 7 s is past the first segment
    expect(shares[1]?.firstStill).toBe(1);
  });
});
