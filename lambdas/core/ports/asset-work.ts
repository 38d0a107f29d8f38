/** Work on a ready asset that the transcoder does later: alternate audio tracks and shot detection. */
import type { AudioTrackRecord, AudioTrackStatus } from '../domain/audio-tracks.js';
import type { ShotsRecord } from '../domain/shots.js';

/**
 * The alternate audio tracks of an asset (`audio_tracks` on its item, audio-tracks.ts), each written on its own with
 * a guarded condition. TransitionError when the asset is not `ready` (or the track not in the state named).
 */
export interface AudioTrackRepository {
  /** Adds a `preparing` track to a ready asset. */
  addAudioTrack(assetId: string, track: AudioTrackRecord): Promise<void>;
  /** preparing → ready (with what was encoded) | errored (with its reason). */
  finishAudioTrack(
    assetId: string,
    trackId: string,
    to: Exclude<AudioTrackStatus, 'preparing'>,
    outcome: Pick<AudioTrackRecord, 'error' | 'duration' | 'max_channels'>,
  ): Promise<void>;
  /** Sets the track's name, language or passthrough (PATCH); returns the track as written. */
  updateAudioTrack(assetId: string, trackId: string, patch: AudioTrackPatch): Promise<AudioTrackRecord>;
  removeAudioTrack(assetId: string, trackId: string): Promise<void>;
}

/** What `PATCH …/tracks/{TRACK_ID}` may change of an alternate audio track. */
export type AudioTrackPatch = Partial<Pick<AudioTrackRecord, 'name' | 'language_code' | 'passthrough'>>;

/** The shot detection state of an asset (`shots` on its item, shots.ts). */
export interface ShotsRepository {
  /**
   * Records a new request (`pending`) on a ready asset whose shots are absent or in one of `from`; false when the
   * asset is ready but its shots are in another state. TransitionError when the asset is not ready.
   */
  requestShots(assetId: string, record: ShotsRecord, from: readonly string[]): Promise<boolean>;
  /** pending → completed | errored, or any → deleted. Throws TransitionError when the shots are not in `from`. */
  settleShots(assetId: string, record: ShotsRecord, from: readonly string[]): Promise<void>;
}

/** Time-limited GET URLs of stored objects (the shots manifest and its stills). */
export interface ObjectUrls {
  presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<string>;
}
