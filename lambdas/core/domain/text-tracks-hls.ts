/**
 * A text track as an HLS subtitle rendition (RFC 8216 §3.5, Apple's HLS authoring specification): a VOD media
 * playlist of WebVTT segments cut on the same boundaries as the asset's video segments, so a player fetches the
 * subtitles of exactly the stretch it is playing, and so an instant clip (which trims every rendition playlist to
 * the same segments) trims the subtitles too. Where the files live in the asset's folder is here as well. Pure.
 */
import { InvalidInputError } from './errors.js';
import { type Cue, cueBlock, formatTimestamp, TEXT_TRACK_LIMITS } from './text-tracks.js';

/** The rendition's folder, relative to the asset's folder: `text/{trackId}/`. */
export const textTrackFolder = (trackId: string) => `text/${trackId}`;
/** The media playlist of the rendition, relative to the asset's folder. */
export const textTrackPlaylist = (trackId: string) => `${textTrackFolder(trackId)}/index.m3u8`;
/** The whole file as WebVTT, relative to the asset's folder (what `/{playbackId}/text/{trackId}.vtt` serves). */
export const textTrackFile = (trackId: string) => `${textTrackFolder(trackId)}/full.vtt`;
export const textSegmentName = (index: number) => `seg_${String(index).padStart(5, '0')}.vtt`;

/** MPEG-2 TS's clock: X-TIMESTAMP-MAP names media time in 90 kHz ticks. */
const TICKS_PER_SECOND = 90_000;

export interface SegmentedTextTrack {
  /** The media playlist (relative segment URIs). */
  playlist: string;
  segments: { name: string; body: string }[];
}

/**
 * Cuts `cues` into one WebVTT segment per video segment (`segmentDurations`, in order, as the video's rendition
 * playlist lists them). A cue that spans a boundary is written into every segment it overlaps, with its own times,
 * as RFC 8216 §3.5 allows: players drop the repeats.
 *
 * Every segment starts with `X-TIMESTAMP-MAP=MPEGTS:<m>,LOCAL:00:00:00.000` (RFC 8216 §3.5, required by Apple's
 * authoring specification), tying cue time 0 to media time `m` in 90 kHz ticks. For fMP4 renditions that is the
 * media's own presentation timeline: Gamma's segments start at 0 (ffmpeg's HLS muxer writes a first decode time of
 * 0), so `mediaStartSeconds` defaults to 0; a source with an offset timeline passes its first presentation time.
 */
export function segmentTextTrack(
  cues: readonly Cue[],
  segmentDurations: readonly number[],
  options: { mediaStartSeconds?: number } = {},
): SegmentedTextTrack {
  if (segmentDurations.length === 0 || segmentDurations.some((d) => !(d > 0))) {
    throw new Error('A text track is cut along the video segments: at least one, each of positive duration');
  }
  const mpegts = Math.round((options.mediaStartSeconds ?? 0) * TICKS_PER_SECOND);
  const header = `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${mpegts},LOCAL:${formatTimestamp(0)}\n`;
  const inside = cuesBySegment(cues, segmentDurations);
  const segments = inside.map((blocks, index) => ({
    name: textSegmentName(index),
    body: `${header}${blocks.map((b) => `\n${b}\n`).join('')}`,
  }));
  const targetDuration = Math.max(...segmentDurations.map((d) => Math.ceil(d - 1e-3)));
  const playlist = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${targetDuration}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    ...segments.flatMap((s, i) => [`#EXTINF:${(segmentDurations[i] ?? 0).toFixed(3)},`, s.name]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
  return { playlist, segments };
}

/**
 * Each segment's cue blocks, in file order. A cue goes into every segment it overlaps, the last segment also
 * taking cues after the media ends (a file a little longer than the video: nothing lost). Found by binary search
 * per cue, and the repeats counted before any string is built: a hostile file of long cues that each span the
 * whole asset would otherwise be copied into every segment (4 MB × 21,600 segments of a 12-hour asset), so the
 * repeated text is held to SEGMENTED_BYTES and the file refused past it.
 */
function cuesBySegment(cues: readonly Cue[], durations: readonly number[]): string[][] {
  const starts: number[] = [];
  let t = 0;
  for (const d of durations) {
    starts.push(t);
    t += d;
  }
  const ends = starts.map((s, i) => (i === starts.length - 1 ? Number.POSITIVE_INFINITY : s + (durations[i] ?? 0)));
  // First segment whose end is after `time`; last segment whose start is before `time`.
  const firstEndingAfter = (time: number) => search(ends.length, (i) => (ends[i] ?? 0) > time);
  const lastStartingBefore = (time: number) => search(starts.length, (i) => (starts[i] ?? 0) >= time) - 1;
  const spans = cues.map((c) => ({
    block: cueBlock(c),
    from: firstEndingAfter(c.start),
    to: lastStartingBefore(c.end),
  }));
  const bytes = spans.reduce((n, s) => n + Math.max(0, s.to - s.from + 1) * (s.block.length + 2), 0);
  if (bytes > SEGMENTED_BYTES) {
    throw new InvalidInputError(
      `The file cannot be cut into segments: the cues, repeated in each video segment they span, come to more than ${SEGMENTED_BYTES} bytes`,
    );
  }
  const out: string[][] = durations.map(() => []);
  for (const { block, from, to } of spans) for (let i = from; i <= to; i++) out[i]?.push(block);
  return out;
}

/** The most cue text all segments together may repeat: four times the largest file accepted. */
export const SEGMENTED_BYTES = 4 * TEXT_TRACK_LIMITS.maxBytes;

/** The first index in [0, n) where `pred` holds (`pred` false then true along the range), or n. */
function search(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
