/**
 * `npm run bench:search [-- --assets 100000] [-- --searches 200] [-- --fresh]`: how fast a search over a large
 * environment is. Starts the AWS emulator alone (no stack: only the media table, created with the key schema the
 * stack gives it), writes the assets and their search entries straight into it with BatchWriteItem, then times
 * searches through the same use case and adapters the API runs (`listAssets` with `search`, some with `status`), 25
 * results a page. Not a test: it measures and prints p50/p95, and the last line is one JSON object with every figure.
 *
 * Filling takes minutes (1,000,000 items), so the emulator persists its state in .gamma/bench-search/ and the next
 * run reuses the table when it holds the same data under the same index layout (a marker item records both);
 * `--fresh` fills it again regardless.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { DynamoAssetSearch, searchItem } from '../lambdas/core/adapters/dynamo-asset-search.js';
import { DynamoMediaRepository } from '../lambdas/core/adapters/dynamo-media.js';
import { assetToItem } from '../lambdas/core/adapters/media-items.js';
import type { AssetRecord } from '../lambdas/core/domain/media.js';
import { SEARCH_TIERS, searchEntries } from '../lambdas/core/domain/search.js';
import { MEDIA_TABLE, SEARCH_TIER_INDEXES } from '../lambdas/core/tables.js';
import { AssetListQuery, listAssets } from '../lambdas/core/usecases/search.js';
import { parseOrThrow } from '../lambdas/core/validation.js';
import { latencies } from './load.js';
import { freePort, STATE_DIR, startEmulator, stopProcessGroup } from './local/platform.js';

const { values: flags } = parseArgs({
  options: {
    assets: { type: 'string', default: '100000' },
    searches: { type: 'string', default: '200' },
    fresh: { type: 'boolean', default: false },
  },
});
const ASSETS = Number(flags.assets);
const SEARCHES = Number(flags.searches);
const ENV = 'bench';
const TABLE = 'media';
/** BatchWriteItem calls in flight while filling. */
const WRITERS = 8;
/** Where the emulator keeps the filled table between runs. */
const BENCH_STATE = join(STATE_DIR, 'bench-search');
/** The marker item: what the table was filled with (data and index layout); another marker means fill again. */
const MARKER_KEY = { [MEDIA_TABLE.partitionKey]: 'bench-search#marker' };
const MARKER = JSON.stringify({
  data: 1,
  assets: ASSETS,
  tiers: Object.values(SEARCH_TIERS).map(({ length, buckets }) => ({ length, buckets })),
});

const WORDS =
  'alpine harbor sunset tutorial keynote interview trailer lecture concert podcast review unboxing recipe travel drone city forest ocean river mountain desert winter summer autumn spring morning evening night launch demo webinar highlights recap episode season finale pilot behind scenes studio session live acoustic remix workshop training onboarding quarterly report product update roadmap release'.split(
    ' ',
  );

/** A deterministic pseudo-random sequence, so every run searches the same data. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const random = prng(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (length: number) => Array.from({ length }, () => pick([...ALNUM])).join('');

/**
 * Ids, creator ids and external ids are random (as Mux ids and UUIDs are); titles and passthrough are words. Values
 * sharing their first three characters share an index partition: in DynamoDB a prefix read costs what it returns,
 * in the emulator it costs the whole partition, so data where every external id starts "EXT-" would time the
 * emulator, not the index.
 */
function makeAsset(i: number): AssetRecord {
  return {
    id: randomId(24),
    env: ENV,
    status: i % 10 === 0 ? 'errored' : i % 7 === 0 ? 'preparing' : 'ready',
    created_at: 1_700_000_000 + i,
    source: { bucket: 'ingest', key: `uploads/${i}` },
    playback_ids: [],
    meta: {
      title: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ${i}`,
      creator_id: randomId(12).toLowerCase(),
      external_id: randomId(16),
    },
    passthrough: `${pick(WORDS)}-${i}`,
  };
}

async function main() {
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: '000000000000',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const emulator = startEmulator({
    port,
    logFile: join(STATE_DIR, 'logs', 'bench-search-ministack.log'),
    stateDir: BENCH_STATE,
  });
  let filled = false;
  try {
    for (let tries = 0; ; tries++) {
      if (
        await fetch(`${endpoint}/_ministack/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (tries > 1200) throw new Error('the emulator did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
    const client = new DynamoDBClient({ endpoint });
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

    // Generated every run (the same sequence): the searches pick values from them.
    const assets = Array.from({ length: ASSETS }, (_, i) => makeAsset(i));
    const items = assets.flatMap((asset) => [
      assetToItem(asset),
      ...searchEntries(asset).map((e) => searchItem(asset, e)),
    ]);
    const marker = await doc.send(new GetCommand({ TableName: TABLE, Key: MARKER_KEY })).then(
      ({ Item }) => Item?.layout as string | undefined,
      () => undefined,
    );
    let fillSeconds: number | undefined;
    if (marker === MARKER && !flags.fresh) {
      console.log(`reusing the table filled earlier (${BENCH_STATE})`);
    } else {
      await client.send(new DeleteTableCommand({ TableName: TABLE })).catch(() => undefined);
      await client.send(mediaTable());
      const started = Date.now();
      let next = 0;
      const writer = async () => {
        while (next < items.length) {
          const batch = items.slice(next, next + 25);
          next += 25;
          let pending: unknown[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
          while (pending?.length) {
            const out: BatchWriteCommandOutput = await doc.send(
              new BatchWriteCommand({ RequestItems: { [TABLE]: pending as never } }),
            );
            pending = out.UnprocessedItems?.[TABLE];
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, writer));
      await doc.send(new PutCommand({ TableName: TABLE, Item: { ...MARKER_KEY, layout: MARKER } }));
      fillSeconds = (Date.now() - started) / 1000;
      filled = true;
      console.log(`filled ${ASSETS} assets (${items.length} items) in ${fillSeconds.toFixed(0)} s`);
    }

    const ctx = {
      env: ENV,
      media: new DynamoMediaRepository(doc, TABLE),
      search: new DynamoAssetSearch(doc, TABLE),
    };
    const kinds = {
      'title word': () => ({ search: pick(WORDS).slice(0, 4) }),
      'title word + status': () => ({ search: pick(WORDS).slice(0, 5), status: 'ready' }),
      'external id': () => ({ search: pick(assets).meta?.external_id ?? '' }),
      'creator id + status': () => ({ search: pick(assets).meta?.creator_id?.slice(0, 6) ?? '', status: 'errored' }),
      'id prefix': () => ({ search: pick(assets).id.slice(0, 5) }),
      passthrough: () => ({ search: pick(assets).passthrough ?? '' }),
    } satisfies Record<string, () => Record<string, string>>;
    const samples: number[] = [];
    const byKind: Record<string, number[]> = {};
    const found: number[] = [];
    // One warm-up search per kind (the emulator builds its index on first use).
    for (const make of Object.values(kinds)) await listAssets(parseOrThrow(AssetListQuery, make(), 'query'), ctx);
    for (let i = 0; i < SEARCHES; i++) {
      const [kind, make] = pick(Object.entries(kinds));
      const query = parseOrThrow(AssetListQuery, make(), 'query');
      const t = performance.now();
      const { data } = await listAssets(query, ctx);
      const ms = performance.now() - t;
      samples.push(ms);
      byKind[kind] = [...(byKind[kind] ?? []), ms];
      found.push(data.length);
    }
    const all = latencies(samples);
    console.log(`\nsearch over ${ASSETS} assets in the emulator (25 a page), ${SEARCHES} searches:`);
    console.log(`  all: p50 ${all.p50.toFixed(0)} ms  p95 ${all.p95.toFixed(0)} ms  (target p95 < 300 ms)`);
    for (const [kind, ms] of Object.entries(byKind)) {
      const l = latencies(ms);
      console.log(`  ${kind.padEnd(20)} p50 ${l.p50.toFixed(0)} ms  p95 ${l.p95.toFixed(0)} ms  (n=${l.count})`);
    }
    const mean = found.reduce((a, b) => a + b, 0) / found.length;
    console.log(`  results per search: mean ${mean.toFixed(1)}`);
    console.log(
      JSON.stringify({
        assets: ASSETS,
        items: items.length,
        fillSeconds,
        searches: SEARCHES,
        p50: all.p50,
        p95: all.p95,
      }),
    );
  } finally {
    // Persisting a million items takes the emulator a while; a reused table is already on disk.
    if (filled) console.log(`saving the emulator's state to ${BENCH_STATE}…`);
    await stopProcessGroup(emulator, filled ? 600_000 : 0);
  }
}

/** The media table with the keys and indexes `MediaStorage` gives it (lib/constructs/media-storage.ts). */
function mediaTable() {
  const s = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const keys = (hash: string, range: string) => [
    { AttributeName: hash, KeyType: 'HASH' as const },
    { AttributeName: range, KeyType: 'RANGE' as const },
  ];
  return new CreateTableCommand({
    TableName: TABLE,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      s(MEDIA_TABLE.partitionKey),
      s(MEDIA_TABLE.byEnvPartitionKey),
      s(MEDIA_TABLE.byEnvSortKey),
      s(MEDIA_TABLE.bySearchSortKey),
      ...Object.values(SEARCH_TIER_INDEXES).map(({ partitionKey }) => s(partitionKey)),
    ],
    KeySchema: [{ AttributeName: MEDIA_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: MEDIA_TABLE.byEnvIndex,
        KeySchema: keys(MEDIA_TABLE.byEnvPartitionKey, MEDIA_TABLE.byEnvSortKey),
        Projection: { ProjectionType: 'ALL' },
      },
      ...Object.values(SEARCH_TIER_INDEXES).map(({ index, partitionKey }) => ({
        IndexName: index,
        KeySchema: keys(partitionKey, MEDIA_TABLE.bySearchSortKey),
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      })),
    ],
  });
}

await main();
