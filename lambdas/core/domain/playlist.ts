/**
 * HLS playlists (RFC 8216): the master playlist the transcoder writes over its renditions, and the few facts it
 * reads back from the media playlists ffmpeg wrote. Pure: no SDK, no I/O.
 */
import type { LadderPlan, VideoRung } from './ladder.js';

/** A rendition's media playlist, relative to its folder. */
export const RENDITION_PLAYLIST = 'index.m3u8';

/** URI of a rendition's media playlist, relative to the master playlist. */
export const variantUri = (rendition: string) => `${rendition}/${RENDITION_PLAYLIST}`;

export interface Variant {
  uri: string;
  /** Peak segment bit rate, bit/s. */
  bandwidth: number;
  /** Average segment bit rate, bit/s. */
  averageBandwidth: number;
  codecs: string;
  /** Absent for audio-only variants. */
  video?: { width: number; height: number; frameRate: number };
}

/** The master playlist over `variants`, in the order given. `version` is the media playlists' EXT-X-VERSION. */
export function masterPlaylist(variants: readonly Variant[], version: number): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${version}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) lines.push(`#EXT-X-STREAM-INF:${streamInfAttributes(v)}`, v.uri);
  return `${lines.join('\n')}\n`;
}

function streamInfAttributes(v: Variant): string {
  const attributes = [
    `BANDWIDTH=${v.bandwidth}`,
    `AVERAGE-BANDWIDTH=${v.averageBandwidth}`,
    `CODECS="${v.codecs}"`,
    ...(v.video ? [`RESOLUTION=${v.video.width}x${v.video.height}`, `FRAME-RATE=${v.video.frameRate.toFixed(3)}`] : []),
  ];
  return attributes.join(',');
}

const PROFILE_IDC: Record<VideoRung['profile'], number> = { high: 100 };
const hexByte = (n: number) => n.toString(16).padStart(2, '0');

/** The RFC 6381 codec string of a rung ("avc1.64001f" for High 3.1), with AAC-LC when it carries audio. */
export function codecsFor(rung: VideoRung | undefined, hasAudio: boolean): string {
  const video = rung && `avc1.${hexByte(PROFILE_IDC[rung.profile])}00${hexByte(rung.level)}`;
  return [video, hasAudio && 'mp4a.40.2'].filter(Boolean).join(',');
}

export interface MediaSegment {
  uri: string;
  duration: number;
}

export interface MediaPlaylist {
  targetDuration: number;
  /** The fMP4 initialization segment (`EXT-X-MAP`), absent for MPEG-TS. */
  map?: string;
  segments: MediaSegment[];
  /** True once `EXT-X-ENDLIST` closes the playlist. */
  ended: boolean;
}

/** The target duration and segments of a media playlist (the subset of RFC 8216 that ffmpeg's VOD output uses). */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  let targetDuration = 0;
  let map: string | undefined;
  let ended = false;
  let pendingDuration: number | undefined;
  const segments: MediaSegment[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(line.indexOf(':') + 1));
    else if (line.startsWith('#EXT-X-MAP:')) map = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (line.startsWith('#EXTINF:')) pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line !== '' && !line.startsWith('#') && pendingDuration !== undefined) {
      segments.push({ uri: line, duration: pendingDuration });
      pendingDuration = undefined;
    }
  }
  return { targetDuration, ...(map && { map }), segments, ended };
}

/**
 * A media playlist still being written (ffmpeg's `EVENT` playlist, segments appended as they are finished) as it is
 * published for fast start: players are told to start at the beginning, not at the live edge.
 */
export function provisionalPlaylist(text: string): string {
  if (text.includes('#EXT-X-START:')) return text;
  return text.replace(/^#EXT-X-PLAYLIST-TYPE:EVENT$/m, '$&\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES');
}

/** The finished playlist as a VOD playlist: same segments, marked as never changing again. */
export const vodPlaylist = (text: string) => text.replace(/^#EXT-X-PLAYLIST-TYPE:EVENT$/m, '#EXT-X-PLAYLIST-TYPE:VOD');

/**
 * A rendition's variant entry from its plan alone, before any segment exists (the provisional master of fast
 * start): the peak is the rung's VBV max rate, the average its target rate, each plus the audio.
 */
export function plannedVariant(plan: LadderPlan, name: string): Variant {
  const rung = plan.video?.rungs.find((r) => r.name === name);
  const audioKbps = plan.audio?.kbps ?? 0;
  return {
    uri: variantUri(name),
    bandwidth: ((rung?.maxrateKbps ?? 0) + audioKbps) * 1000,
    averageBandwidth: ((rung?.videoKbps ?? 0) + audioKbps) * 1000,
    codecs: codecsFor(rung, plan.audio !== undefined),
    ...(rung && plan.video && { video: { width: rung.width, height: rung.height, frameRate: plan.video.fps } }),
  };
}

export interface SizedSegment {
  duration: number;
  bytes: number;
}

/**
 * RFC 8216 §4.3.4.2: the average segment bit rate (all bytes over all seconds), and the peak segment bit rate —
 * the highest bit rate of any run of consecutive segments lasting 0.5 to 1.5 target durations (the average when
 * the whole stream is shorter than that).
 */
export function segmentBitRates(
  segments: readonly SizedSegment[],
  targetDuration: number,
): { peak: number; average: number } {
  const average = bitRate(segments);
  let peak = 0;
  for (let start = 0; start < segments.length; start++) {
    let duration = 0;
    for (let end = start; end < segments.length; end++) {
      duration += segments[end]?.duration ?? 0;
      if (duration > 1.5 * targetDuration) break;
      if (duration >= 0.5 * targetDuration) peak = Math.max(peak, bitRate(segments.slice(start, end + 1)));
    }
  }
  return { peak: Math.max(peak, average), average };
}

function bitRate(segments: readonly SizedSegment[]): number {
  const bytes = segments.reduce((sum, s) => sum + s.bytes, 0);
  const seconds = segments.reduce((sum, s) => sum + s.duration, 0);
  return seconds > 0 ? Math.ceil((bytes * 8) / seconds) : 0;
}
