import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { assetToItem, uploadToItem } from '../../lambdas/core/adapters/media-items.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { logger } from '../../lambdas/core/logger.js';
import { createNotifyHandler } from '../../lambdas/handlers/notify.js';
import { InMemoryConnections, preparingAsset, RecordingPusher, waitingUpload } from './fakes.js';

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
const image = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true }) as Image;

function streamRecord(seq: string, before?: Record<string, unknown>, after?: Record<string, unknown>): DynamoDBRecord {
  const pk = String((after ?? before)?.pk);
  return {
    eventID: `event-${seq}`,
    eventName: before && after ? 'MODIFY' : after ? 'INSERT' : 'REMOVE',
    dynamodb: {
      Keys: { pk: { S: pk } },
      SequenceNumber: seq,
      ApproximateCreationDateTime: 1_735_689_600,
      ...(before && { OldImage: image(before) }),
      ...(after && { NewImage: image(after) }),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const ready: AssetRecord = { ...preparingAsset(), status: 'ready', duration: 3 };

let connections: InMemoryConnections;
let pusher: RecordingPusher;
let notify: ReturnType<typeof createNotifyHandler>;

beforeEach(async () => {
  connections = new InMemoryConnections();
  pusher = new RecordingPusher();
  notify = createNotifyHandler(() => ({ connections, pusher }));
  await connections.put({ connectionId: 'c1', env: 'env1', connected_at: 1 });
  await connections.put({ connectionId: 'c2', env: 'env1', connected_at: 1 });
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});

afterEach(() => vi.restoreAllMocks());

describe('notify handler', () => {
  it('pushes each upload and asset change to the connections and cleans up gone ones', async () => {
    pusher.gone.add('c2');
    const event: DynamoDBStreamEvent = {
      Records: [
        streamRecord('1', undefined, uploadToItem(waitingUpload())),
        streamRecord('2', undefined, { pk: 'playback#play1', kind: 'playback', id: 'play1', asset_id: 'asset1' }),
        streamRecord('3', { ...assetToItem(preparingAsset()) }, { ...assetToItem(ready), dispatch_claimed_until: 5 }),
      ],
    };

    expect(await notify(event)).toEqual({ batchItemFailures: [] });
    expect(pusher.posted.map((p) => (p.message as { type: string }).type)).toEqual([
      'video.upload.created',
      'video.asset.ready',
    ]);
    expect(pusher.posted[1]?.message).toMatchObject({
      id: 'event-3',
      object: { type: 'asset', id: 'asset1' },
      created_at: '2025-01-01T00:00:00.000Z',
      data: { id: 'asset1', status: 'ready', duration: 3 },
    });
    expect(JSON.stringify(pusher.posted)).not.toContain('dispatch_claimed_until');
    expect([...connections.connections.keys()]).toEqual(['c1']);
  });

  it('stays silent for writes that change nothing a client sees', async () => {
    const claim = streamRecord('1', assetToItem(preparingAsset()), {
      ...assetToItem(preparingAsset()),
      job_id: 'arn:task',
    });
    expect(await notify({ Records: [claim] })).toEqual({ batchItemFailures: [] });
    expect(pusher.posted).toEqual([]);
  });

  it('reports the first failing record by sequence number and stops there', async () => {
    connections.listByEnv = async () => {
      throw new Error('throttled');
    };
    const result = await notify({
      Records: [
        streamRecord('7', undefined, { pk: 'playback#p', kind: 'playback', id: 'p', asset_id: 'a' }),
        streamRecord('8', undefined, uploadToItem(waitingUpload())),
        streamRecord('9', undefined, uploadToItem(waitingUpload({ id: 'upload2' }))),
      ],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '8' }] });
    expect(logger.error).toHaveBeenCalledOnce();
  });
});
