/** DynamoVocabularyRepository: the vocabulary item's keys and shape, its listing and its guarded update. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoVocabularyRepository } from '../../lambdas/core/adapters/dynamo-vocabularies.js';
import { AlreadyExistsError, NotFoundError } from '../../lambdas/core/domain/errors.js';
import type { VocabularyRecord } from '../../lambdas/core/domain/transcription-vocabularies.js';
import { conditionFailed } from './dynamo-condition.js';

const doc = mockClient(DynamoDBDocumentClient);
const repo = new DynamoVocabularyRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

const vocabulary: VocabularyRecord = {
  id: 'v1',
  env: 'env1',
  name: 'API words',
  phrases: ['Mux', 'Playback ID'],
  created_at: 1700000000,
  updated_at: 1700000000,
};

beforeEach(() => doc.reset());

describe('DynamoVocabularyRepository', () => {
  it("writes a new item under vocabulary#<id>, listed in the environment's vocabulary listing, only if absent", async () => {
    doc.on(PutCommand).resolves({});
    await repo.put(vocabulary);
    const input = doc.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.Item).toEqual({
      ...vocabulary,
      pk: 'vocabulary#v1',
      kind: 'vocabulary',
      gsi1pk: 'env1#vocabulary',
      gsi1sk: '001700000000#v1',
    });
    expect(input?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    doc.on(PutCommand).rejects(conditionFailed(input?.Item));
    await expect(repo.put(vocabulary)).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('reads the record through its field list: keys and storage attributes stay in the table', async () => {
    doc.on(GetCommand).resolves({ Item: { ...vocabulary, pk: 'vocabulary#v1', kind: 'vocabulary', gsi1pk: 'x' } });
    expect(await repo.get('v1')).toEqual(vocabulary);
    expect(doc.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({ pk: 'vocabulary#v1' });
  });

  it("lists one environment's vocabularies newest first and counts them with a COUNT query", async () => {
    doc.on(QueryCommand).resolves({ Items: [{ ...vocabulary, pk: 'vocabulary#v1' }], Count: 1 });
    const page = await repo.list('env1', 25);
    expect(page).toEqual({ items: [vocabulary] });
    expect(doc.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'byEnv',
      ExpressionAttributeValues: { ':listing': 'env1#vocabulary' },
      ScanIndexForward: false,
      Limit: 25,
    });
    expect(await repo.count('env1', 100)).toBe(1);
    expect(doc.commandCalls(QueryCommand)[1]?.args[0].input).toMatchObject({ Select: 'COUNT', Limit: 100 });
  });

  it('replaces phrases and name of an existing item, removing a passthrough left out; a missing one is NotFound', async () => {
    doc.on(UpdateCommand).resolves({ Attributes: { ...vocabulary, phrases: ['RTMP'], updated_at: 1700000060 } });
    const updated = await repo.update('v1', { phrases: ['RTMP'], name: 'API words', updated_at: 1700000060 });
    expect(updated.phrases).toEqual(['RTMP']);
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe(
      'SET #phrases = :phrases, #updated_at = :updated_at, #name = :name REMOVE #passthrough',
    );
    expect(input?.ConditionExpression).toBe('attribute_exists(#pk)');
    expect(input?.ExpressionAttributeNames).toMatchObject({ '#passthrough': 'passthrough', '#name': 'name' });
    doc.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.update('v9', { phrases: ['x'], updated_at: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });
});
