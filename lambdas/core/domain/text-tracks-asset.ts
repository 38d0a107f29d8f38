/**
 * Text tracks on an asset: the stored record, its states and transitions, its Mux shape (an entry of the asset's
 * `tracks`) and the subtitle renditions the master playlist lists (its `video.asset.track.*` events: track-events.ts).
 * Stored as a map keyed by track id on the asset's item (`text_tracks`), so each track is written on its
 * own with a guarded condition and never by rewriting a list another writer may be changing. Pure.
 */
import type { SubtitleRendition } from './playlist.js';
import { textTrackPlaylist } from './text-tracks-hls.js';

export const TEXT_TRACK_STATUSES = ['preparing', 'ready', 'errored'] as const;
export type TextTrackStatus = (typeof TEXT_TRACK_STATUSES)[number];

/** For each target state, the states it may be entered from (a track is deleted by removing it). */
export const TEXT_TRACK_TRANSITIONS: Record<Exclude<TextTrackStatus, 'preparing'>, readonly TextTrackStatus[]> = {
  ready: ['preparing'],
  errored: ['preparing'],
};

/** At most this many text tracks per asset: each is a rendition in every master playlist. */
export const MAX_TEXT_TRACKS = 32;

export interface TextTrackRecord {
  id: string;
  type: 'text';
  text_type: 'subtitles';
  /** `generated_vod`: transcribed from the asset's audio (generated-subtitles.ts). */
  text_source: 'uploaded' | 'generated_vod';
  language_code: string;
  name: string;
  closed_captions: boolean;
  passthrough?: string;
  status: TextTrackStatus;
  /** Why the file was refused (Mux's track `error`). */
  error?: { type: string; messages: string[] };
  /** Unix milliseconds: tracks are listed in the order they were added. */
  created_at: number;
  /** Where the file was fetched from (an uploaded track; not part of Mux's shape). */
  source_url?: string;
  /** A generated track's transcription (not part of Mux's shape). */
  generation?: TrackGeneration;
}

/** What a generated track's transcription was asked for, kept so its completion event can finish it. */
export interface TrackGeneration {
  job: string;
  /** The language asked for: a Mux code, or `auto`. */
  language: string;
  media: { bucket: string; key: string };
  output: { bucket: string; prefix: string };
  /** The audio track transcribed (Mux's TRACK_ID of generate-subtitles; the primary one for an input's). */
  audio_track_id?: string;
  /** An input's `transcription_vocabulary_ids`: read when the transcription starts, once the asset is ready. */
  vocabulary_ids?: string[];
}

export type TextTrackMap = Record<string, TextTrackRecord>;

/** The asset's text tracks, oldest first. */
export function textTracksOf(asset: { text_tracks?: TextTrackMap }): TextTrackRecord[] {
  return Object.values(asset.text_tracks ?? {}).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}

/** A text track as Mux's API shows it in an asset's `tracks` and in the create/update responses. */
export function toMuxTextTrack(t: TextTrackRecord) {
  return {
    id: t.id,
    type: t.type,
    text_type: t.text_type,
    text_source: t.text_source,
    language_code: t.language_code,
    name: t.name,
    closed_captions: t.closed_captions,
    ...(t.passthrough !== undefined && { passthrough: t.passthrough }),
    status: t.status,
    ...(t.error && { error: t.error }),
  };
}

export type MuxTextTrack = ReturnType<typeof toMuxTextTrack>;

/** Mux fills in `name` from the language when none is given: "English" for `en`, "French (Canada)" for `fr-CA`. */
export function defaultTrackName(languageCode: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(languageCode) ?? languageCode;
  } catch {
    return languageCode;
  }
}

/**
 * The SUBTITLES renditions of the master playlist: one per ready track. None is DEFAULT unless the viewer asked for
 * a language (`default_subtitles_lang`): the first track of that language is, so players show it from the start.
 */
export function subtitleRenditions(
  asset: { text_tracks?: TextTrackMap },
  defaultLanguage?: (languageCode: string) => boolean,
): SubtitleRendition[] {
  const ready = textTracksOf(asset).filter((t) => t.status === 'ready');
  const chosen = defaultLanguage ? ready.find((t) => defaultLanguage(t.language_code)) : undefined;
  return ready.map((t) => ({
    uri: textTrackPlaylist(t.id),
    language: t.language_code,
    name: t.name,
    default: t === chosen,
    closedCaptions: t.closed_captions,
  }));
}
