/**
 * Key schema of the DynamoDB tables, shared by the CDK constructs that create them and the adapters that use them.
 * Each kind of item has one owner (a repository in adapters/) that writes it.
 *
 * media (stream: NEW_AND_OLD_IMAGES), GSI byEnv: gsi1pk, gsi1sk = <created_at, 12 digits>#<id> (newest first =
 * ScanIndexForward false)
 *   upload    pk = upload#<id>    gsi1pk = <env>#upload   owner DynamoUploadRepository (dynamo-uploads.ts)
 *   asset     pk = asset#<id>     gsi1pk = <env>#asset    owner DynamoAssetRepository (dynamo-assets.ts), which
 *             also holds the transcode bookkeeping (asset-item.ts); the tombstone of a deleted asset has no gsi1 keys
 *   playback  pk = playback#<id>  (not listed)            owner DynamoAssetRepository: a lookup item derived from
 *             its asset's playback_ids, written and removed with them
 *   vocabulary pk = vocabulary#<id> gsi1pk = <env>#vocabulary  owner DynamoVocabularyRepository
 *             (dynamo-vocabularies.ts): a transcription vocabulary; not a stream change (no upload or asset)
 *   search    pk = search#<asset id>#<field>#<value>  owner DynamoAssetSearch (dynamo-asset-search.ts), kept in step
 *             by withSearchIndex; GSI bySearch (keys only): gsi2pk = <env>#<first 3 characters of the value>#<bucket>,
 *             gsi2sk = <value>\u0001<asset id>; GSIs bySearchMid, bySearchLong, bySearchLongest (keys only, sparse):
 *             gsi4pk / gsi3pk / gsi5pk = <env>#<first 5 / 8 / 12 characters>#<bucket> on values that long, same sort
 *             key (domain/search.ts SEARCH_TIERS)
 *   playback restriction  pk = playback-restriction#<id>  gsi1pk = <env>#playback-restriction
 *             owner DynamoPlaybackRestrictionRepository (dynamo-playback-restrictions.ts); read by the playback function
 *   The transcoder task may touch only `asset#…` items (dynamodb:LeadingKeys, lib/constructs/transcode.ts).
 * signing keys: id; GSI byEnv: env, created_at (number)   owner DynamoSigningKeyRepository. A table of its own so
 *   that what may write the media table (the transcoder) cannot replace a public key that verifies playback tokens.
 * connections: connectionId; GSI byEnv: env             owner DynamoConnectionRepository
 * tokens: id; GSI byEnv: env, created_at (number)          owners DynamoTokenRepository, DynamoEnvironmentRepository
 *   token:        id = <token id>,            env = <its environment>, kind = token (absent on older tokens)
 *   environment:  id = environment#<env id>,  env = #environments (so one query lists them), kind = environment
 */
export const MEDIA_TABLE = {
  partitionKey: 'pk',
  byEnvIndex: 'byEnv',
  byEnvPartitionKey: 'gsi1pk',
  byEnvSortKey: 'gsi1sk',
  bySearchIndex: 'bySearch',
  bySearchPartitionKey: 'gsi2pk',
  bySearchSortKey: 'gsi2sk',
  bySearchLongIndex: 'bySearchLong',
  bySearchLongPartitionKey: 'gsi3pk',
  bySearchMidIndex: 'bySearchMid',
  bySearchMidPartitionKey: 'gsi4pk',
  bySearchLongestIndex: 'bySearchLongest',
  bySearchLongestPartitionKey: 'gsi5pk',
} as const;

/** The search index of each tier of domain/search.ts SEARCH_TIERS, shortest first: its GSI and partition-key attribute. */
export const SEARCH_TIER_INDEXES = {
  short: { index: MEDIA_TABLE.bySearchIndex, partitionKey: MEDIA_TABLE.bySearchPartitionKey },
  mid: { index: MEDIA_TABLE.bySearchMidIndex, partitionKey: MEDIA_TABLE.bySearchMidPartitionKey },
  long: { index: MEDIA_TABLE.bySearchLongIndex, partitionKey: MEDIA_TABLE.bySearchLongPartitionKey },
  longest: { index: MEDIA_TABLE.bySearchLongestIndex, partitionKey: MEDIA_TABLE.bySearchLongestPartitionKey },
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

export const SIGNING_KEYS_TABLE = {
  partitionKey: 'id',
  byEnvIndex: 'byEnv',
  byEnvPartitionKey: 'env',
  byEnvSortKey: 'created_at',
} as const;

export type MediaKind = 'upload' | 'asset' | 'playback' | 'vocabulary';

export const mediaKey = (kind: MediaKind, id: string) => `${kind}#${id}`;

/** The partition keys of every asset item: what `dynamodb:LeadingKeys` allows the transcoder. */
export const ASSET_KEYS_PATTERN = mediaKey('asset', '*');

export function parseMediaKey(pk: string): { kind: MediaKind; id: string } | undefined {
  const m = /^(upload|asset|playback)#(.+)$/.exec(pk);
  return m ? { kind: m[1] as MediaKind, id: m[2] as string } : undefined;
}

/** The media table's item holding an environment's URL-input slots (adapters/dynamo-input-slots.ts). */
export const inputSlotsKey = (env: string) => `input-slots#${env}`;
export const searchItemKey = (assetId: string, field: string, value: string) => `search#${assetId}#${field}#${value}`;
/** Separates an entry's value from its asset id in the bySearch sort key (normalised values hold no control characters). */
export const SEARCH_SEPARATOR = '\u0001';

/** The media table's item of a playback restriction (not a MediaKind: the media stream's consumers skip it). */
export const playbackRestrictionKey = (id: string) => `playback-restriction#${id}`;

export const envIndexKey = (env: string, kind: 'upload' | 'asset' | 'playback-restriction' | 'vocabulary') =>
  `${env}#${kind}`;
export const envIndexSort = (createdAt: number, id: string) => `${String(createdAt).padStart(12, '0')}#${id}`;

/**
 * webhooks: pk + sk, TTL attribute `expires_at` (delivery log entries expire)
 *   endpoint:  pk = env#<env>,            sk = endpoint#<id>
 *   delivery:  pk = deliveries#<endpoint>, sk = <attempted_at ms, 15 digits>#<event id>#<attempt>
 */
export const WEBHOOKS_TABLE = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expires_at' } as const;
