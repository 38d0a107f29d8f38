import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { NotFoundError, TransitionError } from '../domain/errors.js';
import { TEXT_TRACK_TRANSITIONS, type TextTrackRecord, type TextTrackStatus } from '../domain/text-tracks-asset.js';
import type { TextTrackRepository } from '../ports.js';
import { MEDIA_TABLE, mediaKey } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/**
 * The named conditions of text track writes on the asset item. Every write needs the asset `ready` (a deleted asset
 * keeps its tombstone, so nothing is written to it); each then names the track's own state.
 */
const CONDITIONS = {
  assetReady: '#status = :ready',
  trackAbsent: 'attribute_not_exists(text_tracks.#track)',
  trackExists: 'attribute_exists(text_tracks.#track)',
  trackIn: 'text_tracks.#track.#status IN (:from0, :from1)',
} as const;

/** `text_tracks` on the asset's item: one map entry per track, so each track is written without touching the rest. */
export class DynamoTextTrackRepository implements TextTrackRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async addTextTrack(assetId: string, track: TextTrackRecord): Promise<void> {
    // A nested SET needs the map to exist; creating it is its own write (one expression may not touch both paths).
    await this.update(assetId, track.id, 'ready', {
      UpdateExpression: 'SET text_tracks = if_not_exists(text_tracks, :empty)',
      ConditionExpression: CONDITIONS.assetReady,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':ready': 'ready', ':empty': {} },
    });
    await this.update(assetId, track.id, 'ready', {
      UpdateExpression: 'SET text_tracks.#track = :track',
      ConditionExpression: `${CONDITIONS.assetReady} AND ${CONDITIONS.trackAbsent}`,
      ExpressionAttributeNames: { '#status': 'status', '#track': track.id },
      ExpressionAttributeValues: { ':ready': 'ready', ':track': track },
    });
  }

  async finishTextTrack(
    assetId: string,
    trackId: string,
    to: Exclude<TextTrackStatus, 'preparing'>,
    error?: TextTrackRecord['error'],
  ): Promise<void> {
    const from = TEXT_TRACK_TRANSITIONS[to];
    await this.update(assetId, trackId, to, {
      UpdateExpression: `SET text_tracks.#track.#status = :to${error ? ', text_tracks.#track.#error = :error' : ''}`,
      ConditionExpression: `${CONDITIONS.assetReady} AND ${CONDITIONS.trackIn}`,
      ExpressionAttributeNames: { '#status': 'status', '#track': trackId, ...(error && { '#error': 'error' }) },
      ExpressionAttributeValues: {
        ':ready': 'ready',
        ':to': to,
        ':from0': from[0],
        ':from1': from[1] ?? from[0],
        ...(error && { ':error': error }),
      },
    });
  }

  async updateTextTrack(
    assetId: string,
    trackId: string,
    patch: Partial<Pick<TextTrackRecord, 'name' | 'language_code' | 'closed_captions' | 'passthrough'>>,
  ): Promise<TextTrackRecord> {
    const fields = Object.entries(patch).filter(([, value]) => value !== undefined);
    if (fields.length === 0) throw new Error('An update names at least one field');
    const out = await this.update(assetId, trackId, 'updated', {
      UpdateExpression: `SET ${fields.map((_, i) => `text_tracks.#track.#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: `${CONDITIONS.assetReady} AND ${CONDITIONS.trackExists}`,
      ExpressionAttributeNames: {
        '#status': 'status',
        '#track': trackId,
        ...Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])),
      },
      ExpressionAttributeValues: {
        ':ready': 'ready',
        ...Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])),
      },
      ReturnValues: 'ALL_NEW',
    });
    const track = (out.Attributes?.text_tracks as Record<string, TextTrackRecord> | undefined)?.[trackId];
    if (!track) throw new NotFoundError('track', trackId);
    return track;
  }

  async removeTextTrack(assetId: string, trackId: string): Promise<void> {
    await this.update(assetId, trackId, 'deleted', {
      UpdateExpression: 'REMOVE text_tracks.#track',
      ConditionExpression: `${CONDITIONS.assetReady} AND ${CONDITIONS.trackExists}`,
      ExpressionAttributeNames: { '#status': 'status', '#track': trackId },
      ExpressionAttributeValues: { ':ready': 'ready' },
    });
  }

  /** One guarded write; a failed condition is a TransitionError naming the track and where it was going. */
  private async update(
    assetId: string,
    trackId: string,
    to: string,
    input: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ) {
    try {
      return await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) },
          ...input,
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new TransitionError('track', trackId, to, ['on a ready asset']);
      throw err;
    }
  }
}
