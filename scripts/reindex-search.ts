/**
 * `npm run reindex:search`: writes every asset's search entries again, with the keys the current index gives them.
 * Needed once after upgrading a deployment whose entries were written under an older key scheme (before entries
 * were filed by bucket, or before the 5- and 12-character tiers: README "Search"): until then a search misses the
 * assets not edited since. Idempotent (an entry is a Put of the same item), safe while the API runs (the API keeps
 * writing entries as assets change). test/integration/reindex-search.test.ts runs it.
 *
 *   npm run reindex:search                            # the local platform (.gamma/local.json)
 *   npm run reindex:search -- --table <MediaTableName> # a deployed stack, with your AWS credentials
 *   npm run reindex:search -- --table <name> --endpoint <emulator URL>  # a table in an emulator
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { DynamoAssetSearch } from '../lambdas/core/adapters/dynamo-asset-search.js';
import { assetFromItem } from '../lambdas/core/adapters/media-items.js';
import { MEDIA_TABLE, mediaKey } from '../lambdas/core/tables.js';

const { values } = parseArgs({ options: { table: { type: 'string' }, endpoint: { type: 'string' } } });
let table = values.table;
let endpoint = values.endpoint;
if (!table) {
  const local = JSON.parse(readFileSync(join(import.meta.dirname, '..', '.gamma', 'local.json'), 'utf8'));
  table = local.resources.MediaTableName as string;
  endpoint = local.endpoint as string;
}
const client = new DynamoDBClient(
  endpoint
    ? { endpoint, region: 'us-east-1', credentials: { accessKeyId: '000000000000', secretAccessKey: 'test' } }
    : {},
);
const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
const index = new DynamoAssetSearch(doc, table);

let assets = 0;
const pages = paginateScan(
  { client: doc },
  {
    TableName: table,
    FilterExpression: 'begins_with(#pk, :asset)',
    ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey },
    ExpressionAttributeValues: { ':asset': mediaKey('asset', '') },
  },
);
for await (const page of pages) {
  for (const item of page.Items ?? []) {
    const asset = assetFromItem(item);
    // No entries for a deleted asset: sync(undefined, tombstone) writes none.
    await index.sync(undefined, asset);
    assets++;
  }
}
console.log(`search entries written again for ${assets} assets of ${table}`);
