/** Fakes for work on a ready asset: audio tracks and shots on the in-memory assets, and presigned URLs. */
import {
  AUDIO_TRACK_DELETABLE,
  AUDIO_TRACK_TRANSITIONS,
  type AudioTrackRecord,
} from '../../lambdas/core/domain/audio-tracks.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { ShotsRecord } from '../../lambdas/core/domain/shots.js';
import type { AudioTrackPatch, AudioTrackRepository, ObjectUrls, ShotsRepository } from '../../lambdas/core/ports.js';
import { type InMemoryMediaRepository, RecordingRunner } from './fakes.js';

/** The same guards as DynamoAssetWork: the asset ready, the track or shots in the state named. */
export class InMemoryAssetWork implements AudioTrackRepository, ShotsRepository {
  constructor(private readonly media: InMemoryMediaRepository) {}

  private ready(assetId: string) {
    const stored = this.media.assets.get(assetId);
    if (stored?.asset.status !== 'ready') throw new TransitionError('asset', assetId, 'ready', ['ready']);
    return stored.asset;
  }

  async addAudioTrack(assetId: string, track: AudioTrackRecord): Promise<void> {
    const asset = this.ready(assetId);
    asset.audio_tracks ??= {};
    if (asset.audio_tracks[track.id]) throw new TransitionError('track', track.id, 'preparing', ['absent']);
    asset.audio_tracks[track.id] = structuredClone(track);
  }

  async finishAudioTrack(
    assetId: string,
    trackId: string,
    to: 'ready' | 'errored',
    outcome: Pick<AudioTrackRecord, 'error' | 'duration' | 'max_channels'>,
  ): Promise<void> {
    const track = this.ready(assetId).audio_tracks?.[trackId];
    if (!track || !AUDIO_TRACK_TRANSITIONS[to].includes(track.status)) {
      throw new TransitionError('track', trackId, to, AUDIO_TRACK_TRANSITIONS[to]);
    }
    Object.assign(track, { status: to }, structuredClone(outcome));
  }

  async updateAudioTrack(assetId: string, trackId: string, patch: AudioTrackPatch): Promise<AudioTrackRecord> {
    const track = this.ready(assetId).audio_tracks?.[trackId];
    if (!track) throw new TransitionError('track', trackId, 'updated', ['on a ready asset']);
    return structuredClone(Object.assign(track, structuredClone(patch)));
  }

  async removeAudioTrack(assetId: string, trackId: string): Promise<void> {
    const tracks = this.ready(assetId).audio_tracks ?? {};
    if (!tracks[trackId] || !AUDIO_TRACK_DELETABLE.includes(tracks[trackId].status)) {
      throw new TransitionError('track', trackId, 'deleted', AUDIO_TRACK_DELETABLE);
    }
    delete tracks[trackId];
  }

  async requestShots(assetId: string, record: ShotsRecord, from: readonly string[]): Promise<boolean> {
    const asset = this.ready(assetId);
    if (asset.shots && !from.includes(asset.shots.status)) return false;
    asset.shots = structuredClone(record);
    return true;
  }

  async settleShots(assetId: string, record: ShotsRecord, from: readonly string[]): Promise<void> {
    const asset = this.ready(assetId);
    if (!asset.shots || !from.includes(asset.shots.status)) {
      throw new TransitionError('shots of asset', assetId, record.status, from);
    }
    asset.shots = structuredClone(record);
  }
}

/** URLs that name the object and expiry, so tests can read what was signed. */
export class FakeObjectUrls implements ObjectUrls {
  async presignGet(bucket: string, key: string, expiresIn: number): Promise<string> {
    return `https://s3.example/${bucket}/${key}?X-Amz-Expires=${expiresIn}`;
  }
}

/** The API's ready-asset work over the in-memory media, a recording runner and fake URLs (a Fargate deployment). */
export function assetWorkDeps(media: InMemoryMediaRepository, runner = new RecordingRunner()) {
  return {
    assetWork: new InMemoryAssetWork(media),
    transcoder: 'fargate' as const,
    runner: () => runner,
    objectUrls: new FakeObjectUrls(),
  };
}
