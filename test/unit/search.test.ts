import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAssetSearch, searchItem } from '../../lambdas/core/adapters/dynamo-asset-search.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import {
  bucketOf,
  entriesDiff,
  nextWave,
  normalise,
  SEARCH_TIERS,
  searchEntries,
  shardOf,
  tierOf,
} from '../../lambdas/core/domain/search.js';
import { AssetListQuery, listAssets } from '../../lambdas/core/usecases/search.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';
import { InMemorySearch } from './search-fakes.js';

describe('search entries', () => {
  it('folds case, width and white space', () => {
    expect(normalise('  Ｍy\tCAT\n video ')).toBe('my cat video');
    expect(normalise('x'.repeat(500))).toHaveLength(128);
  });

  it('indexes whole values, and every word onwards of title and passthrough', () => {
    const asset = preparingAsset({
      id: 'AbC123',
      meta: { title: 'My Cat Video', creator_id: 'User-7', external_id: 'EXT-42' },
      passthrough: 'order:9',
    });
    expect(searchEntries(asset).map((e) => `${e.field}=${e.value}`)).toEqual([
      'id=abc123',
      'title=my cat video',
      'title=cat video',
      'title=video',
      'creator_id=user-7',
      'external_id=ext-42',
      'passthrough=order:9',
      'passthrough=9',
    ]);
    expect(entriesDiff(asset, { ...asset, status: 'deleted' }).remove).toHaveLength(8);
  });

  it('moves only the entries an edit changes', () => {
    const before = preparingAsset({ id: 'a1', meta: { title: 'Old news' } });
    const after = preparingAsset({ id: 'a1', meta: { title: 'Good news' } });
    const { put, remove } = entriesDiff(before, after);
    expect(put.map((e) => e.value)).toEqual(['good news']);
    expect(remove.map((e) => e.value)).toEqual(['old news']);
  });
});

describe('index tiers', () => {
  it('reads the longest tier a search is long enough for: 3-4 characters short, 5-7 mid, 8-11 long, 12+ longest', () => {
    const tiers = ['abc', 'abcd', 'abcde', 'abcdefg', 'abcdefgh', 'abcdefghijk', 'abcdefghijkl', 'a'.repeat(40)].map(
      tierOf,
    );
    expect(tiers).toEqual(['short', 'short', 'mid', 'mid', 'long', 'long', 'longest', 'longest']);
    expect(tierOf('日本語のタイトル')).toBe('long');
  });

  it('files a value under its first characters in each tier it is long enough for, and in no other', () => {
    expect(shardOf('highlights-123', 'short')).toBe('hig');
    expect(shardOf('highlights-123', 'mid')).toBe('highl');
    expect(shardOf('highlights-123', 'long')).toBe('highligh');
    expect(shardOf('highlights-123', 'longest')).toBe('highlights-1');
    expect(shardOf('demo-7', 'long')).toBeUndefined();
    expect(shardOf('ab', 'short')).toBeUndefined();
    expect(shardOf('🎬🎬🎬🎬🎬', 'mid')).toBe('🎬🎬🎬🎬🎬');
  });

  it("puts all of an asset's entries of a tier in one of its buckets, spreading assets over every bucket", () => {
    for (const [tier, { buckets }] of Object.entries(SEARCH_TIERS) as [
      keyof typeof SEARCH_TIERS,
      { buckets: number },
    ][]) {
      const used = new Set(Array.from({ length: 2000 }, (_, i) => bucketOf(`asset-${i}`, tier)));
      expect(used).toEqual(new Set(Array.from({ length: buckets }, (_, b) => b)));
    }
    expect(bucketOf('a1', 'short')).toBe(bucketOf('a1', 'short'));
  });

  it('reads one bucket first, then as many as the matches so far need, or every bucket left when none matched', () => {
    expect(nextWave('short', 0, 0, 25, 32)).toBe(1);
    expect(nextWave('short', 1, 0, 25, 32)).toBe(31);
    expect(nextWave('short', 1, 5, 25, 32)).toBe(4);
    expect(nextWave('short', 3, 24, 25, 32)).toBe(1);
    expect(nextWave('mid', 4, 2, 100, 16)).toBe(12);
    expect(nextWave('longest', 0, 0, 25, SEARCH_TIERS.longest.buckets)).toBe(SEARCH_TIERS.longest.buckets);
    expect(nextWave('short', 0, 0, 25, 5)).toBe(1);
  });

  it('gives an entry item one index key per tier its value is long enough for', () => {
    const asset = preparingAsset({ id: 'a1' });
    const keys = (value: string) =>
      Object.keys(searchItem(asset, { field: 'title', value })).filter((k) => /^gsi\dpk$/.test(k));
    expect(keys('cat')).toEqual(['gsi2pk']);
    expect(keys('cat v')).toEqual(['gsi2pk', 'gsi4pk']);
    expect(keys('cat vide')).toEqual(['gsi2pk', 'gsi4pk', 'gsi3pk']);
    expect(keys('cat video 12')).toEqual(['gsi2pk', 'gsi4pk', 'gsi3pk', 'gsi5pk']);
  });
});

describe('listing assets with search and status (Gamma extension)', () => {
  let media: InMemoryMediaRepository;
  let search: InMemorySearch;
  const list = (q: Record<string, string>) =>
    listAssets(parseOrThrow(AssetListQuery, q, 'query'), { env: 'env1', media, search });

  beforeEach(async () => {
    media = new InMemoryMediaRepository();
    search = new InMemorySearch(media);
    for (let i = 0; i < 60; i++) {
      const asset = preparingAsset({
        id: `asset${i}`,
        status: i % 2 ? 'ready' : 'preparing',
        created_at: 1_700_000_000 + i,
        meta: { title: `Clip number ${i}`, external_id: `ext-${i}` },
      });
      await media.createAsset(asset);
      await search.sync(undefined, asset);
    }
  });

  it('finds an asset on a later page of the list by its external id, ignoring case', async () => {
    expect((await list({ search: 'EXT-7' })).data.map((a) => a.id)).toEqual(['asset7']);
  });

  it('combines a word prefix with the status filter and pages with the cursor', async () => {
    const first = await list({ search: 'numb', status: 'ready', limit: '10' });
    expect(first.data).toHaveLength(10);
    expect(first.data.every((a) => a.status === 'ready')).toBe(true);
    const second = await list({ search: 'numb', status: 'ready', limit: '10', cursor: first.next_cursor as string });
    expect(second.data.map((a) => a.id)).not.toContain(first.data[0]?.id);
  });

  it('never returns an asset whose entry is stale or that was deleted', async () => {
    const asset = (await media.getAsset('asset3')) as AssetRecord;
    await media.updateAsset('asset3', { meta: { title: 'Renamed' } }); // the index was not told
    await media.deleteAsset('asset5');
    const clips = (await list({ search: 'clip number 3' })).data.map((a) => a.id);
    expect(clips).toEqual(Array.from({ length: 10 }, (_, i) => `asset3${i}`));
    expect((await list({ search: 'ext-5' })).data.map((a) => a.id)).not.toContain('asset5');
    expect((await list({ search: 'renamed' })).data).toEqual([]); // no entry yet: found once the index is synced
    expect(asset.meta?.title).toBe('Clip number 3');
  });

  it('refuses a two-character search and an unknown status, naming the field', () => {
    expect(() => parseOrThrow(AssetListQuery, { search: ' ab ' }, 'query')).toThrow(/search: must have at least 3/);
    expect(() => parseOrThrow(AssetListQuery, { status: 'deleted' }, 'query')).toThrow(/status: must be/);
  });

  it('refuses a page deeper than 10 (each one walked costs up to 5 index reads) and an overlong cursor', () => {
    expect(() => parseOrThrow(AssetListQuery, { search: 'clip', limit: '1', page: '11' }, 'query')).toThrow(
      /page: must be at most 10 with search or status; use cursor/,
    );
    expect(() => parseOrThrow(AssetListQuery, { search: 'clip', cursor: 'A'.repeat(4097) }, 'query')).toThrow(
      /cursor: must be at most 4096/,
    );
  });

  it('lets the plain list skip up to 10,000 items by page number, a status filter 10 pages', () => {
    expect(parseOrThrow(AssetListQuery, { page: '401' }, 'query')).toMatchObject({ page: 401 });
    expect(() => parseOrThrow(AssetListQuery, { page: '402' }, 'query')).toThrow(/page: must be at most 10000 items/);
    expect(() => parseOrThrow(AssetListQuery, { status: 'ready', page: '11' }, 'query')).toThrow(
      /page: must be at most 10 with search or status/,
    );
  });
});

describe('DynamoAssetSearch', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  const index = new DynamoAssetSearch(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media', async () => {});
  beforeEach(() => doc.reset());

  /** Answers queries the way a DynamoDB index does: one partition, a begins_with range in key order, Limit. */
  function serveIndex(items: Record<string, string>[]) {
    doc.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const attribute = input.ExpressionAttributeNames?.['#spk'] as string;
      const { ':partition': partition, ':query': query } = input.ExpressionAttributeValues ?? {};
      const rows = items
        .filter((item) => item[attribute] === partition && item.gsi2sk?.startsWith(query))
        .sort((a, b) => String(a.gsi2sk).localeCompare(String(b.gsi2sk)));
      const start = input.ExclusiveStartKey
        ? rows.findIndex((r) => r.gsi2sk === input.ExclusiveStartKey?.gsi2sk) + 1
        : 0;
      const page = rows.slice(start, start + (input.Limit ?? rows.length));
      const last = page.at(-1);
      const more = start + page.length < rows.length && last;
      return {
        Items: page,
        ...(more && { LastEvaluatedKey: { pk: last.pk, [attribute]: last[attribute], gsi2sk: last.gsi2sk } }),
      };
    });
  }
  const entriesOf = (assets: AssetRecord[]) =>
    assets.flatMap((a) => searchEntries(a).map((e) => searchItem(a, e) as Record<string, string>));

  it('writes new entries and deletes dropped ones in one batch, retrying what DynamoDB left unprocessed', async () => {
    const before = preparingAsset({ id: 'a1', meta: { external_id: 'old' } });
    const after = preparingAsset({ id: 'a1', meta: { external_id: 'new-value-42' } });
    const unprocessed = [{ PutRequest: { Item: { pk: 'search#a1#external_id#new-value-42' } } }];
    doc
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { media: unprocessed } })
      .resolves({});
    await index.sync(before, after);
    const calls = doc.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.media);

    expect(calls[0]).toEqual([
      {
        PutRequest: {
          Item: {
            pk: 'search#a1#external_id#new-value-42',
            kind: 'search',
            gsi2pk: `env1#new#${bucketOf('a1', 'short')}`,
            gsi4pk: `env1#new-v#${bucketOf('a1', 'mid')}`,
            gsi3pk: `env1#new-valu#${bucketOf('a1', 'long')}`,
            gsi5pk: `env1#new-value-42#${bucketOf('a1', 'longest')}`,
            gsi2sk: 'new-value-42\u0001a1',
          },
        },
      },
      { DeleteRequest: { Key: { pk: 'search#a1#external_id#old' } } },
    ]);
    expect(calls[1]).toEqual(unprocessed);
  });

  it('fills a page of a common word from the first bucket, and its cursor walks every match exactly once', async () => {
    const assets = Array.from({ length: 400 }, (_, i) =>
      preparingAsset({ id: `asset-${i}`, meta: { title: `Cat ${i}` } }),
    );
    serveIndex(entriesOf(assets));
    const first = await index.find('env1', 'cat', 10);
    expect(first.items).toHaveLength(10);
    expect(doc.commandCalls(QueryCommand)).toHaveLength(1);
    expect(doc.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'bySearch',
      ExpressionAttributeValues: { ':partition': 'env1#cat#0', ':query': 'cat' },
    });
    const seen = first.items.map((h) => h.id);
    for (let next = first.next; next; ) {
      const page = await index.find('env1', 'cat', 10, next);
      seen.push(...page.items.map((h) => h.id));
      next = page.next;
    }
    expect(seen.sort()).toEqual(assets.map((a) => a.id).sort());
  });

  it('reads a long search from the long tier: one bucket, then every other bucket at once, to find one rare value', async () => {
    const assets = Array.from({ length: 50 }, (_, i) =>
      preparingAsset({ id: `a${i}`, meta: { external_id: `ext-${i}-abcdef` } }),
    );
    serveIndex(entriesOf(assets));
    const hit = assets.find((a) => bucketOf(a.id, 'long') !== 0);
    const query = normalise(hit?.meta?.external_id ?? '').slice(0, 10);
    expect((await index.find('env1', query, 25)).items.map((h) => h.id)).toEqual([hit?.id]);
    const calls = doc.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(SEARCH_TIERS.long.buckets);
    expect(new Set(calls.map((c) => c.IndexName))).toEqual(new Set(['bySearchLong']));
  });

  it('reads a search of 12 characters or more from the longest tier, every bucket in its first wave', async () => {
    const assets = Array.from({ length: 50 }, (_, i) =>
      preparingAsset({ id: `a${i}`, meta: { external_id: `EXT-${i}-abcdefgh` } }),
    );
    serveIndex(entriesOf(assets));
    const started: number[] = [];
    let inFlight = 0;
    doc.on(QueryCommand).callsFake(async () => {
      started.push(++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return { Items: [] };
    });
    await index.find('env1', 'ext-37-abcdefgh', 25);
    expect(started).toHaveLength(SEARCH_TIERS.longest.buckets);
    expect(Math.max(...started)).toBe(SEARCH_TIERS.longest.buckets);
    expect(new Set(doc.commandCalls(QueryCommand).map((c) => c.args[0].input.IndexName))).toEqual(
      new Set(['bySearchLongest']),
    );
  });

  it('finds an entry written under the buckets of an older layout (fewer buckets): it lies in a bucket still read', async () => {
    const asset = preparingAsset({ id: 'old-1', meta: { external_id: 'legacy-value' } });
    const item = searchItem(asset, { field: 'external_id', value: 'legacy-value' }) as Record<string, string>;
    item.gsi2pk = 'env1#leg#3';
    serveIndex([item]);
    expect((await index.find('env1', 'leg', 25)).items.map((h) => h.id)).toEqual(['old-1']);
  });

  it('refuses a cursor of another search or a bucket out of range', async () => {
    serveIndex([]);
    const cursor = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const other = cursor({ bucket: '2', pk: 'x', gsi2pk: 'env2#cat#2', gsi2sk: 'cat\u0001a' });
    await expect(index.find('env1', 'cat', 10, other)).rejects.toThrow(/cursor/);
    await expect(index.find('env1', 'cat', 10, cursor({ bucket: String(SEARCH_TIERS.short.buckets) }))).rejects.toThrow(
      /cursor/,
    );
  });
});
