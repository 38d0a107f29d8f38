import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { assetToItem, encodeCursor, uploadToItem } from '../../lambdas/core/adapters/media-items.js';
import {
  AlreadyExistsError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../lambdas/core/domain/errors.js';
import { conditionFailed } from './dynamo-condition.js';
import { preparingAsset, waitingUpload } from './fakes.js';

const doc = mockClient(DynamoDBDocumentClient);
const repo = new DynamoMediaRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

beforeEach(() => doc.reset());

describe('DynamoMediaRepository', () => {
  it('stores an upload under its key and the newest-first index of its environment', async () => {
    doc.on(PutCommand).resolves({});
    await repo.putUpload(waitingUpload({ created_at: 42 }));

    const input = doc.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.TableName).toBe('media');
    expect(input?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(input?.Item).toMatchObject({
      pk: 'upload#upload1',
      kind: 'upload',
      gsi1pk: 'env1#upload',
      gsi1sk: '000000000042#upload1',
      id: 'upload1',
      status: 'waiting',
    });
  });

  it('refuses to overwrite an upload', async () => {
    doc.on(PutCommand).rejects(conditionFailed());
    await expect(repo.putUpload(waitingUpload())).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('reads records without their storage attributes', async () => {
    doc
      .on(GetCommand)
      .resolves({ Item: { ...assetToItem(preparingAsset()), dispatch_claimed_until: 5, job_id: 'task' } });

    expect(await repo.getAsset('asset1')).toEqual(preparingAsset());
    expect(doc.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'asset#asset1' },
      ConsistentRead: true,
    });
  });

  it('moves an upload with a condition built from the transition table, setting only the named fields', async () => {
    const after = { ...waitingUpload(), status: 'asset_created' as const, asset_id: 'asset1' };
    doc.on(UpdateCommand).resolves({ Attributes: uploadToItem(after) });

    const result = await repo.transitionUpload('upload1', 'asset_created', {
      asset_id: 'asset1',
      env: 'someone-else', // not a field this transition writes
    });

    expect(result).toEqual(after);
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: 'upload#upload1' });
    expect(input?.ConditionExpression).toBe('attribute_exists(#pk) AND #status IN (:from0)');
    expect(input?.UpdateExpression).toBe('SET #status = :to, #asset_id = :asset_id');
    expect(input?.ExpressionAttributeValues).toEqual({
      ':to': 'asset_created',
      ':from0': 'waiting',
      ':asset_id': 'asset1',
    });
  });

  it('marks an asset errored from preparing only, with its reason', async () => {
    doc.on(UpdateCommand).resolves({ Attributes: assetToItem({ ...preparingAsset(), status: 'errored' }) });

    await repo.markErrored('asset1', { type: 'transcode_failed', messages: ['exit 137'] });

    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(#pk) AND #status IN (:from0)');
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':to': 'errored',
      ':from0': 'preparing',
      ':errors': { type: 'transcode_failed', messages: ['exit 137'] },
    });
  });

  it('turns a failed condition into a TransitionError when the item exists', async () => {
    doc.on(UpdateCommand).rejects(conditionFailed(assetToItem({ ...preparingAsset(), status: 'deleted' })));

    const err = await repo.markReady('asset1', readyPatch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransitionError);
    expect(err).toMatchObject({ entity: 'asset', id: 'asset1', to: 'ready', allowedFrom: ['preparing'] });
  });

  it('turns a failed condition into a NotFoundError when the item is missing', async () => {
    doc.on(UpdateCommand).rejects(conditionFailed());

    await expect(repo.transitionUpload('nope', 'cancelled')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('sets exactly the ready fields when an asset becomes ready', async () => {
    doc
      .on(UpdateCommand)
      .resolves({ Attributes: assetToItem({ ...preparingAsset(), ...readyPatch, status: 'ready' }) });
    await repo.markReady('asset1', readyPatch);

    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe(
      'SET #status = :to, #duration = :duration, #max_stored_resolution = :max_stored_resolution, ' +
        '#aspect_ratio = :aspect_ratio, #tracks = :tracks, #renditions = :renditions',
    );
  });

  it('creates an asset once and writes its playback ids', async () => {
    doc.on(PutCommand).resolves({});
    const asset = preparingAsset({
      playback_ids: [
        { id: 'play1', policy: 'public' },
        { id: 'play2', policy: 'signed' },
      ],
    });

    expect(await repo.createAsset(asset)).toEqual({ asset, created: true });
    const puts = doc.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts[0]).toMatchObject({ ConditionExpression: 'attribute_not_exists(#pk)', Item: { pk: 'asset#asset1' } });
    expect(puts.slice(1).map((p) => p.Item)).toEqual([
      { pk: 'playback#play1', kind: 'playback', id: 'play1', policy: 'public', asset_id: 'asset1' },
      { pk: 'playback#play2', kind: 'playback', id: 'play2', policy: 'signed', asset_id: 'asset1' },
    ]);
  });

  it('returns the stored asset when it exists already, and completes its playback ids', async () => {
    const stored = { ...preparingAsset(), status: 'ready' as const };
    doc
      .on(PutCommand, { ConditionExpression: 'attribute_not_exists(#pk)' })
      .rejects(conditionFailed(assetToItem(stored)));
    doc.on(PutCommand, { Item: { kind: 'playback' } }).resolves({});

    expect(await repo.createAsset(preparingAsset())).toEqual({ asset: stored, created: false });
    expect(doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.pk)).toEqual([
      'asset#asset1',
      'playback#play1',
    ]);
  });

  it('claims a dispatch only while preparing, without a job, and unclaimed or stale', async () => {
    doc
      .on(UpdateCommand)
      .resolvesOnce({})
      .rejects(conditionFailed(assetToItem(preparingAsset())));

    expect(await repo.claimDispatch('asset1', 900)).toBe(true);
    expect(await repo.claimDispatch('asset1', 900)).toBe(false);

    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe(
      'attribute_exists(#pk) AND #status = :preparing AND attribute_not_exists(job_id) AND ' +
        '(attribute_not_exists(dispatch_claimed_until) OR dispatch_claimed_until < :now)',
    );
    // Held for the caller's time, taken over once that has passed.
    const values = input?.ExpressionAttributeValues as { ':now': number; ':until': number };
    expect(values[':until'] - values[':now']).toBe(900);
  });

  it('reads a preparing asset with its job and claim, and nothing for one past preparing', async () => {
    const item = { ...assetToItem(preparingAsset()), job_id: 'arn:task', dispatch_claimed_until: 1_700_000_900 };
    doc
      .on(GetCommand)
      .resolvesOnce({ Item: item })
      .resolvesOnce({ Item: { ...item, status: 'ready' } });

    expect(await repo.getPreparing('asset1')).toMatchObject({
      asset: { id: 'asset1', status: 'preparing' },
      jobId: 'arn:task',
      claimedUntil: 1_700_000_900,
    });
    expect(await repo.getPreparing('asset1')).toBeUndefined();
  });

  it('records the job and releases the claim on the asset item', async () => {
    doc.on(UpdateCommand).resolves({});
    await repo.recordJob('asset1', 'arn:task');
    await repo.releaseDispatch('asset1');

    const [record, release] = doc.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(record).toMatchObject({
      UpdateExpression: 'SET job_id = :job',
      ExpressionAttributeValues: { ':job': 'arn:task' },
    });
    expect(release).toMatchObject({ Key: { pk: 'asset#asset1' }, UpdateExpression: 'REMOVE dispatch_claimed_until' });
  });

  it('lists an environment newest first and pages with an opaque cursor', async () => {
    const lastKey = { pk: 'asset#asset1', gsi1pk: 'env1#asset', gsi1sk: '000000000001#asset1' };
    doc.on(QueryCommand).resolves({ Items: [assetToItem(preparingAsset())], LastEvaluatedKey: lastKey });

    const first = await repo.listAssets('env1', 1);
    expect(first.items).toEqual([preparingAsset()]);
    expect(first.next).toBe(encodeCursor(lastKey));

    await repo.listAssets('env1', 1, first.next);
    const [q1, q2] = doc.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(q1).toMatchObject({
      IndexName: 'byEnv',
      KeyConditionExpression: '#gsi1pk = :listing',
      ExpressionAttributeValues: { ':listing': 'env1#asset' },
      ScanIndexForward: false,
      Limit: 1,
    });
    expect(q2?.ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['garbage', 'not a cursor'],
    ['a cursor of another environment', encodeCursor({ pk: 'asset#a', gsi1pk: 'env2#asset', gsi1sk: '1#a' })],
    ['a key with extra attributes', encodeCursor({ pk: 'asset#a', gsi1pk: 'env1#asset', gsi1sk: '1#a', x: 'y' })],
  ])('rejects %s as a cursor', async (_, cursor) => {
    await expect(repo.listAssets('env1', 10, cursor)).rejects.toBeInstanceOf(ValidationError);
    expect(doc.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('resolves a playback id to its asset', async () => {
    doc.on(GetCommand).resolves({
      Item: { pk: 'playback#play1', kind: 'playback', id: 'play1', policy: 'public', asset_id: 'asset1' },
    });
    expect(await repo.getPlaybackId('play1')).toEqual({ id: 'play1', policy: 'public', asset_id: 'asset1' });
  });
});

const readyPatch = {
  duration: 12.5,
  max_stored_resolution: 'HD' as const,
  aspect_ratio: '16:9',
  tracks: [],
  renditions: ['360p', '720p'],
};
