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
  // More is to come (the rest of the encode, or the later chunks): a player that saw the end mark would stop here.
  // A finished (VOD) playlist keeps it: it is the final one.
  const event = /^#EXT-X-PLAYLIST-TYPE:EVENT$/m.test(text);
  const open = event ? text.replace(/^#EXT-X-ENDLIST\n?/m, '') : text;
  if (open.includes('#EXT-X-START:')) return open;
  return open.replace(/^#EXT-X-PLAYLIST-TYPE:EVENT$/m, '$&\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES');
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

/** One `EXT-X-STREAM-INF` of a stored master playlist: its attributes as written, its URI, and what filters read. */
export interface StreamVariant {
  attributes: string;
  uri: string;
  bandwidth: number;
  /** From `RESOLUTION`; absent for audio-only variants. */
  resolution?: { width: number; height: number };
}

/** The variants of a master playlist as the transcoder wrote it (`masterPlaylist`), and its EXT-X-VERSION. */
export function parseMasterPlaylist(text: string): { version: number; variants: StreamVariant[] } {
  let version = 1;
  let pending: string | undefined;
  const variants: StreamVariant[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (line.startsWith('#EXT-X-VERSION:')) version = Number(line.slice('#EXT-X-VERSION:'.length)) || 1;
    else if (line.startsWith('#EXT-X-STREAM-INF:')) pending = line.slice('#EXT-X-STREAM-INF:'.length);
    else if (line !== '' && !line.startsWith('#') && pending !== undefined) {
      const size = /(?:^|,)RESOLUTION=(\d+)x(\d+)/.exec(pending);
      variants.push({
        attributes: pending,
        uri: line,
        bandwidth: Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(pending)?.[1] ?? 0),
        ...(size && { resolution: { width: Number(size[1]), height: Number(size[2]) } }),
      });
      pending = undefined;
    }
  }
  return { version, variants };
}

/** A subtitles rendition (`EXT-X-MEDIA:TYPE=SUBTITLES`), one per ready text track. */
export interface SubtitleRendition {
  uri: string;
  language: string;
  name: string;
  default: boolean;
  /** SDH: described to players as transcribing dialog and describing music and sound (Apple's authoring spec). */
  closedCaptions: boolean;
}

/** An audio rendition (`EXT-X-MEDIA:TYPE=AUDIO`): without `uri`, the audio muxed into the variants. */
export interface AudioRendition {
  uri?: string;
  language?: string;
  name: string;
  default: boolean;
}

export const SUBTITLES_GROUP = 'subs';
export const AUDIO_GROUP = 'audio';

/** Apple's HLS authoring spec: the CHARACTERISTICS of a subtitles rendition that is closed captions (SDH). */
const SDH_CHARACTERISTICS =
  'public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound';

const quoted = (value: string) => `"${value.replace(/["\r\n]/g, "'")}"`;

/**
 * A master playlist over `variants` with their SUBTITLES and AUDIO groups (RFC 8216 §4.3.4.1). Every variant names
 * the groups; with subtitles it also says `CLOSED-CAPTIONS=NONE` (its video carries no CEA-608 captions), as Apple's
 * authoring spec asks, so players do not offer an empty captions choice. `backupUri` lists each variant a second
 * time under another URI with identical attributes: HLS redundant streams, which players fail over between.
 */
export function composeMasterPlaylist(input: {
  version: number;
  variants: readonly StreamVariant[];
  subtitles: readonly SubtitleRendition[];
  audio: readonly AudioRendition[];
  backupUri?: (uri: string) => string;
}): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${input.version}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const a of input.audio) {
    const attributes = [
      'TYPE=AUDIO',
      `GROUP-ID=${quoted(AUDIO_GROUP)}`,
      `NAME=${quoted(a.name)}`,
      ...(a.language ? [`LANGUAGE=${quoted(a.language)}`] : []),
      `DEFAULT=${a.default ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      ...(a.uri ? [`URI=${quoted(a.uri)}`] : []),
    ];
    lines.push(`#EXT-X-MEDIA:${attributes.join(',')}`);
  }
  for (const s of input.subtitles) {
    const attributes = [
      'TYPE=SUBTITLES',
      `GROUP-ID=${quoted(SUBTITLES_GROUP)}`,
      `NAME=${quoted(s.name)}`,
      `LANGUAGE=${quoted(s.language)}`,
      `DEFAULT=${s.default ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      'FORCED=NO',
      ...(s.closedCaptions ? [`CHARACTERISTICS=${quoted(SDH_CHARACTERISTICS)}`] : []),
      `URI=${quoted(s.uri)}`,
    ];
    lines.push(`#EXT-X-MEDIA:${attributes.join(',')}`);
  }
  const groups = [
    ...(input.audio.length > 0 ? [`AUDIO=${quoted(AUDIO_GROUP)}`] : []),
    ...(input.subtitles.length > 0 ? [`SUBTITLES=${quoted(SUBTITLES_GROUP)}`, 'CLOSED-CAPTIONS=NONE'] : []),
  ];
  const streamInf = (v: StreamVariant) => `#EXT-X-STREAM-INF:${[v.attributes, ...groups].join(',')}`;
  for (const v of input.variants) lines.push(streamInf(v), v.uri);
  if (input.backupUri) for (const v of input.variants) lines.push(streamInf(v), input.backupUri(v.uri));
  return `${lines.join('\n')}\n`;
}

/**
 * A media playlist trimmed to the segments that overlap `[start, end)` seconds (instant clipping): whole segments,
 * so a clip starts at the segment boundary at or before `start` and ends at the one at or after `end`. The
 * media sequence number moves with the first segment kept. Undefined when no segment is left.
 */
export function trimMediaPlaylist(text: string, window: { start?: number; end?: number }): string | undefined {
  const start = window.start ?? 0;
  const end = window.end ?? Number.POSITIVE_INFINITY;
  const out: string[] = [];
  let at = 0;
  let index = 0;
  let skipped = 0;
  let kept = 0;
  let pending: string[] = [];
  let duration: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) {
      duration = Number.parseFloat(line.slice('#EXTINF:'.length));
      pending.push(line);
    } else if (duration !== undefined && line.trim() !== '' && !line.startsWith('#')) {
      const keep = at < end && at + duration > start;
      if (keep) out.push(...pending, line);
      if (keep) kept++;
      else if (kept === 0) skipped++;
      at += duration;
      index++;
      pending = [];
      duration = undefined;
    } else if (duration !== undefined) pending.push(line);
    else out.push(line);
  }
  if (kept === 0 || index === 0) return undefined;
  return out
    .map((line) =>
      line.startsWith('#EXT-X-MEDIA-SEQUENCE:')
        ? `#EXT-X-MEDIA-SEQUENCE:${Number(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length)) + skipped}`
        : line,
    )
    .join('\n');
}
