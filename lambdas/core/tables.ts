/**
 * Key schema of the DynamoDB tables, shared by the CDK constructs that create them and the adapters that use them.
 *
 * media (stream: NEW_AND_OLD_IMAGES)
 *   pk = upload#<id> | asset#<id> | playback#<id>, kind = upload | asset | playback
 *   GSI byEnv: gsi1pk = <env>#upload | <env>#asset, gsi1sk = <created_at, 12 digits>#<id>  (newest first = ScanIndexForward false)
 *   search entries (domain/search.ts): pk = search#<asset id>#<field>#<value>, kind = search
 *   GSI bySearch (keys only): gsi2pk = <env>#<first three characters of the value>, gsi2sk = <value>\u0001<asset id>
 * connections: connectionId; GSI byEnv: env
 * tokens: id; GSI byEnv: env, created_at (N)
 *   token:        id = <token id>,             env = <its environment>, kind = token (absent on older tokens)
 *   environment:  id = environment#<env id>,   env = #environments (so one query lists them), kind = environment
 */
export const MEDIA_TABLE = {
  partitionKey: 'pk',
  byEnvIndex: 'byEnv',
  byEnvPartitionKey: 'gsi1pk',
  byEnvSortKey: 'gsi1sk',
  bySearchIndex: 'bySearch',
  bySearchPartitionKey: 'gsi2pk',
  bySearchSortKey: 'gsi2sk',
} as const;

export const CONNECTIONS_TABLE = {
  partitionKey: 'connectionId',
  byEnvIndex: 'byEnv',
  byEnvPartitionKey: 'env',
} as const;

export const TOKENS_TABLE = {
  partitionKey: 'id',
  byEnvIndex: 'byEnv',
  byEnvPartitionKey: 'env',
  byEnvSortKey: 'created_at',
  timeToLive: 'expires_at',
  /** The byEnv partition of the environments themselves (no environment id starts with '#'). */
  environmentsListing: '#environments',
} as const;

export const environmentKey = (id: string) => `environment#${id}`;

export type MediaKind = 'upload' | 'asset' | 'playback';

export const mediaKey = (kind: MediaKind, id: string) => `${kind}#${id}`;

export function parseMediaKey(pk: string): { kind: MediaKind; id: string } | undefined {
  const m = /^(upload|asset|playback)#(.+)$/.exec(pk);
  return m ? { kind: m[1] as MediaKind, id: m[2] as string } : undefined;
}

export const searchItemKey = (assetId: string, field: string, value: string) => `search#${assetId}#${field}#${value}`;
/** Separates an entry's value from its asset id in the bySearch sort key (normalised values hold no control characters). */
export const SEARCH_SEPARATOR = '\u0001';

export const envIndexKey = (env: string, kind: 'upload' | 'asset') => `${env}#${kind}`;
export const envIndexSort = (createdAt: number, id: string) => `${String(createdAt).padStart(12, '0')}#${id}`;

/**
 * webhooks: pk + sk, TTL attribute `expires_at` (delivery log entries expire)
 *   endpoint:  pk = env#<env>,            sk = endpoint#<id>
 *   delivery:  pk = deliveries#<endpoint>, sk = <attempted_at ms, 15 digits>#<event id>#<attempt>
 */
export const WEBHOOKS_TABLE = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expires_at' } as const;
