/**
 * A text track as an HLS subtitle rendition (RFC 8216 §3.5, Apple's HLS authoring specification): a VOD media
 * playlist of WebVTT segments cut on the same boundaries as the asset's video segments, so a player fetches the
 * subtitles of exactly the stretch it is playing, and so an instant clip (which trims every rendition playlist to
 * the same segments) trims the subtitles too. Where the files live in the asset's folder is here as well. Pure.
 */
import { type Cue, cueBlock, formatTimestamp } from './text-tracks.js';

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
  const segments: SegmentedTextTrack['segments'] = [];
  let start = 0;
  segmentDurations.forEach((duration, index) => {
    const last = index === segmentDurations.length - 1;
    const end = start + duration;
    // The last segment also carries cues after the media ends (a file a little longer than the video): nothing lost.
    const inside = cues.filter((c) => c.start < (last ? Number.POSITIVE_INFINITY : end) && c.end > start);
    segments.push({
      name: textSegmentName(index),
      body: `${header}${inside.map((c) => `\n${cueBlock(c)}\n`).join('')}`,
    });
    start = end;
  });
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
