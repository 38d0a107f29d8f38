import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../lambdas/core/domain/errors.js';
import { getAsset, listAssets } from '../../lambdas/core/usecases/assets.js';
import { ListQuery } from '../../lambdas/core/usecases/listing.js';
import { CreateUploadInput, createUpload, getUpload, listUploads } from '../../lambdas/core/usecases/uploads.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { FakeUploadUrls, InMemoryMediaRepository, preparingAsset, waitingUpload } from './fakes.js';

let media: InMemoryMediaRepository;
let urls: FakeUploadUrls;
const create = async (body: unknown) =>
  createUpload(parseOrThrow(CreateUploadInput, body), {
    env: 'env1',
    media,
    urls,
    defaultTimeout: 3600,
    now: () => 1_700_000_000_000,
  });

beforeEach(() => {
  media = new InMemoryMediaRepository();
  urls = new FakeUploadUrls();
});

describe('createUpload', () => {
  it('stores a waiting upload with a URL for its key and returns it in Mux shape', async () => {
    const upload = await create({
      cors_origin: 'https://app.example',
      new_asset_settings: { playback_policies: ['public'], passthrough: 'p' },
      timeout: 120,
    });

    expect(upload).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
      url: `https://ingest.example/uploads/${upload.id}?X-Amz-Expires=120`,
      status: 'waiting',
      timeout: 120,
      new_asset_settings: { playback_policies: ['public'], passthrough: 'p' },
      cors_origin: 'https://app.example',
      test: false,
    });
    expect(urls.signed).toEqual([{ key: `uploads/${upload.id}`, expiresIn: 120 }]);
    expect(await media.getUpload(upload.id)).toMatchObject({
      env: 'env1',
      status: 'waiting',
      created_at: 1_700_000_000,
    });
  });

  it('uses the configured timeout and empty settings when the body names none', async () => {
    const upload = await create({});
    expect(upload).toMatchObject({ timeout: 3600, new_asset_settings: {}, cors_origin: '*' });
  });

  it.each([
    [{ timeout: 59 }, 'timeout: must be between 60 and 604800 seconds'],
    [{ timeout: 604801 }, 'timeout: must be between 60 and 604800 seconds'],
    [{ timeout: 1.5 }, 'timeout: must be a whole number of seconds'],
    [{ colour: 'red' }, 'colour: is not a known field'],
    [{ new_asset_settings: { mp4_support: 'standard' } }, 'new_asset_settings.mp4_support: is not a known field'],
    [{ new_asset_settings: { playback_policies: ['private'] } }, 'new_asset_settings.playback_policies.0: '],
    [{ new_asset_settings: { max_resolution_tier: '720p' } }, 'new_asset_settings.max_resolution_tier: '],
  ])('rejects %j naming the field', async (body, message) => {
    const err = await create(body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).messages[0]).toContain(message);
    expect(media.uploads.size).toBe(0);
  });
});

describe('reading uploads and assets', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 5; i++) await media.putUpload(waitingUpload({ id: `up${i}`, created_at: i }));
    await media.putUpload(waitingUpload({ id: 'theirs', env: 'env2' }));
    await media.createAsset(preparingAsset());
    await media.createAsset(preparingAsset({ id: 'theirAsset', env: 'env2' }));
  });
  const ctx = () => ({ env: 'env1', media });
  const query = (q: Record<string, string>) => parseOrThrow(ListQuery, q, 'query');

  it('gets an upload or asset of the caller environment', async () => {
    expect(await getUpload('up1', ctx())).toMatchObject({ id: 'up1', status: 'waiting' });
    expect(await getAsset('asset1', ctx())).toMatchObject({ id: 'asset1', status: 'preparing' });
  });

  it("treats another environment's upload or asset as not found", async () => {
    await expect(getUpload('theirs', ctx())).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAsset('theirAsset', ctx())).rejects.toBeInstanceOf(NotFoundError);
    await expect(getUpload('missing', ctx())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists newest first with a next cursor while there are more', async () => {
    const first = await listUploads(query({ limit: '2' }), ctx());
    expect(first.data.map((u) => u.id)).toEqual(['up5', 'up4']);
    const next = await listUploads(query({ limit: '2', cursor: first.next_cursor ?? '' }), ctx());
    expect(next.data.map((u) => u.id)).toEqual(['up3', 'up2']);
  });

  it('walks to a numbered page, and past the last one returns nothing', async () => {
    expect((await listUploads(query({ limit: '2', page: '3' }), ctx())).data.map((u) => u.id)).toEqual(['up1']);
    expect(await listUploads(query({ limit: '2', page: '4' }), ctx())).toEqual({ data: [] });
  });

  it('lists only the caller environment', async () => {
    expect((await listAssets(query({}), ctx())).data.map((a) => a.id)).toEqual(['asset1']);
  });
});

describe('ListQuery', () => {
  it('defaults to 25 per page, first page', () => {
    expect(ListQuery.parse({})).toEqual({ limit: 25, page: 1 });
  });

  it.each([
    [{ limit: '101' }, 'limit: must be at most 100'],
    [{ limit: '0' }, 'limit: limit starts at 1'],
    [{ limit: 'ten' }, 'limit: must be a number'],
    [{ page: '2', cursor: 'abc' }, 'page: cannot be combined with cursor'],
    [{ order: 'asc' }, 'order: is not a known field'],
  ])('rejects %j', (q, message) => {
    expect(() => parseOrThrow(ListQuery, q, 'query')).toThrow(message);
  });
});
