import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../domain/errors.js';
import type { AssetRecord } from '../domain/media.js';
import { entriesDiff, type SearchEntry, shardOf } from '../domain/search.js';
import type { AssetSearchIndex, Page } from '../ports.js';
import { envIndexKey, MEDIA_TABLE, mediaKey, SEARCH_SEPARATOR, searchItemKey } from '../tables.js';
import { assetFromItem, decodeKey, encodeCursor } from './media-items.js';
import { MediaTable } from './media-table.js';

type Item = Record<string, unknown>;
const { partitionKey: PK, bySearchPartitionKey: SPK, bySearchSortKey: SSK } = MEDIA_TABLE;
/** DynamoDB's limits per BatchWriteItem and BatchGetItem call. */
const WRITE_BATCH = 25;
const GET_BATCH = 100;
/** Retries of the items DynamoDB leaves unprocessed under throttling, with a doubling pause from 50 ms. */
const MAX_BATCH_RETRIES = 6;

/** The search entry items of an asset, as stored (also what the search benchmark writes). */
export function searchItem(asset: Pick<AssetRecord, 'id' | 'env'>, entry: SearchEntry): Item {
  return {
    [PK]: searchItemKey(asset.id, entry.field, entry.value),
    kind: 'search',
    [SPK]: `${asset.env}#${shardOf(entry.value)}`,
    [SSK]: `${entry.value}${SEARCH_SEPARATOR}${asset.id}`,
  };
}

/** Search entries as items of the media table, read through its keys-only `bySearch` index. */
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

  async find(env: string, query: string, limit: number, cursor?: string): Promise<Page<string>> {
    const partition = `${env}#${shardOf(query)}`;
    const startKey = cursor === undefined ? undefined : decodeSearchCursor(cursor, partition, query);
    if (cursor !== undefined && !startKey) throw new ValidationError(['cursor: is not a cursor of this search']);
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: MEDIA_TABLE.bySearchIndex,
        KeyConditionExpression: '#spk = :partition AND begins_with(#ssk, :query)',
        ExpressionAttributeNames: { '#spk': SPK, '#ssk': SSK },
        ExpressionAttributeValues: { ':partition': partition, ':query': query },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const ids = Items.map((item) => String(item[SSK]).split(SEARCH_SEPARATOR).pop() ?? '');
    return { items: ids, ...(LastEvaluatedKey && { next: encodeCursor(LastEvaluatedKey) }) };
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

/** A search cursor is the index's LastEvaluatedKey, valid only for the same partition and query. */
function decodeSearchCursor(cursor: string, partition: string, query: string): Item | undefined {
  const key = decodeKey(cursor, [PK, SPK, SSK]);
  return key?.[SPK] === partition && key[SSK]?.startsWith(query) ? key : undefined;
}
