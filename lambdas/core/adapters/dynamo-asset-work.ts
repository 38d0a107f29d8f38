/**
 * The asset item's `audio_tracks` map and `shots` state: written by the API (requests, deletions) and the transcoder
 * (outcomes), each write a guarded UpdateItem on a ready asset (asset-item.ts names the conditions). Kept beside
 * DynamoAssetRepository, which owns the rest of the item, rather than in it, so each file stays about one concern.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AUDIO_TRACK_DELETABLE,
  AUDIO_TRACK_TRANSITIONS,
  type AudioTrackRecord,
  type AudioTrackStatus,
} from '../domain/audio-tracks.js';
import { TransitionError } from '../domain/errors.js';
import type { ShotsRecord } from '../domain/shots.js';
import type { AudioTrackPatch, AudioTrackRepository, ShotsRepository } from '../ports.js';
import { when } from './asset-item.js';
import { and, type Expr, oneOf } from './dynamo-expressions.js';
import { MediaTable } from './media-table.js';

const AUDIO = 'audio_tracks';

export class DynamoAssetWork implements AudioTrackRepository, ShotsRepository {
  private readonly table: MediaTable;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.table = new MediaTable(doc, tableName);
  }

  async addAudioTrack(assetId: string, track: AudioTrackRecord): Promise<void> {
    // A nested SET needs the map to exist, and one expression may not both create it and set inside it.
    const empty = { text: `SET ${AUDIO} = :empty`, values: { ':empty': {} } };
    const created = await this.table.update('asset', assetId, empty, and(when.ready, when.mapAbsent(AUDIO)));
    if (!created.ok && created.old?.status !== 'ready') throw new TransitionError('asset', assetId, 'ready', ['ready']);
    const add = { text: `SET ${AUDIO}.#track = :track`, names: { '#track': track.id }, values: { ':track': track } };
    const condition = and(when.ready, when.trackAbsent(track.id, AUDIO));
    await this.trackWrite(assetId, track.id, 'preparing', add, condition);
  }

  async finishAudioTrack(
    assetId: string,
    trackId: string,
    to: Exclude<AudioTrackStatus, 'preparing'>,
    outcome: Pick<AudioTrackRecord, 'error' | 'duration' | 'max_channels'>,
  ): Promise<void> {
    const from = AUDIO_TRACK_TRANSITIONS[to];
    const settle = setTrackFields(trackId, { status: to, ...outcome });
    await this.trackWrite(assetId, trackId, to, settle, and(when.ready, when.trackIn(trackId, from, AUDIO)));
  }

  async updateAudioTrack(assetId: string, trackId: string, patch: AudioTrackPatch): Promise<AudioTrackRecord> {
    const condition = and(when.ready, when.trackExists(trackId, AUDIO));
    const item = await this.trackWrite(assetId, trackId, 'updated', setTrackFields(trackId, patch), condition);
    const track = (item[AUDIO] as Record<string, AudioTrackRecord> | undefined)?.[trackId];
    if (!track) throw new TransitionError('track', trackId, 'updated', ['on a ready asset']);
    return track;
  }

  async removeAudioTrack(assetId: string, trackId: string): Promise<void> {
    const remove = { text: `REMOVE ${AUDIO}.#track`, names: { '#track': trackId } };
    const settled = when.trackIn(trackId, AUDIO_TRACK_DELETABLE, AUDIO);
    await this.trackWrite(assetId, trackId, 'deleted', remove, and(when.ready, settled));
  }

  async requestShots(assetId: string, record: ShotsRecord, from: readonly string[]): Promise<boolean> {
    const set = { text: 'SET shots = :shots', values: { ':shots': record } };
    const inFrom = oneOf('shots.#status', from);
    const free = { ...inFrom, text: `(attribute_not_exists(shots) OR ${inFrom.text})` };
    const written = await this.table.update('asset', assetId, set, and(when.ready, free));
    if (written.ok) return true;
    if (written.old?.status !== 'ready') throw new TransitionError('asset', assetId, 'ready', ['ready']);
    return false;
  }

  async settleShots(assetId: string, record: ShotsRecord, from: readonly string[]): Promise<void> {
    const set = { text: 'SET shots = :shots', values: { ':shots': record } };
    const written = await this.table.update('asset', assetId, set, and(when.ready, oneOf('shots.#status', from)));
    if (!written.ok) throw new TransitionError('shots of asset', assetId, record.status, from);
  }

  private async trackWrite(assetId: string, trackId: string, to: string, update: Expr, condition: Expr) {
    const written = await this.table.update('asset', assetId, update, condition);
    if (!written.ok) throw new TransitionError('track', trackId, to, ['on a ready asset']);
    return written.item;
  }
}

/** `SET audio_tracks.<trackId>.<field> = …` for each defined field. */
function setTrackFields(trackId: string, fields: Record<string, unknown>): Expr {
  const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
  return {
    text: `SET ${defined.map((_, i) => `${AUDIO}.#track.#f${i} = :v${i}`).join(', ')}`,
    names: { '#track': trackId, ...Object.fromEntries(defined.map(([name], i) => [`#f${i}`, name])) },
    values: Object.fromEntries(defined.map(([, value], i) => [`:v${i}`, value])),
  };
}
