/**
 * Joins ffmpeg's pieces into the plan's segments. ffmpeg's HLS muxer cuts at the first keyframe past each multiple
 * of `-hls_time`, so it cannot cut a short first segment and longer ones after it while `basic` keeps a keyframe
 * every 2 s between the cuts. It cuts at every keyframe instead (`pieces.m3u8`, ffmpeg/args.ts `hlsOutputArgs`), and
 * this writes each segment as the bytes of its pieces in order — a media segment may hold several fMP4 fragments, or
 * several runs of TS packets — and the rendition's playlist (`index.m3u8`) as ffmpeg would have written it.
 *
 * Idempotent and incremental: a call joins the segments whose pieces are all written (they reach the segment's end,
 * or ffmpeg has ended: `final`) and not yet joined, and removes their pieces; the fast-start publisher calls
 * it on every pass while ffmpeg runs, the encoders once when it is done. Calls on one folder run one at a time.
 */
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../../lambdas/core/domain/playlist.js';
import { withOutputFile } from './buffer-pool.js';
import { PIECES_PLAYLIST, type SegmentCuts } from './ffmpeg/args.js';

export interface JoinOptions {
  /** Where the encode's segments are cut, from its first frame. */
  cuts: SegmentCuts;
  /** The number of the encode's first segment (a chunk's `firstSegment`; 0 for the whole source). */
  firstSegment: number;
  /** ffmpeg has ended: the last segment is whole. */
  final: boolean;
  /** At most this many segments: pieces past the last join it (an audio track a frame longer than the video). */
  maxSegments?: number;
}

const queues = new Map<string, Promise<void>>();
/**
 * Segments already joined per folder, so a pass does not look at them again: each encode writes into a fresh
 * folder, joined by this process only, and the count goes when its final join is done (or a join fails).
 */
const joined = new Map<string, number>();

/** Joins the pieces in the rendition folder `dir` that make whole segments (see the module's comment). */
export function joinPieces(dir: string, options: JoinOptions): Promise<void> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous.then(() => joinNow(dir, options));
  // After a failed join the files, not the count, say what is joined.
  const settled = next.catch(() => void joined.delete(dir));
  queues.set(dir, settled);
  void settled.then(() => queues.get(dir) === settled && queues.delete(dir));
  return next;
}

/**
 * How far a piece's start may sit from the keyframe time it was cut at: ffmpeg times pieces from the output's first
 * packet, which can come a frame or so after the encoder's zero where the keyframes are forced (a chunk's first frame
 * after its seek point, a video that starts after its audio). Pieces are cut at least `pieceSeconds` × 2 apart, so
 * half of that tells a piece on a cut from one a keyframe later.
 */
const slack = (cuts: SegmentCuts) => Math.min(cuts.keyframeSeconds, cuts.firstCutSeconds) / 2;

/** The end of segment `g` (counted from the encode's first), from the encode's start. */
const cutAfter = (cuts: SegmentCuts, g: number) => cuts.firstCutSeconds + g * cuts.segmentSeconds;

/** The segment (counted from the encode's first) each piece belongs to, from the pieces' durations. Pure. */
export function pieceGroups(durations: readonly number[], cuts: SegmentCuts): number[] {
  const tolerance = slack(cuts);
  let at = 0;
  return durations.map((duration) => {
    const from = at + tolerance;
    const segment =
      from < cuts.firstCutSeconds ? 0 : 1 + Math.floor((from - cuts.firstCutSeconds) / cuts.segmentSeconds);
    at += duration;
    return segment;
  });
}

async function joinNow(dir: string, { cuts, firstSegment, final, maxSegments }: JoinOptions): Promise<void> {
  const text = await readFile(join(dir, PIECES_PLAYLIST), 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const pieces = parseMediaPlaylist(text).segments;
  const cap = (maxSegments ?? Number.POSITIVE_INFINITY) - 1;
  const groups: (typeof pieces)[] = [];
  pieceGroups(
    pieces.map((p) => p.duration),
    cuts,
  ).forEach((g, i) => {
    const group = Math.min(g, cap);
    groups[group] = [...(groups[group] ?? []), pieces[i] as (typeof pieces)[number]];
  });
  const last = groups.length - 1;
  // The last segment is whole once its pieces reach its end (the next piece starts on the cut), or ffmpeg ended.
  const written = pieces.reduce((sum, p) => sum + p.duration, 0);
  const ended = text.includes('#EXT-X-ENDLIST');
  const reachesCut = written + slack(cuts) >= cutAfter(cuts, last);
  const whole = final || ended || reachesCut ? last : last - 1;
  const segments: { uri: string; duration: number }[] = [];
  const done = joined.get(dir) ?? 0;
  for (let g = 0; g <= whole; g++) {
    const parts = groups[g] ?? [];
    if (parts.length === 0) continue; // no keyframe in it: a picture slower than one a segment
    const uri = `segment_${String(firstSegment + g).padStart(3, '0')}${extname(parts[0]?.uri ?? '')}`;
    segments.push({ uri, duration: parts.reduce((sum, p) => sum + p.duration, 0) });
    if (g < done) continue;
    if (!(await exists(join(dir, uri)))) {
      await concatenate(
        parts.map((p) => join(dir, p.uri)),
        join(dir, `${uri}.part`),
      );
      await rename(join(dir, `${uri}.part`), join(dir, uri));
    }
    await Promise.all(parts.map((p) => rm(join(dir, p.uri), { force: true })));
    joined.set(dir, g + 1);
  }
  const playlist = joinedText(text, segments, { firstSegment, ended: whole === last && ended, cuts });
  await writeFile(join(dir, `${RENDITION_PLAYLIST}.part`), playlist);
  await rename(join(dir, `${RENDITION_PLAYLIST}.part`), join(dir, RENDITION_PLAYLIST));
  // Joined for good: a later call (a publisher's pass) finds nothing to do, and leaves the encoder's final playlist.
  if (final) {
    await rm(join(dir, PIECES_PLAYLIST), { force: true });
    joined.delete(dir);
  }
}

/** Writes the bytes of ffmpeg's `files` in order to `to`, a file at a time (buffer-pool.ts `withOutputFile`). */
async function concatenate(files: readonly string[], to: string): Promise<void> {
  const out = await open(to, 'w');
  try {
    for (const file of files) {
      await withOutputFile(file, (bytes) => out.writeFile(bytes));
    }
  } finally {
    await out.close();
  }
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * The rendition's playlist: ffmpeg's header lines (version, type, independent segments, init segment) with the
 * segments' first number and a target duration that never changes as segments are added (the segment length, or a
 * longer last one), the joined segments, and the end mark once ffmpeg wrote it.
 */
function joinedText(
  pieces: string,
  segments: readonly { uri: string; duration: number }[],
  at: { firstSegment: number; ended: boolean; cuts: SegmentCuts },
): string {
  const firstSegmentLine = pieces.search(/^#EXTINF/m);
  const header = pieces
    .slice(0, firstSegmentLine < 0 ? pieces.length : firstSegmentLine)
    .split('\n')
    .filter((line) => line !== '' && line !== '#EXT-X-ENDLIST');
  const target = Math.max(Math.round(at.cuts.segmentSeconds), ...segments.map((s) => Math.round(s.duration)));
  const lines = header.map((line) => {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) return `#EXT-X-TARGETDURATION:${target}`;
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) return `#EXT-X-MEDIA-SEQUENCE:${at.firstSegment}`;
    return line;
  });
  for (const s of segments) lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  if (at.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
