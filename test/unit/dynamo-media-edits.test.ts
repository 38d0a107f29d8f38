/** The DynamoDB side of the API's edits: delete (tombstone + playback items), playback ids, update. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { assetToItem } from '../../lambdas/core/adapters/media-items.js';
import { NotFoundError, TransitionError } from '../../lambdas/core/domain/errors.js';
import { cachedAuthenticator, createToken } from '../../lambdas/core/usecases/tokens.js';
import { conditionFailed } from './dynamo-condition.js';
import { InMemoryTokens, preparingAsset } from './fakes.js';

const doc = mockClient(DynamoDBDocumentClient);
const repo = new DynamoMediaRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

beforeEach(() => doc.reset());

describe('DynamoMediaRepository edits', () => {
  it('deletes an asset: guarded status write that drops the index keys, then its playback-id items', async () => {
    const asset = preparingAsset({ status: 'ready' });
    doc.on(UpdateCommand).resolves({ Attributes: { ...assetToItem(asset), status: 'deleted' } });
    doc.on(DeleteCommand).resolves({});

    expect((await repo.deleteAsset('asset1')).status).toBe('deleted');
    const update = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.UpdateExpression).toBe('SET #status = :to REMOVE #gsi1pk, #gsi1sk');
    expect(update?.ConditionExpression).toBe('attribute_exists(#pk) AND #status IN (:from0, :from1, :from2)');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':from0': 'preparing',
      ':from1': 'ready',
      ':from2': 'errored',
    });
    expect(doc.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: 'playback#play1' }]);
  });

  it('tells an already deleted asset (TransitionError) from a missing one (NotFoundError)', async () => {
    doc.on(UpdateCommand).rejectsOnce(conditionFailed({ ...assetToItem(preparingAsset()), status: 'deleted' }));
    await expect(repo.deleteAsset('asset1')).rejects.toBeInstanceOf(TransitionError);
    doc.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.deleteAsset('asset1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('removes exactly the playback id it found, by index, guarded against a concurrent change', async () => {
    const asset = preparingAsset({
      playback_ids: [
        { id: 'play1', policy: 'public' },
        { id: 'play2', policy: 'signed' },
      ],
    });
    doc.on(GetCommand).resolves({ Item: assetToItem(asset) });
    doc.on(UpdateCommand).resolves({});
    doc.on(DeleteCommand).resolves({});
    await repo.removePlaybackId('asset1', 'play2');
    const update = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      UpdateExpression: 'REMOVE playback_ids[1]',
      ConditionExpression: 'playback_ids[1].id = :id',
      ExpressionAttributeValues: { ':id': 'play2' },
    });
    expect(doc.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({ pk: 'playback#play2' });

    doc.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.removePlaybackId('asset1', 'play2')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('adds a playback id to a live asset only, then writes its lookup item', async () => {
    doc.on(UpdateCommand).resolves({});
    doc.on(PutCommand).resolves({});
    await repo.addPlaybackId('asset1', { id: 'play9', policy: 'signed' });
    expect(doc.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBe(
      'attribute_exists(#pk) AND #status <> :deleted',
    );
    expect(doc.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: 'playback#play9',
      asset_id: 'asset1',
      policy: 'signed',
    });
    doc.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.addPlaybackId('asset1', { id: 'play8', policy: 'public' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('cachedAuthenticator', () => {
  it('verifies a token once per TTL, and never caches a refusal', async () => {
    const tokens = new InMemoryTokens();
    const { id, secret } = await createToken('env1', undefined, { tokens });
    let reads = 0;
    const counting = {
      get: (tokenId: string) => {
        reads++;
        return tokens.get(tokenId);
      },
      put: tokens.put.bind(tokens),
    };
    const authenticate = cachedAuthenticator({ tokens: counting }, 1000);
    const header = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

    expect(await authenticate(header, 0)).toEqual({ env: 'env1', tokenId: id });
    expect(await authenticate(header, 999)).toEqual({ env: 'env1', tokenId: id });
    expect(reads).toBe(1);
    await authenticate(header, 1001);
    expect(reads).toBe(2);

    const wrong = `Basic ${Buffer.from(`${id}:nope`).toString('base64')}`;
    await expect(authenticate(wrong, 0)).rejects.toThrow();
    await expect(authenticate(wrong, 0)).rejects.toThrow();
    expect(reads).toBe(4);
  });
});
