/**
 * The `video.asset.track.*` events one stored change of an asset implies, for its text tracks and its alternate
 * audio tracks alike (Mux sends them for both; the video track and the primary audio come and go with the asset,
 * told by `video.asset.*`). A track that appears is `created` (and `ready`/`errored` too if it arrived so), one that
 * moves to `ready`/`errored` says so, one that disappears (or whose asset goes: notify.ts passes a deleted asset's
 * tombstone as no tracks) is `deleted`. The data is the track as the asset's `tracks` show it, with its `asset_id`
 * (the SDK's WebhookAssetTrack). Pure.
 */
import { type AudioTrackMap, audioTracksOf, toMuxAudioTrack } from './audio-tracks.js';
import { type MuxTextTrack, type TextTrackMap, textTracksOf, toMuxTextTrack } from './text-tracks-asset.js';

type MuxAudioTrack = ReturnType<typeof toMuxAudioTrack>;

export type TrackEventData = (Omit<MuxTextTrack, 'status'> | Omit<MuxAudioTrack, 'status'>) & {
  status: MuxTextTrack['status'] | 'deleted';
  asset_id: string;
};

export type TrackEventType =
  | 'video.asset.track.created'
  | 'video.asset.track.ready'
  | 'video.asset.track.errored'
  | 'video.asset.track.deleted';

type TrackEvent = { type: TrackEventType; track: TrackEventData };

interface AssetTracks {
  text_tracks?: TextTrackMap;
  audio_tracks?: AudioTrackMap;
}

/** Text tracks' events first, then audio tracks', each kind oldest first. */
export function trackEvents(before: AssetTracks | undefined, after: AssetTracks | undefined, assetId: string) {
  return [
    ...eventsOf(
      before?.text_tracks ?? {},
      after?.text_tracks ?? {},
      assetId,
      (map) => textTracksOf({ text_tracks: map }),
      toMuxTextTrack,
    ),
    ...eventsOf(
      before?.audio_tracks ?? {},
      after?.audio_tracks ?? {},
      assetId,
      (map) => audioTracksOf({ audio_tracks: map }),
      toMuxAudioTrack,
    ),
  ];
}

function eventsOf<T extends { id: string; status: string }>(
  old: Record<string, T>,
  now: Record<string, T>,
  assetId: string,
  sorted: (map: Record<string, T>) => T[],
  toMux: (track: T) => Omit<TrackEventData, 'asset_id' | 'status'> & { status: string },
): TrackEvent[] {
  const events: TrackEvent[] = [];
  const data = (t: T, status?: 'deleted') =>
    ({ ...toMux(t), ...(status && { status }), asset_id: assetId }) as TrackEventData;
  for (const t of sorted(now)) {
    const previous = old[t.id];
    if (!previous) events.push({ type: 'video.asset.track.created', track: data(t) });
    if (previous?.status === t.status || t.status === 'preparing') continue;
    events.push({ type: `video.asset.track.${t.status as 'ready' | 'errored'}`, track: data(t) });
  }
  for (const t of sorted(old)) {
    if (!now[t.id]) events.push({ type: 'video.asset.track.deleted', track: data(t, 'deleted') });
  }
  return events;
}
