/**
 * Alternate audio tracks of an asset (Mux's multi-track audio): the stored record, its states, its Mux shape (an
 * entry of the asset's `tracks`), where its HLS rendition lives, and the AUDIO group of the master playlist. The
 * primary audio (muxed into every video variant) is part of that group too, under the language and name the first
 * input gave it, or "Default" with no language as Mux names it. Stored as a map keyed by track id on the asset's
 * item (`audio_tracks`), each track written on its own with a guarded condition, as text tracks are. Pure.
 */
import type { AudioRendition } from './playlist.js';

export const AUDIO_TRACK_STATUSES = ['preparing', 'ready', 'errored'] as const;
export type AudioTrackStatus = (typeof AUDIO_TRACK_STATUSES)[number];

/** For each target state, the states it may be entered from (a track is deleted by removing it). */
export const AUDIO_TRACK_TRANSITIONS: Record<Exclude<AudioTrackStatus, 'preparing'>, readonly AudioTrackStatus[]> = {
  ready: ['preparing'],
  errored: ['preparing'],
};

/**
 * What a client may delete: a settled track. One still `preparing` has its task running; deleting it would let
 * add/delete in a loop start any number of tasks on one asset (the track limit counts only the tracks kept).
 */
export const AUDIO_TRACK_DELETABLE: readonly AudioTrackStatus[] = ['ready', 'errored'];

/** Every limit on the work one audio track can cause. */
export const AUDIO_TRACK_LIMITS = {
  /** Alternate tracks per asset: each is a rendition every viewer's master playlist lists. */
  maxTracks: 8,
  /** Bytes of one audio file fetched at most (about 2 hours of 256 kbit/s audio). */
  maxBytes: 256 * 1024 * 1024,
  /** The whole fetch, however slowly it trickles. */
  fetchDeadlineMs: 10 * 60_000,
} as const;

/** Mux's name of a primary audio track whose input named neither language nor name. */
export const DEFAULT_AUDIO_NAME = 'Default';

export interface AudioTrackRecord {
  id: string;
  type: 'audio';
  language_code: string;
  name: string;
  passthrough?: string;
  status: AudioTrackStatus;
  /** Why the file could not be used (Mux's track `error`). */
  error?: { type: string; messages: string[] };
  /**
   * Set once encoded, as the primary audio reports them: seconds of the rendition (at most the asset's) and the
   * channels of the file's audio (at most 2; a mono file is 1, though its rendition is stereo).
   */
  duration?: number;
  max_channels?: number;
  /** Unix milliseconds: tracks are listed (and offered) in the order they were added. */
  created_at: number;
  /** Where the file is fetched from (not part of Mux's shape). */
  source_url: string;
}

export type AudioTrackMap = Record<string, AudioTrackRecord>;

/** The language and name of the asset's primary audio, as its first input gave them (Mux's `inputs[0]`). */
export interface PrimaryAudio {
  language_code?: string;
  name: string;
}

/** The rendition's folder, relative to the asset's folder: `audio/{trackId}/`. */
export const audioTrackFolder = (trackId: string) => `audio/${trackId}`;
/** The media playlist of the rendition, relative to the asset's folder. */
export const audioTrackPlaylist = (trackId: string) => `${audioTrackFolder(trackId)}/index.m3u8`;

/** The asset's alternate audio tracks, oldest first. */
export function audioTracksOf(asset: { audio_tracks?: AudioTrackMap }): AudioTrackRecord[] {
  return Object.values(asset.audio_tracks ?? {}).sort(
    (a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id),
  );
}

/** An alternate audio track as Mux's API shows it in an asset's `tracks`. */
export function toMuxAudioTrack(t: AudioTrackRecord) {
  return {
    id: t.id,
    type: t.type,
    primary: false,
    language_code: t.language_code,
    name: t.name,
    ...(t.passthrough !== undefined && { passthrough: t.passthrough }),
    status: t.status,
    ...(t.duration !== undefined && { duration: t.duration }),
    ...(t.max_channels !== undefined && { max_channels: t.max_channels }),
    ...(t.error && { error: t.error }),
  };
}

/**
 * The AUDIO renditions of the master playlist once the asset has a ready alternate track: the primary audio first
 * (no URI: it is the audio muxed into the variants; DEFAULT, so players start with it), then each ready track in
 * the order added. None when there is no ready alternate track: the master stays as the transcoder wrote it.
 */
export function audioRenditions(asset: {
  audio_tracks?: AudioTrackMap;
  primary_audio?: PrimaryAudio;
}): AudioRendition[] {
  const ready = audioTracksOf(asset).filter((t) => t.status === 'ready');
  if (ready.length === 0) return [];
  const primary = asset.primary_audio ?? { name: DEFAULT_AUDIO_NAME };
  return [
    { name: primary.name, ...(primary.language_code && { language: primary.language_code }), default: true },
    ...ready.map((t) => ({ uri: audioTrackPlaylist(t.id), language: t.language_code, name: t.name, default: false })),
  ];
}
