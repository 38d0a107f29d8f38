/** The playback use case: which assets `/{playbackId}.m3u8` serves, fast start included. */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { assetToItem } from '../../lambdas/core/adapters/media-items.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { resolvePlayback, type TextObjects } from '../../lambdas/core/usecases/playback.js';
import { InMemoryMediaRepository } from './fakes.js';

const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n';

function asset(status: AssetRecord['status'], policy: 'public' | 'signed' = 'public'): AssetRecord {
  return {
    id: 'asset1',
    env: 'dev',
    status,
    created_at: 1,
    source: { bucket: 'in', key: 'uploads/u1' },
    playback_ids: [{ id: 'playback1', policy }],
  };
}

async function resolve(record: AssetRecord, master: string | undefined) {
  const media = new InMemoryMediaRepository();
  await media.createAsset(record);
  const objects: TextObjects = {
    getText: async (_bucket, key) => (key === 'assets/asset1/master.m3u8' ? master : undefined),
  };
  return resolvePlayback('playback1', { media, objects, outputBucket: 'out' });
}

describe('resolvePlayback', () => {
  it('serves a ready asset with rendition URIs pointing into its folder', async () => {
    expect(await resolve(asset('ready'), MASTER)).toEqual({
      status: 200,
      playlist: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nassets/asset1/360p/index.m3u8\n',
    });
  });

  it('serves a preparing asset once the transcoder has published a first master playlist (fast start)', async () => {
    expect((await resolve(asset('preparing'), MASTER)).status).toBe(200);
  });

  it('refuses a preparing asset without a master playlist yet', async () => {
    expect(await resolve(asset('preparing'), undefined)).toEqual({
      status: 412,
      message: 'The asset is preparing and not playable yet',
    });
  });

  it('refuses errored, deleted and signed assets', async () => {
    expect((await resolve(asset('errored'), MASTER)).status).toBe(412);
    expect((await resolve(asset('deleted'), MASTER)).status).toBe(404);
    expect((await resolve(asset('ready', 'signed'), MASTER)).status).toBe(403);
  });

  it('does not find an unknown playback id', async () => {
    const media = new InMemoryMediaRepository();
    const objects: TextObjects = { getText: async () => MASTER };
    expect((await resolvePlayback('nope', { media, objects, outputBucket: 'out' })).status).toBe(404);
  });
});

describe('InMemoryMediaRepository.markPlayable', () => {
  it('keeps the asset preparing and records when it became playable; refuses once it is no longer preparing', async () => {
    const media = new InMemoryMediaRepository();
    await media.createAsset(asset('preparing'));
    const playable = await media.markPlayable('asset1');
    expect(playable).toMatchObject({ status: 'preparing', playable_at: media.clock });
    await media.createAsset({ ...asset('ready'), id: 'asset2', playback_ids: [] });
    await expect(media.markPlayable('asset2')).rejects.toThrow(/cannot move to preparing/);
  });
});

describe('DynamoMediaRepository.markPlayable', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  const repo = new DynamoMediaRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

  it('sets playable_at with a condition that the asset is still preparing', async () => {
    doc.reset();
    doc.on(UpdateCommand).resolves({ Attributes: assetToItem({ ...asset('preparing'), playable_at: 7 }) });

    expect(await repo.markPlayable('asset1')).toMatchObject({ status: 'preparing', playable_at: 7 });
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('SET #status = :to, #playable_at = :playable_at');
    expect(input?.ConditionExpression).toBe('attribute_exists(#pk) AND #status IN (:from0)');
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':to': 'preparing', ':from0': 'preparing' });
  });

  it('throws a TransitionError when the asset is no longer preparing', async () => {
    doc.reset();
    doc.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    doc.on(GetCommand).resolves({ Item: assetToItem(asset('ready')) });

    await expect(repo.markPlayable('asset1')).rejects.toBeInstanceOf(TransitionError);
  });
});
