import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoConnectionRepository } from '../../lambdas/core/adapters/dynamo-connections.js';
import { DynamoTokenRepository } from '../../lambdas/core/adapters/dynamo-tokens.js';
import { AlreadyExistsError, NotFoundError } from '../../lambdas/core/domain/errors.js';

const doc = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

beforeEach(() => doc.reset());

describe('DynamoConnectionRepository', () => {
  const repo = new DynamoConnectionRepository(client, 'connections');

  it('stores a connection by id with its environment, without an empty subscription set', async () => {
    doc.on(PutCommand).resolves({});
    await repo.put({ connectionId: 'c1', env: 'env1', connected_at: 7, subscriptions: [] });
    expect(doc.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'connections',
      Item: { connectionId: 'c1', env: 'env1', connected_at: 7 },
    });
    // An expiring token's connection keeps its expiry (the notify function closes it then).
    await repo.put({ connectionId: 'c2', env: 'env1', connected_at: 7, expires_at: 60 });
    expect(doc.commandCalls(PutCommand)[1]?.args[0].input.Item).toMatchObject({ expires_at: 60 });
  });

  it('adds subscriptions to a string set of an existing connection', async () => {
    doc.on(UpdateCommand).resolvesOnce({}).rejects(conditionFailed());
    await repo.subscribe('c1', ['a1', 'a2']);
    expect(doc.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { connectionId: 'c1' },
      UpdateExpression: 'ADD subscriptions :ids',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeValues: { ':ids': new Set(['a1', 'a2']) },
    });
    await expect(repo.subscribe('gone', ['a1'])).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists every page of an environment from the byEnv index', async () => {
    doc
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ connectionId: 'c1', env: 'env1', connected_at: 1, subscriptions: new Set(['a1']) }],
        LastEvaluatedKey: { connectionId: 'c1', env: 'env1' },
      })
      .resolvesOnce({ Items: [{ connectionId: 'c2', env: 'env1', connected_at: 2, expires_at: 99 }] });

    expect(await repo.listByEnv('env1')).toEqual([
      { connectionId: 'c1', env: 'env1', connected_at: 1, subscriptions: ['a1'] },
      { connectionId: 'c2', env: 'env1', connected_at: 2, expires_at: 99, subscriptions: [] },
    ]);
    const [first, second] = doc.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({ IndexName: 'byEnv', ExpressionAttributeValues: { ':env': 'env1' } });
    expect(second?.ExclusiveStartKey).toEqual({ connectionId: 'c1', env: 'env1' });
  });

  it('deletes by connection id', async () => {
    doc.on(DeleteCommand).resolves({});
    await repo.delete('c1');
    expect(doc.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({ connectionId: 'c1' });
  });
});

describe('DynamoTokenRepository', () => {
  const repo = new DynamoTokenRepository(client, 'tokens');
  const token = { id: 't1', env: 'env1', secret_hash: 'aa:bb', name: 'ci', created_at: 3 };

  it('stores a token once and reads it back', async () => {
    doc.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    doc.on(GetCommand).resolves({ Item: token });

    await repo.put(token);
    expect(doc.commandCalls(PutCommand)[0]?.args[0].input.ConditionExpression).toBe('attribute_not_exists(#id)');
    await expect(repo.put(token)).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await repo.get('t1')).toEqual(token);
  });

  it('returns undefined for an unknown id', async () => {
    doc.on(GetCommand).resolves({});
    expect(await repo.get('nope')).toBeUndefined();
  });
});
