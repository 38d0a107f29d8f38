import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, TransitionError, ValidationError } from '../../lambdas/core/domain/errors.js';
import { toMuxAsset } from '../../lambdas/core/domain/media.js';
import { assetFieldsFrom } from '../../lambdas/core/usecases/asset-settings.js';
import { getAsset, listAssets } from '../../lambdas/core/usecases/assets.js';
import { ListQuery, pageOf, SKIP_READ } from '../../lambdas/core/usecases/listing.js';
import {
  CompleteMultipartInput,
  CreateUploadInput,
  cancelUpload,
  completeMultipart,
  createUpload,
  getUpload,
  listUploads,
  type MultipartContext,
  partSizeFor,
  S3_LIMITS,
  StartMultipartInput,
  startMultipart,
  timeOutUploads,
} from '../../lambdas/core/usecases/uploads.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { FakeUploadUrls, InMemoryMediaRepository, preparingAsset, waitingUpload } from './fakes.js';
import { FakeMultipartUploads } from './multipart-fakes.js';

let media: InMemoryMediaRepository;
let urls: FakeUploadUrls;
const create = async (body: unknown) =>
  createUpload(parseOrThrow(CreateUploadInput, body), {
    env: 'env1',
    media,
    urls,
    transcoder: 'fargate',
    resolve: async () => ['93.184.216.34'],
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

  it.each(['*', 'https://example.com', 'http://localhost:5173', 'https://example.com/', 'https://[::1]:8443'])(
    'takes cors_origin %s',
    async (origin) => {
      expect(await create({ cors_origin: origin })).toMatchObject({ cors_origin: origin });
    },
  );

  it("echoes new_asset_settings as Mux does: mp4_support none as sent, playback_policy under today's name", async () => {
    // Mux's reference (create-direct-upload): `new_asset_settings: { playback_policy: ['public'] }` is answered with
    // `playback_policies: ['public']`; every other field comes back as sent.
    const upload = await create({ new_asset_settings: { playback_policy: 'public', mp4_support: 'none' } });
    const echoed = { playback_policies: ['public'], mp4_support: 'none' };
    expect(upload.new_asset_settings).toEqual(echoed);
    expect((await getUpload(upload.id, { env: 'env1', media })).new_asset_settings).toEqual(echoed);
    // none makes no file: the asset made from it has no static renditions and reports none.
    const asset = preparingAsset(assetFieldsFrom('asset1', upload.new_asset_settings));
    expect(toMuxAsset(asset)).toMatchObject({ mp4_support: 'none' });
    expect(toMuxAsset(asset)).not.toHaveProperty('static_renditions');
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
    [{ new_asset_settings: { normalise_audio: true } }, 'new_asset_settings.normalise_audio: is not a known field'],
    [{ new_asset_settings: { normalize_audio: 'yes' } }, 'new_asset_settings.normalize_audio: '],
    [
      { new_asset_settings: { video_quality: 'ultra' } },
      'new_asset_settings.video_quality: must be basic, plus or premium',
    ],
    [
      { new_asset_settings: { video_quality: 'basic', encoding_tier: 'smart' } },
      'new_asset_settings.encoding_tier: smart is video_quality plus, which disagrees with video_quality basic',
    ],
    [{ new_asset_settings: { playback_policy: 'drm' } }, 'new_asset_settings.playback_policy.0: drm is not supported'],
    [
      { new_asset_settings: { advanced_playback_policies: [{ policy: 'signed', drm_configuration_id: 'x' }] } },
      'new_asset_settings.advanced_playback_policies.0.drm_configuration_id: is not supported by this deployment',
    ],
    [
      { new_asset_settings: { inputs: [{ url: 'https://x.test/a.vtt' }] } },
      'new_asset_settings.inputs.0.type: further inputs are text or audio tracks',
    ],
    [{ new_asset_settings: { generate_shots: 'yes' } }, 'new_asset_settings.generate_shots: must be a boolean'],
    [{ new_asset_settings: { playback_policies: ['private'] } }, 'new_asset_settings.playback_policies.0: '],
    [{ new_asset_settings: { max_resolution_tier: '720p' } }, 'new_asset_settings.max_resolution_tier: '],
    [{ cors_origin: 'example.com' }, 'cors_origin: must be "*" or an origin'],
    [{ cors_origin: 'https://example.com/upload' }, 'cors_origin: must be "*" or an origin'],
    [{ cors_origin: 'javascript:alert(1)' }, 'cors_origin: must be "*" or an origin'],
    [{ cors_origin: `https://${'a'.repeat(2100)}.com` }, 'cors_origin: must be at most 2048 characters'],
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

describe('pageOf', () => {
  // Items 0..n-1; a cursor is the index to start at. `cap` plays DynamoDB's 1 MB: a read returns at most that many.
  const list = (n: number, cap = Number.POSITIVE_INFINITY) => {
    const reads: number[] = [];
    const fetch = async (limit: number, cursor?: string) => {
      reads.push(limit);
      const start = cursor === undefined ? 0 : Number(cursor);
      const items = Array.from({ length: Math.max(0, Math.min(limit, cap, n - start)) }, (_, i) => start + i);
      const end = start + items.length;
      return { items, ...(end < n && { next: String(end) }) };
    };
    return { fetch, reads };
  };
  const q = (limit: number, page: number) => ({ limit, page });

  it('skips (page - 1) × limit items in reads of up to SKIP_READ, then reads the page', async () => {
    const { fetch, reads } = list(3000);
    expect((await pageOf(fetch, q(100, 13))).items).toEqual(Array.from({ length: 100 }, (_, i) => 1200 + i));
    expect(reads).toEqual([SKIP_READ, 200, 100]);
  });

  it('counts what each read returned, however few (a read stops at 1 MB)', async () => {
    const { fetch } = list(100, 7);
    expect((await pageOf(fetch, q(5, 4))).items).toEqual([15, 16, 17, 18, 19]);
  });

  it('returns nothing past the last item, also where the last page is exactly full', async () => {
    expect((await pageOf(list(20).fetch, q(5, 5))).items).toEqual([]);
    expect((await pageOf(list(20).fetch, q(5, 4))).items).toEqual([15, 16, 17, 18, 19]);
    expect((await pageOf(list(21).fetch, q(5, 5))).items).toEqual([20]);
  });
});

describe('ListQuery', () => {
  it('defaults to 25 per page, first page', () => {
    expect(ListQuery.parse({})).toEqual({ limit: 25, page: 1 });
  });

  it('accepts the deepest page and the longest cursor', () => {
    // (page - 1) × limit at most 10,000 items skipped: page 401 at the default 25, 101 at 100.
    expect(ListQuery.parse({ page: '401' })).toMatchObject({ page: 401 });
    expect(ListQuery.parse({ limit: '100', page: '101' })).toMatchObject({ page: 101 });
    expect(ListQuery.parse({ cursor: 'x'.repeat(4096) })).toMatchObject({ cursor: 'x'.repeat(4096) });
    expect(() => parseOrThrow(ListQuery, { cursor: 'x'.repeat(4097) }, 'query')).toThrow(
      'cursor: must be at most 4096 characters',
    );
  });

  it.each([
    [{ limit: '101' }, 'limit: must be at most 100'],
    [{ limit: '0' }, 'limit: limit starts at 1'],
    [{ limit: 'ten' }, 'limit: must be a number'],
    [{ page: '2', cursor: 'abc' }, 'page: cannot be combined with cursor'],
    [{ order: 'asc' }, 'order: is not a known field'],
    // Every item before a numbered page is read to reach it: deeper pages are reached with the cursor.
    [{ limit: '1', page: '1000000' }, 'page: must be at most 10000 items deep ((page - 1) × limit); use cursor'],
    [{ page: '402' }, 'page: must be at most 10000 items deep'],
    [{ limit: '100', page: '102' }, 'page: must be at most 10000 items deep'],
  ])('rejects %j', (q, message) => {
    expect(() => parseOrThrow(ListQuery, q, 'query')).toThrow(message);
  });
});

describe('multipart uploads', () => {
  const MiB = 1024 ** 2;
  let parts: FakeMultipartUploads;
  let clock: number;
  const ctx = (overrides: Partial<MultipartContext> = {}): MultipartContext => ({
    env: 'env1',
    media,
    multipart: parts,
    maxUploadBytes: 100 * 1024 ** 3,
    now: () => clock * 1000,
    ...overrides,
  });
  const start = (body: unknown, overrides: Partial<MultipartContext> = {}) =>
    startMultipart('upload1', parseOrThrow(StartMultipartInput, body), ctx(overrides));
  const complete = (body: unknown) =>
    completeMultipart('upload1', parseOrThrow(CompleteMultipartInput, body), { env: 'env1', media, multipart: parts });

  beforeEach(async () => {
    parts = new FakeMultipartUploads();
    clock = 1_700_000_100;
    await media.putUpload(waitingUpload({ timeout: 3600 }));
  });

  it('picks parts of 16 MiB, grown so that any file up to 5 TiB fits in 10,000 parts', () => {
    expect(partSizeFor(1)).toBe(16 * MiB);
    expect(partSizeFor(100 * 1024 ** 3)).toBe(16 * MiB);
    expect(partSizeFor(200 * 1024 ** 3)).toBe(21 * MiB);
    const max = S3_LIMITS.maxObject;
    expect(partSizeFor(max)).toBe(525 * MiB);
    expect(Math.ceil(max / partSizeFor(max))).toBeLessThanOrEqual(10_000);
    for (const size of [5 * 1024 ** 3 + 1, 777_777_777_777, 3 * 1024 ** 4 + 12345]) {
      const partSize = partSizeFor(size, 5 * MiB);
      expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(10_000);
      expect(partSize).toBeLessThanOrEqual(S3_LIMITS.maxPart);
    }
  });

  it('starts: records the S3 upload, and returns URLs for every part, each signed for its exact size', async () => {
    const session = await start({ size: 40 * MiB });

    expect(session).toMatchObject({ id: 'upload1', size: 40 * MiB, part_size: 16 * MiB, part_count: 3 });
    expect(session.uploaded_parts).toEqual([]);
    expect(session.part_urls.map((p) => [p.part_number, p.size])).toEqual([
      [1, 16 * MiB],
      [2, 16 * MiB],
      [3, 8 * MiB],
    ]);
    expect(session.part_urls[2]?.url).toContain(`partNumber=3&length=${8 * MiB}&X-Amz-Expires=3600`);
    expect(session.urls_expire_at).toBe(String(clock + 3600));
    expect((await media.getUpload('upload1'))?.multipart).toEqual({
      upload_id: 'mpu-1',
      size: 40 * MiB,
      part_size: 16 * MiB,
      renewed_at: clock,
    });
  });

  it('resumes: the same S3 upload, its stored parts with ETags, URLs only for the missing parts', async () => {
    await start({ size: 12 * MiB, part_size: 5 * MiB });
    const etag1 = parts.putPart('mpu-1', 1, 5 * MiB);

    clock += 600;
    const resumed = await start({ size: 12 * MiB });

    expect(parts.uploads.size).toBe(1);
    expect(resumed.part_size).toBe(5 * MiB);
    expect(resumed.uploaded_parts).toEqual([{ part_number: 1, etag: etag1, size: 5 * MiB }]);
    expect(resumed.part_urls.map((p) => p.part_number)).toEqual([2, 3]);
    expect((await media.getUpload('upload1'))?.multipart?.renewed_at).toBe(clock);
  });

  it('issues at most 100 URLs at once, and those asked for by number', async () => {
    const size = 300 * 5 * MiB;
    const first = await start({ size, part_size: 5 * MiB });
    expect(first.part_count).toBe(300);
    expect(first.part_urls.map((p) => p.part_number)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));

    const later = await start({ size, part_numbers: [299, 300, 300] });
    expect(later.part_urls.map((p) => p.part_number)).toEqual([299, 300]);
  });

  it('refuses a declared size over the limit, before anything is created', async () => {
    await expect(start({ size: 2001 }, { maxUploadBytes: 2000 })).rejects.toThrow(
      new ValidationError(['size: the file is 2001 bytes; this deployment accepts files up to 2000 bytes']),
    );
    expect(parts.uploads.size).toBe(0);
    expect((await media.getUpload('upload1'))?.multipart).toBeUndefined();
  });

  it('refuses URLs for parts beyond the declared size, and another size for a started upload', async () => {
    await start({ size: 12 * MiB, part_size: 5 * MiB });
    await expect(start({ size: 12 * MiB, part_numbers: [3, 4] })).rejects.toThrow(
      'part_numbers: a file of 12582912 bytes has 3 parts; 4 is beyond it',
    );
    await expect(start({ size: 13 * MiB })).rejects.toThrow(
      'size: this upload was started for a file of 12582912 bytes',
    );
  });

  it.each([
    [{}, 'size: must be the file size in bytes'],
    [{ size: 0 }, 'size: must be at least 1 byte'],
    [{ size: 6 * 1024 ** 4 }, `size: must be at most ${S3_LIMITS.maxObject} bytes (5 TiB, S3's limit)`],
    [{ size: 10, part_size: MiB }, 'part_size: must be at least 5242880 bytes (5 MiB)'],
    [{ size: 10, part_numbers: [0] }, 'part_numbers.0: must be at least 1'],
    [{ size: 10, chunk: 1 }, 'chunk: is not a known field'],
  ])('validates the start body %j', (body, message) => {
    expect(() => parseOrThrow(StartMultipartInput, body)).toThrow(message);
  });

  it('keeps the first of two concurrent starts and aborts the other S3 upload', async () => {
    const [a, b] = await Promise.all([start({ size: 40 * MiB }), start({ size: 40 * MiB })]);
    const kept = (await media.getUpload('upload1'))?.multipart?.upload_id;
    expect(a.part_urls[0]?.url).toContain(`uploadId=${kept}`);
    expect(b.part_urls[0]?.url).toContain(`uploadId=${kept}`);
    expect(parts.aborted).toHaveLength(1);
    expect(parts.aborted[0]).not.toBe(kept);
  });

  it('refuses to start or complete an upload that is not waiting, or of another environment', async () => {
    await media.transitionUpload('upload1', 'cancelled');
    await expect(start({ size: 10 })).rejects.toBeInstanceOf(TransitionError);
    await expect(complete({ parts: [{ part_number: 1, etag: 'x' }] })).rejects.toBeInstanceOf(TransitionError);
    await expect(start({ size: 10 }, { env: 'env2' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('completes with every part 1…N and the stored ETags, in part order', async () => {
    await start({ size: 12 * MiB, part_size: 5 * MiB });
    const etags = [1, 2, 3].map((n) => parts.putPart('mpu-1', n, n < 3 ? 5 * MiB : 2 * MiB));

    const upload = await complete({
      parts: [
        { part_number: 3, etag: etags[2] },
        { part_number: 1, etag: (etags[0] ?? '').replace(/"/g, '') },
        { part_number: 2, etag: etags[1] },
      ],
    });

    expect(upload).toMatchObject({ id: 'upload1', status: 'waiting' });
    expect(parts.completed).toEqual([
      {
        key: 'uploads/upload1',
        uploadId: 'mpu-1',
        parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: etags[n - 1] })),
      },
    ]);
  });

  it('refuses to complete with a missing part, a wrong ETag, or a part of the wrong size', async () => {
    await start({ size: 12 * MiB, part_size: 5 * MiB });
    const e1 = parts.putPart('mpu-1', 1, 5 * MiB);
    const e2 = parts.putPart('mpu-1', 2, 4 * MiB);
    const e3 = parts.putPart('mpu-1', 3, 2 * MiB);

    await expect(complete({ parts: [{ part_number: 1, etag: e1 }] })).rejects.toThrow(
      'parts: must name each of the 3 parts once; missing 2, 3',
    );
    await expect(
      complete({
        parts: [
          { part_number: 1, etag: '"other"' },
          { part_number: 2, etag: e2 },
          { part_number: 3, etag: e3 },
        ],
      }),
    ).rejects.toThrow(
      new ValidationError([
        'parts.0.etag: is not the ETag of the stored part 1',
        'parts.1: part 2 holds 4194304 bytes, not the 5242880 of a 12582912-byte file',
      ]),
    );
    expect(parts.completed).toEqual([]);
  });

  it('says in words when storage has dropped the parts of an abandoned upload', async () => {
    await start({ size: 40 * MiB });
    parts.uploads.clear();
    await expect(start({ size: 40 * MiB })).rejects.toThrow('the parts of upload upload1 are gone');
    await expect(complete({ parts: [{ part_number: 1, etag: 'x' }] })).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses to complete an upload that never started a multipart upload', async () => {
    await expect(complete({ parts: [{ part_number: 1, etag: 'x' }] })).rejects.toThrow('has no multipart upload');
  });

  it('cancelling aborts the multipart upload; a plain upload is just cancelled', async () => {
    await start({ size: 40 * MiB });
    expect(await cancelUpload('upload1', { env: 'env1', media, multipart: parts })).toMatchObject({
      status: 'cancelled',
    });
    expect(parts.aborted).toEqual(['mpu-1']);

    await media.putUpload(waitingUpload({ id: 'plain' }));
    await cancelUpload('plain', { env: 'env1', media, multipart: parts });
    expect(parts.aborted).toEqual(['mpu-1']);
  });

  it('a multipart upload times out a timeout after its last part URLs, not after its creation', async () => {
    const created = (await media.getUpload('upload1'))?.created_at ?? 0;
    clock = created + 3000;
    await start({ size: 40 * MiB });
    const sweep = (at: number) => timeOutUploads({ media, multipart: parts, now: () => at * 1000, graceSeconds: 120 });

    expect(await sweep(created + 3600 + 121)).toEqual([]);
    expect(parts.aborted).toEqual([]);
    expect(await sweep(clock + 3600 + 121)).toEqual(['upload1']);
    // Its parts are dropped at once, not left to the bucket's 7-day lifecycle rule.
    expect(parts.aborted).toEqual(['mpu-1']);
  });
});

describe("an upload's presigned url, shown only to a caller that may upload", () => {
  beforeEach(async () => {
    await media.putUpload(waitingUpload({ id: 'up1', created_at: 1 }));
    await media.putUpload(waitingUpload({ id: 'up2', created_at: 2, status: 'asset_created', asset_id: 'a1' }));
  });
  const query = parseOrThrow(ListQuery, {}, 'query');

  it('leaves the url out for a caller without video:write (the default), in a get and a list', async () => {
    const reader = { env: 'env1', media };
    const one = await getUpload('up1', reader);
    expect(one).toMatchObject({ id: 'up1', status: 'waiting', timeout: 3600, cors_origin: '*' });
    expect(one).not.toHaveProperty('url');
    const listed = (await listUploads(query, { ...reader, mayUpload: false })).data;
    expect(listed.length).toBeGreaterThan(0);
    for (const upload of listed) expect(upload).not.toHaveProperty('url');
  });

  it('shows it to a caller with video:write, on uploads that still wait and, as Mux, on those that moved on', async () => {
    const writer = { env: 'env1', media, mayUpload: true };
    expect(await getUpload('up1', writer)).toMatchObject({ url: 'https://ingest.example/uploads/upload1' });
    const listed = (await listUploads(query, writer)).data;
    expect(listed.map((u) => [u.id, u.url])).toEqual([
      ['up2', 'https://ingest.example/uploads/upload1'],
      ['up1', 'https://ingest.example/uploads/upload1'],
    ]);
  });
});
