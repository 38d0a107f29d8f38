/**
 * The joiner of ffmpeg's pieces (containers/transcoder/src/segment-join.ts): which piece goes to which segment, and
 * the files and playlist it leaves as a pass runs while ffmpeg writes and once it is done.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinPieces, pieceGroups } from '../../containers/transcoder/src/segment-join.js';
import { parseMediaPlaylist } from '../../lambdas/core/domain/playlist.js';

const BASIC = { firstCutSeconds: 2, segmentSeconds: 6, keyframeSeconds: 2 };

describe('pieceGroups', () => {
  it('puts each piece in the segment it starts in: a short first segment, then whole ones', () => {
    // 29.97 fps: keyframes at the first frame past each 2 s (60 or 61 frames apart).
    const pieces = [2.002, 2.002, 2.002, 2.002, 2.035, 1.969, 2.002, 1];
    expect(pieceGroups(pieces, BASIC)).toEqual([0, 1, 1, 1, 2, 2, 2, 3]);
    // A later chunk: its first cut a whole segment in.
    expect(pieceGroups([2, 2, 2, 2, 1], { ...BASIC, firstCutSeconds: 6 })).toEqual([0, 0, 0, 1, 1]);
    // One keyframe per segment: each piece is a segment.
    expect(pieceGroups([2, 6, 6, 3], { ...BASIC, keyframeSeconds: 6 })).toEqual([0, 1, 2, 3]);
  });

  it('times pieces from the first packet: a first frame after the encoder’s zero puts the cuts a little earlier', () => {
    // The first frame 33 ms after the zero the keyframes are forced from: every piece starts 33 ms before its cut
    // on ffmpeg's clock, the first one short.
    expect(pieceGroups([1.969, 2, 2, 2, 2, 2, 2, 0.5], BASIC)).toEqual([0, 1, 1, 1, 2, 2, 2, 3]);
    expect(pieceGroups([5.967, 6, 6], { ...BASIC, keyframeSeconds: 6, firstCutSeconds: 6 })).toEqual([0, 1, 2]);
  });
});

describe('joinPieces', () => {
  let dir: string;
  beforeEach(async () => {
    written.clear();
    dir = await mkdtemp(join(tmpdir(), 'gamma-join-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** ffmpeg's playlist after `count` pieces of 2 s (the last `last` s), each new piece's bytes its number. */
  const written = new Set<number>();
  async function ffmpegWrote(count: number, ended: boolean, last = 2) {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
    lines.push('#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MAP:URI="init.mp4"');
    for (let i = 0; i < count; i++) {
      const name = `piece_${String(i).padStart(5, '0')}.m4s`;
      if (!written.has(i)) await writeFile(join(dir, name), String(i));
      written.add(i);
      lines.push(`#EXTINF:${(i === count - 1 ? last : 2).toFixed(6)},`, name);
    }
    if (ended) lines.push('#EXT-X-ENDLIST');
    await writeFile(join(dir, 'pieces.m3u8'), `${lines.join('\n')}\n`);
  }
  const playlist = async () => parseMediaPlaylist(await readFile(join(dir, 'index.m3u8'), 'utf8'));

  it('joins the segments that are whole while ffmpeg writes, then the rest, numbered from the first segment', async () => {
    await ffmpegWrote(1, false);
    await joinPieces(dir, { cuts: BASIC, firstSegment: 4, final: false });
    // Piece 0 reaches the first cut: segment 4 is whole, before the next piece is written.
    expect((await playlist()).segments).toEqual([{ uri: 'segment_004.m4s', duration: 2 }]);
    expect(await readFile(join(dir, 'segment_004.m4s'), 'utf8')).toBe('0');
    await ffmpegWrote(3, false);
    await joinPieces(dir, { cuts: BASIC, firstSegment: 4, final: false });
    // Pieces 1–2 (segment 5, 4 of its 6 s): not yet whole.
    expect((await playlist()).segments).toEqual([{ uri: 'segment_004.m4s', duration: 2 }]);

    await ffmpegWrote(6, true, 1.5);
    await joinPieces(dir, { cuts: BASIC, firstSegment: 4, final: true });
    const done = await playlist();
    expect(done.segments).toEqual([
      { uri: 'segment_004.m4s', duration: 2 },
      { uri: 'segment_005.m4s', duration: 6 },
      { uri: 'segment_006.m4s', duration: 3.5 },
    ]);
    expect(done.ended).toBe(true);
    expect(done.targetDuration).toBe(6);
    expect(done.map).toBe('init.mp4');
    // A segment is its pieces' bytes in order; the pieces and ffmpeg's playlist are gone.
    expect(await readFile(join(dir, 'segment_005.m4s'), 'utf8')).toBe('123');
    expect(await readFile(join(dir, 'segment_006.m4s'), 'utf8')).toBe('45');
    expect((await readdir(dir)).sort()).toEqual([
      'index.m3u8',
      'segment_004.m4s',
      'segment_005.m4s',
      'segment_006.m4s',
    ]);
    expect(await readFile(join(dir, 'index.m3u8'), 'utf8')).toContain('#EXT-X-MEDIA-SEQUENCE:4');

    // A publisher's pass after the end finds nothing to do and leaves the playlist as it is.
    const before = await readFile(join(dir, 'index.m3u8'), 'utf8');
    await joinPieces(dir, { cuts: BASIC, firstSegment: 4, final: false });
    expect(await readFile(join(dir, 'index.m3u8'), 'utf8')).toBe(before);
  });

  it('joins pieces past the last segment allowed into it', async () => {
    await ffmpegWrote(5, true, 0.02);
    await joinPieces(dir, { cuts: BASIC, firstSegment: 0, final: true, maxSegments: 2 });
    expect((await playlist()).segments).toEqual([
      { uri: 'segment_000.m4s', duration: 2 },
      { uri: 'segment_001.m4s', duration: 6.02 },
    ]);
  });

  it('runs the calls on one folder one at a time', async () => {
    await ffmpegWrote(7, true);
    await Promise.all([
      joinPieces(dir, { cuts: BASIC, firstSegment: 0, final: false }),
      joinPieces(dir, { cuts: BASIC, firstSegment: 0, final: true }),
      joinPieces(dir, { cuts: BASIC, firstSegment: 0, final: false }),
    ]);
    expect((await playlist()).segments.map((s) => s.uri)).toEqual([
      'segment_000.m4s',
      'segment_001.m4s',
      'segment_002.m4s',
    ]);
    expect(await readFile(join(dir, 'segment_002.m4s'), 'utf8')).toBe('456');
  });
});
