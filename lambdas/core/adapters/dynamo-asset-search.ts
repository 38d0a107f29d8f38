import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../domain/errors.js';
import type { AssetRecord } from '../domain/media.js';
import {
  bucketOf,
  entriesDiff,
  nextWave,
  SEARCH_TIERS,
  type SearchEntry,
  type SearchTier,
  shardOf,
  TIER_NAMES,
  tierOf,
} from '../domain/search.js';
import type { AssetSearchIndex, Page, SearchHit } from '../ports.js';
import { envIndexKey, MEDIA_TABLE, mediaKey, SEARCH_SEPARATOR, SEARCH_TIER_INDEXES, searchItemKey } from '../tables.js';
import { assetFromItem, decodeKey, encodeCursor } from './media-items.js';
import { MediaTable } from './media-table.js';

type Item = Record<string, unknown>;
const { partitionKey: PK, bySearchSortKey: SSK } = MEDIA_TABLE;
/** Each tier's index and partition-key attribute (typed here so that a tier without an index fails to compile). */
const TIERS: Record<SearchTier, { index: string; partitionKey: string }> = SEARCH_TIER_INDEXES;
/** DynamoDB's limits per BatchWriteItem and BatchGetItem call. */
const WRITE_BATCH = 25;
const GET_BATCH = 100;
/** Retries of the items DynamoDB leaves unprocessed under throttling, with a doubling pause from 50 ms. */
const MAX_BATCH_RETRIES = 6;

/** The search entry items of an asset, as stored (also what the search benchmark writes). */
export function searchItem(asset: Pick<AssetRecord, 'id' | 'env'>, entry: SearchEntry): Item {
  const item: Item = {
    [PK]: searchItemKey(asset.id, entry.field, entry.value),
    kind: 'search',
    [SSK]: `${entry.value}${SEARCH_SEPARATOR}${asset.id}`,
  };
  for (const tier of TIER_NAMES) {
    const shard = shardOf(entry.value, tier);
    if (shard !== undefined) item[TIERS[tier].partitionKey] = partitionOf(asset.env, shard, bucketOf(asset.id, tier));
  }
  return item;
}

const partitionOf = (env: string, shard: string, bucket: number) => `${env}#${shard}#${bucket}`;

/** Search entries as items of the media table, read through its keys-only search indexes, one per tier. */
export class DynamoAssetSearch implements AssetSearchIndex {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly pause = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async sync(before: AssetRecord | undefined, after: AssetRecord | undefined): Promise<void> {
    const asset = after ?? before;
    if (!asset) return;
    const { put, remove } = entriesDiff(before, after);
    const requests = [
      ...put.map((entry) => ({ PutRequest: { Item: searchItem(asset, entry) } })),
      ...remove.map((entry) => ({
        DeleteRequest: { Key: { [PK]: searchItemKey(asset.id, entry.field, entry.value) } },
      })),
    ];
    for (let i = 0; i < requests.length; i += WRITE_BATCH) {
      let pending: typeof requests | undefined = requests.slice(i, i + WRITE_BATCH);
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > MAX_BATCH_RETRIES) throw new Error(`Search entries of asset ${asset.id} were not written`);
        if (attempt > 0) await this.pause(50 * 2 ** attempt);
        const { UnprocessedItems } = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = UnprocessedItems?.[this.tableName] as typeof requests | undefined;
      }
    }
  }

  /**
   * Reads the buckets of the query's tier in waves (domain `nextWave`: one bucket, then as many as the matches so far
   * suggest, or all that are left when none matched), until `limit` entries are found. The cursor names the bucket to
   * go on with and, when that bucket was left part-way, the entry to start after.
   */
  async find(env: string, query: string, limit: number, cursor?: string): Promise<Page<SearchHit>> {
    const tier = tierOf(query);
    const shard = shardOf(query, tier) ?? query;
    const at = cursor === undefined ? { bucket: 0 } : decodeSearchCursor(cursor, env, shard, query, tier);
    if (!at) throw new ValidationError(['cursor: is not a cursor of this search']);
    const hits: SearchHit[] = [];
    let { bucket, after } = at as { bucket: number; after?: Item };
    const { buckets } = SEARCH_TIERS[tier];
    for (let read = 0; bucket < buckets; ) {
      const wave = nextWave(tier, read, hits.length, limit, buckets - at.bucket);
      const reads = Array.from({ length: wave }, (_, i) => bucket + i);
      const want = limit - hits.length;
      const pages = await Promise.all(
        reads.map((b, i) =>
          this.readBucket(tier, partitionOf(env, shard, b), query, want, i === 0 ? after : undefined),
        ),
      );
      for (const [i, page] of pages.entries()) {
        const room = limit - hits.length;
        const taken = page.items.slice(0, room);
        hits.push(
          ...taken.map((item) => ({ id: idOf(item), after: encodeSearchCursor(bucket + i, keyOf(item, tier)) })),
        );
        const bucketLeft = page.items.length > room || (page.items.length === room && page.more);
        if (bucketLeft) return { items: hits, ...(hits.length > 0 && { next: hits.at(-1)?.after }) };
        if (hits.length >= limit) {
          const nextBucket = bucket + i + 1;
          return { items: hits, ...(nextBucket < buckets && { next: encodeSearchCursor(nextBucket) }) };
        }
      }
      bucket += wave;
      read += wave;
      after = undefined;
    }
    return { items: hits };
  }

  private async readBucket(tier: SearchTier, partition: string, query: string, limit: number, after?: Item) {
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TIERS[tier].index,
        KeyConditionExpression: '#spk = :partition AND begins_with(#ssk, :query)',
        ExpressionAttributeNames: { '#spk': TIERS[tier].partitionKey, '#ssk': SSK },
        ExpressionAttributeValues: { ':partition': partition, ':query': query },
        Limit: limit,
        ExclusiveStartKey: after,
      }),
    );
    return { items: Items, more: LastEvaluatedKey !== undefined };
  }

  async getAssets(ids: string[]): Promise<AssetRecord[]> {
    const unique = [...new Set(ids)];
    const assets: AssetRecord[] = [];
    for (let i = 0; i < unique.length; i += GET_BATCH) {
      let keys: Item[] | undefined = unique.slice(i, i + GET_BATCH).map((id) => ({ [PK]: mediaKey('asset', id) }));
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt > MAX_BATCH_RETRIES) throw new Error('Assets of a search could not be read');
        if (attempt > 0) await this.pause(50 * 2 ** attempt);
        const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        assets.push(...(Responses?.[this.tableName] ?? []).map(assetFromItem));
        keys = UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return assets;
  }

  async listByStatus(
    env: string,
    status: AssetRecord['status'],
    limit: number,
    cursor?: string,
  ): Promise<Page<AssetRecord>> {
    const page = await new MediaTable(this.doc, this.tableName).list(envIndexKey(env, 'asset'), limit, cursor, status);
    return { ...page, items: page.items.map(assetFromItem) };
  }
}

const idOf = (item: Item) => String(item[SSK]).split(SEARCH_SEPARATOR).pop() ?? '';
/** An index item's key (table key + index keys): where a read of its bucket resumes. */
const keyOf = (item: Item, tier: SearchTier): Item => ({
  [PK]: item[PK],
  [TIERS[tier].partitionKey]: item[TIERS[tier].partitionKey],
  [SSK]: item[SSK],
});

const encodeSearchCursor = (bucket: number, after?: Item) => encodeCursor({ bucket: String(bucket), ...after });

/** A search cursor names a bucket of the same tier and, if any, an entry of that bucket matching the same query. */
function decodeSearchCursor(cursor: string, env: string, shard: string, query: string, tier: SearchTier) {
  const key = decodeKey(cursor, ['bucket']) ?? decodeKey(cursor, ['bucket', PK, TIERS[tier].partitionKey, SSK]);
  const bucket = Number(key?.bucket);
  if (!key || !Number.isInteger(bucket) || bucket < 0 || bucket >= SEARCH_TIERS[tier].buckets) return undefined;
  const { bucket: _, ...after } = key;
  if (Object.keys(after).length === 0) return { bucket };
  const sameSearch =
    after[TIERS[tier].partitionKey] === partitionOf(env, shard, bucket) && after[SSK]?.startsWith(query);
  return sameSearch ? { bucket, after } : undefined;
}
