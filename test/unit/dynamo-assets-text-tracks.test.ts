import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAssetRepository } from '../../lambdas/core/adapters/dynamo-assets.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { TextTrackRecord } from '../../lambdas/core/domain/text-tracks-asset.js';
import { conditionFailed } from './dynamo-condition.js';

const doc = mockClient(DynamoDBDocumentClient);
const assets = new DynamoAssetRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

const track: TextTrackRecord = {
  id: 't1',
  type: 'text',
  text_type: 'subtitles',
  text_source: 'uploaded',
  language_code: 'en',
  name: 'English',
  closed_captions: false,
  status: 'preparing',
  created_at: 1,
  source_url: 'https://example.com/en.vtt',
};

beforeEach(() => doc.reset());

const inputs = () => doc.commandCalls(UpdateCommand).map((c) => c.args[0].input);

describe('DynamoAssetRepository: text tracks', () => {
  it('adds a track to a ready asset only where no track has its id, creating the map first if needed', async () => {
    doc.on(UpdateCommand).resolves({ Attributes: {} });
    await assets.addTextTrack('a1', track);
    const [create, add] = inputs();
    expect(create?.ConditionExpression).toBe('#status = :ready AND attribute_not_exists(text_tracks)');
    expect(add).toMatchObject({
      UpdateExpression: 'SET text_tracks.#track = :track',
      ConditionExpression:
        '#status = :ready AND attribute_exists(text_tracks) AND attribute_not_exists(text_tracks.#track)',
      ExpressionAttributeNames: { '#track': 't1', '#status': 'status' },
    });
  });

  it('refuses a track on an asset that is not ready', async () => {
    doc.on(UpdateCommand).rejects(conditionFailed({ pk: 'asset#a1', status: 'deleted' }));
    await expect(assets.addTextTrack('a1', track)).rejects.toBeInstanceOf(TransitionError);
  });

  it('moves a track preparing → errored with its reason, guarded on the track’s state', async () => {
    doc.on(UpdateCommand).resolves({ Attributes: {} });
    await assets.finishTextTrack('a1', 't1', 'errored', { type: 'invalid_input', messages: ['bad'] });
    expect(inputs()[0]).toMatchObject({
      UpdateExpression: 'SET text_tracks.#track.#status = :to, text_tracks.#track.#error = :error',
      ConditionExpression: '#status = :ready AND text_tracks.#track.#status IN (:trackFrom0)',
      ExpressionAttributeValues: { ':ready': 'ready', ':to': 'errored', ':trackFrom0': 'preparing' },
    });
    doc.reset();
    doc.on(UpdateCommand).rejects(conditionFailed({ pk: 'asset#a1', status: 'ready' }));
    await expect(assets.finishTextTrack('a1', 't1', 'ready')).rejects.toThrow('track t1 cannot move to ready');
  });

  it('updates named fields and removes a track only if it exists', async () => {
    doc.on(UpdateCommand).resolves({ Attributes: { text_tracks: { t1: { ...track, name: 'EN' } } } });
    expect(await assets.updateTextTrack('a1', 't1', { name: 'EN' })).toMatchObject({ name: 'EN' });
    expect(inputs()[0]?.UpdateExpression).toBe('SET text_tracks.#track.#f0 = :v0');
    await assets.removeTextTrack('a1', 't1');
    expect(inputs()[1]).toMatchObject({
      UpdateExpression: 'REMOVE text_tracks.#track',
      ConditionExpression: '#status = :ready AND attribute_exists(text_tracks.#track)',
    });
  });
});
