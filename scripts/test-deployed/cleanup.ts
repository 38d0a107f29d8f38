/**
 * Removes everything a deployed run created, whatever its tests did or failed to do: through the API, as the run's
 * own token sees it (assets with their objects, waiting uploads, webhook endpoints, signing keys); then the
 * environment's upload and deleted-asset items and delivery logs, which the API keeps as Mux does; the Lambda
 * receiver; and last the run's tokens. Only the run's environment is ever read or written.
 */
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { envIndexKey, MEDIA_TABLE, mediaKey, TOKENS_TABLE, WEBHOOKS_TABLE } from '../../lambdas/core/tables.js';
import type { Target } from '../../test/support/target.js';
import { Api, ApiError } from '../cli/api.js';

interface Listed {
  id: string;
  status?: string;
  asset_id?: string;
  url?: string;
}

export interface Leftovers {
  assets: string[];
  uploads: string[];
  webhookEndpoints: string[];
  signingKeys: string[];
  playbackRestrictions: string[];
}

const isEmpty = (l: Leftovers) => Object.values(l).every((ids) => ids.length === 0);

/** Every item of a list endpoint, following Mux's `next_cursor`. */
async function listAll(api: Api, path: string): Promise<Listed[]> {
  const items: Listed[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request('GET', `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...((page.data ?? []) as Listed[]));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

/** What the run's token still sees. */
export async function leftovers(api: Api): Promise<Leftovers> {
  const ids = (items: Listed[]) => items.map((i) => i.id);
  return {
    assets: ids(await listAll(api, '/video/v1/assets')),
    uploads: ids(await listAll(api, '/video/v1/uploads')),
    webhookEndpoints: ids((await api.request('GET', '/system/v1/webhooks')).data ?? []),
    signingKeys: ids(await listAll(api, '/system/v1/signing-keys')),
    // At most 100 per environment: one page of 100 holds them all (the list pages by number, not cursor).
    playbackRestrictions: ids(await listAll(api, '/video/v1/playback-restrictions')),
  };
}

const gone = (err: unknown) => err instanceof ApiError && (err.status === 404 || err.status === 409);

export interface CleanupDeps {
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  /** Webhook endpoints the tests created (test/support/ledger.ts), deleted by them or not. */
  createdEndpoints: string[];
  /** Removes the run's Lambda receiver, if one was deployed. */
  removeReceiver?: () => Promise<void>;
  log: (line: string) => void;
}

/** Cleans up after a run; returns what could not be removed (nothing, on success). */
export async function cleanUp(target: Target, deps: CleanupDeps): Promise<Leftovers> {
  const api = new Api(target);
  const uploads = await listAll(api, '/video/v1/uploads');
  const assets = await listAll(api, '/video/v1/assets');
  const assetIds = new Set([...assets.map((a) => a.id), ...uploads.flatMap((u) => (u.asset_id ? [u.asset_id] : []))]);
  const endpoints: Listed[] = (await api.request('GET', '/system/v1/webhooks')).data ?? [];

  const attempt = (what: string, call: Promise<unknown>) =>
    call.catch((err) => {
      if (!gone(err)) deps.log(`[cleanup] ${what}: ${(err as Error).message}`);
    });
  for (const id of assetIds) await attempt(`delete asset ${id}`, api.request('DELETE', `/video/v1/assets/${id}`));
  for (const u of uploads.filter((u) => u.status === 'waiting')) {
    await attempt(`cancel upload ${u.id}`, api.request('PUT', `/video/v1/uploads/${u.id}/cancel`));
  }
  for (const e of endpoints) {
    await attempt(`delete webhook endpoint ${e.id}`, api.request('DELETE', `/system/v1/webhooks/${e.id}`));
  }
  for (const k of await listAll(api, '/system/v1/signing-keys')) {
    await attempt(`delete signing key ${k.id}`, api.request('DELETE', `/system/v1/signing-keys/${k.id}`));
  }
  for (const r of await listAll(api, '/video/v1/playback-restrictions')) {
    const path = `/video/v1/playback-restrictions/${r.id}`;
    await attempt(`delete playback restriction ${r.id}`, api.request('DELETE', path));
  }
  await deps.removeReceiver?.().catch((err) => deps.log(`[cleanup] receiver: ${(err as Error).message}`));

  await deleteUploadedFiles(deps.s3, uploads, assetIds, deps.log);
  const endpointIds = [...new Set([...endpoints.map((e) => e.id), ...deps.createdEndpoints])];
  await purgeItems(target, deps.doc, uploads, assetIds, endpointIds);
  const left = await leftovers(api);
  await deleteRunTokens(target, deps.doc);
  if (!isEmpty(left)) deps.log(`[cleanup] left behind: ${JSON.stringify(left)}`);
  return left;
}

/**
 * The API keeps a record of every upload and of each deleted asset (Mux lists uploads forever and answers 404 for
 * a deleted asset), and the delivery log for 30 days. A test run should leave none of it, so these items are
 * deleted here, each only if it belongs to the run's environment. The media table's stream sees the removals; an
 * asset's removal reads as `video.asset.deleted`, which goes nowhere, as the environment has no endpoints left.
 */
async function purgeItems(
  target: Target,
  doc: DynamoDBDocumentClient,
  uploads: Listed[],
  assetIds: Set<string>,
  endpointIds: string[],
) {
  const media = target.resources.MediaTableName;
  if (media) {
    // Uploads made after the listing above (a test still running when the run was stopped) are found by the index.
    const indexed = await doc.send(
      new QueryCommand({
        TableName: media,
        IndexName: MEDIA_TABLE.byEnvIndex,
        KeyConditionExpression: '#pk = :listing',
        ExpressionAttributeNames: { '#pk': MEDIA_TABLE.byEnvPartitionKey },
        ExpressionAttributeValues: { ':listing': envIndexKey(target.environment, 'upload') },
      }),
    );
    const uploadIds = new Set([...uploads.map((u) => u.id), ...(indexed.Items ?? []).map((i) => String(i.id))]);
    const keys = [
      ...[...uploadIds].map((id) => mediaKey('upload', id)),
      ...[...assetIds].map((id) => mediaKey('asset', id)),
    ];
    for (const pk of keys) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: media,
            Key: { [MEDIA_TABLE.partitionKey]: pk },
            ConditionExpression: '#env = :env',
            ExpressionAttributeNames: { '#env': 'env' },
            ExpressionAttributeValues: { ':env': target.environment },
          }),
        );
      } catch (err) {
        // Not the run's: an id a test made up, or an item already gone.
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
    }
  }
  const webhooks = target.resources.WebhooksTableName;
  if (webhooks) {
    for (const id of endpointIds) {
      const pk = `deliveries#${id}`;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: webhooks,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': WEBHOOKS_TABLE.partitionKey },
            ExpressionAttributeValues: { ':pk': pk },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const key = { [WEBHOOKS_TABLE.partitionKey]: pk, [WEBHOOKS_TABLE.sortKey]: item[WEBHOOKS_TABLE.sortKey] };
          await doc.send(new DeleteCommand({ TableName: webhooks, Key: key }));
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }
}

/**
 * A file PUT to an upload that never became an asset (cancelled first, refused, or still arriving) stays in the
 * ingest bucket (deleting an asset deletes its source). The upload's URL names the bucket: path-style
 * (`http://host/<bucket>/uploads/<id>`, emulators) or virtual-hosted (`https://<bucket>.s3.<region>.amazonaws.com/…`).
 */
export function ingestObjectOf(url: string): { bucket: string; key: string } | undefined {
  const parsed = new URL(url);
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+/, '');
  const hosted = /^(.+)\.s3[.-]/.exec(parsed.hostname);
  if (hosted?.[1]) return path ? { bucket: hosted[1], key: path } : undefined;
  const [bucket, ...rest] = path.split('/');
  return bucket && rest.length ? { bucket, key: rest.join('/') } : undefined;
}

async function deleteUploadedFiles(s3: S3Client, uploads: Listed[], assetIds: Set<string>, log: (l: string) => void) {
  for (const upload of uploads) {
    const object = upload.url && ingestObjectOf(upload.url);
    if (!object || (upload.asset_id && assetIds.has(upload.asset_id) && upload.status === 'asset_created')) continue;
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
    } catch (err) {
      log(`[cleanup] delete ${object.key}: ${(err as Error).message}`);
    }
  }
}

/**
 * Deletes the tokens of the run's environment (and of environments its tests derived from it, `<environment>-…`).
 * Tokens have no API (the CLI creates them straight in the table), so neither does their removal.
 */
async function deleteRunTokens(target: Target, doc: DynamoDBDocumentClient) {
  const table = target.resources.TokensTableName;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(#env, :env)',
        ExpressionAttributeNames: { '#env': 'env' },
        ExpressionAttributeValues: { ':env': target.environment },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      await doc.send(
        new DeleteCommand({ TableName: table, Key: { [TOKENS_TABLE.partitionKey]: item[TOKENS_TABLE.partitionKey] } }),
      );
    }
    start = page.LastEvaluatedKey;
  } while (start);
}
