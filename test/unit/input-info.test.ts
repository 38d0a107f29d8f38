/** `GET /video/v1/assets/{id}/input-info`: Mux's input info from what the transcoder's probe recorded. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { assetToItem } from '../../lambdas/core/adapters/media-items.js';
import { NotFoundError } from '../../lambdas/core/domain/errors.js';
import type { InputFile } from '../../lambdas/core/domain/ladder.js';
import type { ReadyPatch } from '../../lambdas/core/domain/media.js';
import { getAssetInputInfo } from '../../lambdas/core/usecases/assets.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';

const FILE: InputFile = {
  container_format: 'mov,mp4,m4a,3gp,3g2,mj2',
  tracks: [
    { type: 'video', encoding: 'h264', width: 1920, height: 1080, frame_rate: 29.97, duration: 12.5 },
    { type: 'audio', encoding: 'aac', channels: 2, sample_rate: 48000, duration: 12.48 },
  ],
};
const READY: ReadyPatch = { duration: 12.5, max_stored_resolution: 'FHD', tracks: [], renditions: ['1080p'] };

async function mediaWith(...assets: Parameters<InMemoryMediaRepository['createAsset']>[0][]) {
  const media = new InMemoryMediaRepository();
  for (const asset of assets) await media.createAsset(asset);
  return media;
}

describe('getAssetInputInfo', () => {
  it('returns the probed file and, for an asset made from a URL, that URL', async () => {
    const media = await mediaWith(preparingAsset({ input_url: 'https://example.com/in.mp4' }));
    await media.markReady('asset1', { ...READY, input_file: FILE });
    expect(await getAssetInputInfo('asset1', { env: 'env1', media })).toEqual([
      { settings: { url: 'https://example.com/in.mp4' }, file: FILE },
    ]);
  });

  it('has empty settings for a direct upload, and no file before the probe', async () => {
    const media = await mediaWith(preparingAsset());
    expect(await getAssetInputInfo('asset1', { env: 'env1', media })).toEqual([{ settings: {} }]);
  });

  it("does not find another environment's asset, or a deleted one", async () => {
    const media = await mediaWith(preparingAsset(), preparingAsset({ id: 'gone', status: 'deleted' }));
    await expect(getAssetInputInfo('asset1', { env: 'env2', media })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAssetInputInfo('gone', { env: 'env1', media })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('DynamoMediaRepository.markReady', () => {
  it('stores the input file with the ready fields', async () => {
    const doc = mockClient(DynamoDBDocumentClient);
    const repo = new DynamoMediaRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');
    doc.on(UpdateCommand).resolves({
      Attributes: assetToItem({ ...preparingAsset(), ...READY, input_file: FILE, status: 'ready' }),
    });
    const asset = await repo.markReady('asset1', { ...READY, input_file: FILE });
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toContain('#input_file = :input_file');
    expect(input?.ExpressionAttributeValues?.[':input_file']).toEqual(FILE);
    expect(asset.input_file).toEqual(FILE);
    doc.restore();
  });
});
