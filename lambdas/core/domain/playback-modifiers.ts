/**
 * Mux's playback modifiers (https://docs.mux.com/guides/modify-playback-behavior): options of
 * `/{playbackId}.m3u8` that change the master playlist a viewer gets — in the query for a `public` playback id, in
 * the token's claims for a `signed` one (so the viewer cannot change what the signer chose). Pure.
 */

/** Mux's `max_resolution` values, named by the short side of the frame (so portrait video is judged the same). */
const MAX_RESOLUTIONS = ['270p', '360p', '480p', '540p', '720p', '1080p', '1440p', '2160p'] as const;
const MIN_RESOLUTIONS = ['480p', '540p', '720p', '1080p', '1440p', '2160p'] as const;

/** Instant clipping: the rendition playlists trimmed to these asset times (seconds). */
export const CLIP_PARAMETERS = ['asset_start_time', 'asset_end_time'] as const;

/**
 * Not a modifier: a version of the master playlist's text tracks the dashboard names (web/src/config.ts
 * `playbackUrl`), so the player it rebuilds after a track change misses the browser's and the distribution's cached
 * copy (`max-age=10`). The function ignores its value; the distribution keys its cache on it.
 */
export const TRACKS_VERSION_PARAMETER = 'tracks_version';

/** Every modifier the playback function reads: the distribution's cache key for master playlists includes them. */
export const PLAYBACK_MODIFIERS = [
  'max_resolution',
  'min_resolution',
  'rendition_order',
  'default_subtitles_lang',
  'redundant_streams',
  'roku_trick_play',
  ...CLIP_PARAMETERS,
] as const;

export interface PlaybackModifiers {
  /** Highest short side (pixels) a variant may have. */
  maxHeight?: number;
  /** Lowest short side (pixels) a variant may have. */
  minHeight?: number;
  /** `desc`: highest bit rate first. Absent: the stored order, lowest first. */
  renditionOrder?: 'desc';
  /** The subtitles language made DEFAULT (BCP 47, canonicalised). */
  defaultSubtitlesLang?: string;
  redundantStreams: boolean;
  clip?: ClipWindow;
}

export interface ClipWindow {
  start?: number;
  end?: number;
}

export type ModifiersCheck = { ok: true; value: PlaybackModifiers } | { ok: false; messages: string[] };

const pixels = (resolution: string) => Number.parseInt(resolution, 10);

/**
 * Reads the modifiers from a query or from token claims (where JSON numbers and booleans are as good as their text).
 * Every bad value is named; names that are not modifiers are left alone (the token's own claims, cache busters).
 */
export function parsePlaybackModifiers(source: Readonly<Record<string, unknown>>): ModifiersCheck {
  const messages: string[] = [];
  const text = (name: string) => {
    const value = source[name];
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    messages.push(`${name}: must be one of ${allowed.join(', ')}`);
    return undefined;
  };
  const max = oneOf('max_resolution', MAX_RESOLUTIONS);
  const min = oneOf('min_resolution', MIN_RESOLUTIONS);
  if (max && min && pixels(min) > pixels(max)) messages.push('min_resolution: must not be above max_resolution');
  const order = oneOf('rendition_order', ['desc'] as const);
  const redundant = oneOf('redundant_streams', ['true', 'false'] as const);
  // Roku's trick-play image playlists are not made by this deployment: refused rather than silently left out.
  if (oneOf('roku_trick_play', ['true', 'false'] as const) === 'true') {
    messages.push('roku_trick_play: is not supported by this deployment (no Roku image playlists are made)');
  }
  const lang = text('default_subtitles_lang');
  const canonical = lang === undefined ? undefined : canonicalLanguage(lang);
  if (lang !== undefined && !canonical) messages.push('default_subtitles_lang: must be a BCP 47 language code');
  const clip = clipWindow(source, messages);
  if (messages.length > 0) return { ok: false, messages };
  return {
    ok: true,
    value: {
      ...(max && { maxHeight: pixels(max) }),
      ...(min && { minHeight: pixels(min) }),
      ...(order && { renditionOrder: order }),
      ...(canonical && { defaultSubtitlesLang: canonical }),
      redundantStreams: redundant === 'true',
      ...(clip && { clip }),
    },
  };
}

/** `asset_start_time` / `asset_end_time`: non-negative seconds, the end after the start. */
export function clipWindow(source: Readonly<Record<string, unknown>>, messages: string[]): ClipWindow | undefined {
  const read = (name: (typeof CLIP_PARAMETERS)[number]) => {
    const value = source[name];
    if (value === undefined || value === null) return undefined;
    const number =
      typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(number) || number < 0) {
      messages.push(`${name}: must be a number of seconds, 0 or more`);
      return undefined;
    }
    return number;
  };
  const start = read('asset_start_time');
  const end = read('asset_end_time');
  if (start !== undefined && end !== undefined && end <= start) {
    messages.push('asset_end_time: must be after asset_start_time');
  }
  if (start === undefined && end === undefined) return undefined;
  return { ...(start !== undefined && { start }), ...(end !== undefined && { end }) };
}

/** The clip as the query its rendition URIs carry (`asset_start_time=2&asset_end_time=6`), empty without one. */
export function clipQuery(clip: ClipWindow | undefined): string {
  if (!clip) return '';
  const params = new URLSearchParams();
  if (clip.start !== undefined) params.set('asset_start_time', String(clip.start));
  if (clip.end !== undefined) params.set('asset_end_time', String(clip.end));
  return params.toString();
}

/** A BCP 47 tag in its canonical case (`en-us` → `en-US`), or undefined when it is not one. */
export function canonicalLanguage(tag: string): string | undefined {
  if (tag.length === 0 || tag.length > 35) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** True when a track's language answers a requested one: the same tag, or the request names only its language. */
export function languageMatches(track: string, requested: string): boolean {
  const a = track.toLowerCase();
  const b = requested.toLowerCase();
  return a === b || a.split('-')[0] === b;
}
