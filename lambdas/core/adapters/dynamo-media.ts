import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, NotFoundError, TransitionError, ValidationError } from '../domain/errors.js';
import {
  ASSET_TRANSITIONS,
  type AssetRecord,
  type MediaError,
  type MultipartState,
  type PlaybackId,
  type ReadyPatch,
  UPLOAD_TRANSITIONS,
  type UploadRecord,
} from '../domain/media.js';
import type { MediaRepository, Page } from '../ports.js';
import { envIndexKey, MEDIA_TABLE, mediaKey } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';
import {
  assetFromItem,
  assetToItem,
  decodeCursor,
  encodeCursor,
  playbackToItem,
  uploadFromItem,
  uploadToItem,
} from './media-items.js';

type Item = Record<string, unknown>;

/** Uploads, assets and playback ids in the media table; every status change is a conditional UpdateItem. */
export class DynamoMediaRepository implements MediaRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putUpload(upload: UploadRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: uploadToItem(upload),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new AlreadyExistsError('upload', upload.id);
      throw err;
    }
  }

  async getUpload(id: string): Promise<UploadRecord | undefined> {
    const item = await this.get(mediaKey('upload', id));
    return item && uploadFromItem(item);
  }

  async listUploads(env: string, limit: number, cursor?: string): Promise<Page<UploadRecord>> {
    const page = await this.list(envIndexKey(env, 'upload'), limit, cursor);
    return { ...page, items: page.items.map(uploadFromItem) };
  }

  async transitionUpload(
    id: string,
    to: Exclude<UploadRecord['status'], 'waiting'>,
    patch: Partial<UploadRecord> = {},
  ): Promise<UploadRecord> {
    const item = await this.transition('upload', id, to, UPLOAD_TRANSITIONS[to], {
      asset_id: patch.asset_id,
      error: patch.error,
    });
    return uploadFromItem(item);
  }

  async recordMultipart(id: string, multipart: MultipartState): Promise<UploadRecord> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('upload', id) },
          UpdateExpression: 'SET multipart = :m',
          ConditionExpression:
            'attribute_exists(#pk) AND #status = :waiting AND (attribute_not_exists(multipart) OR multipart.upload_id = :uid)',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey, '#status': 'status' },
          ExpressionAttributeValues: { ':m': multipart, ':waiting': 'waiting', ':uid': multipart.upload_id },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return uploadFromItem(Attributes ?? {});
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.getUpload(id);
      if (!current) throw new NotFoundError('upload', id);
      if (current.status !== 'waiting') throw new TransitionError('upload', id, 'multipart', ['waiting']);
      return current;
    }
  }

  async createAsset(asset: AssetRecord): Promise<{ asset: AssetRecord; created: boolean }> {
    let stored = asset;
    let created = true;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: assetToItem(asset),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const existing = await this.getAsset(asset.id);
      if (!existing) throw err;
      stored = existing;
      created = false;
    }
    // Written on every call, not only on creation: a retry after a crash between the two writes completes them.
    await Promise.all(stored.playback_ids.map((playback) => this.putPlaybackId(playback, stored.id)));
    return { asset: stored, created };
  }

  async getAsset(id: string): Promise<AssetRecord | undefined> {
    const item = await this.get(mediaKey('asset', id));
    return item && assetFromItem(item);
  }

  async listAssets(env: string, limit: number, cursor?: string): Promise<Page<AssetRecord>> {
    const page = await this.list(envIndexKey(env, 'asset'), limit, cursor);
    return { ...page, items: page.items.map(assetFromItem) };
  }

  async markReady(id: string, patch: ReadyPatch): Promise<AssetRecord> {
    const item = await this.transition('asset', id, 'ready', ASSET_TRANSITIONS.ready, {
      duration: patch.duration,
      max_stored_resolution: patch.max_stored_resolution,
      max_stored_frame_rate: patch.max_stored_frame_rate,
      resolution_tier: patch.resolution_tier,
      aspect_ratio: patch.aspect_ratio,
      tracks: patch.tracks,
      input_file: patch.input_file,
      renditions: patch.renditions,
    });
    return assetFromItem(item);
  }

  async markPlayable(id: string): Promise<AssetRecord> {
    const playableAt = Math.floor(Date.now() / 1000);
    const item = await this.transition('asset', id, 'preparing', ['preparing'], { playable_at: playableAt });
    return assetFromItem(item);
  }

  async markErrored(id: string, error: MediaError): Promise<AssetRecord> {
    const item = await this.transition('asset', id, 'errored', ASSET_TRANSITIONS.errored, {
      errors: { type: error.type, messages: error.messages },
    });
    return assetFromItem(item);
  }

  async claimDispatch(id: string, staleAfterSeconds: number): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', id) },
          UpdateExpression: 'SET dispatch_claimed_at = :now',
          ConditionExpression:
            'attribute_exists(#pk) AND #status = :preparing AND attribute_not_exists(job_id) AND ' +
            '(attribute_not_exists(dispatch_claimed_at) OR dispatch_claimed_at < :stale)',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey, '#status': 'status' },
          ExpressionAttributeValues: { ':now': now, ':stale': now - staleAfterSeconds, ':preparing': 'preparing' },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      if (!(await this.get(mediaKey('asset', id)))) throw new NotFoundError('asset', id);
      return false;
    }
  }

  async recordJob(id: string, jobId: string): Promise<void> {
    await this.update(id, 'SET job_id = :job', { ':job': jobId });
  }

  async releaseDispatch(id: string): Promise<void> {
    await this.update(id, 'REMOVE dispatch_claimed_at', undefined);
  }

  async getPlaybackId(playbackId: string): Promise<(PlaybackId & { asset_id: string }) | undefined> {
    const item = await this.get(mediaKey('playback', playbackId));
    if (!item) return undefined;
    return { id: String(item.id), policy: item.policy as PlaybackId['policy'], asset_id: String(item.asset_id) };
  }

  async updateAsset(id: string, patch: Pick<AssetRecord, 'passthrough' | 'meta'>): Promise<AssetRecord> {
    const names: Record<string, string> = { '#pk': MEDIA_TABLE.partitionKey, '#status': 'status' };
    const values: Record<string, unknown> = { ':deleted': 'deleted' };
    const assignments: string[] = [];
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      assignments.push(`#${name} = :${name}`);
    }
    if (assignments.length === 0) {
      const asset = await this.getAsset(id);
      if (!asset || asset.status === 'deleted') throw new NotFoundError('asset', id);
      return asset;
    }
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', id) },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk) AND #status <> :deleted',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return assetFromItem(Attributes ?? {});
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('asset', id);
      throw err;
    }
  }

  async deleteAsset(id: string): Promise<AssetRecord> {
    const allowed = ASSET_TRANSITIONS.deleted;
    const values: Record<string, unknown> = { ':to': 'deleted' };
    const fromValues = allowed.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    let deleted: AssetRecord;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', id) },
          // Without its index keys the tombstone leaves the environment's listing.
          UpdateExpression: 'SET #status = :to REMOVE #gsi1pk, #gsi1sk',
          ConditionExpression: `attribute_exists(#pk) AND #status IN (${fromValues.join(', ')})`,
          ExpressionAttributeNames: {
            '#pk': MEDIA_TABLE.partitionKey,
            '#status': 'status',
            '#gsi1pk': MEDIA_TABLE.byEnvPartitionKey,
            '#gsi1sk': MEDIA_TABLE.byEnvSortKey,
          },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      deleted = assetFromItem(Attributes ?? {});
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      if (!(await this.get(mediaKey('asset', id)))) throw new NotFoundError('asset', id);
      throw new TransitionError('asset', id, 'deleted', allowed);
    }
    await Promise.all(deleted.playback_ids.map((p) => this.deleteItem(mediaKey('playback', p.id))));
    return deleted;
  }

  async addPlaybackId(assetId: string, playback: PlaybackId): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) },
          UpdateExpression: 'SET playback_ids = list_append(playback_ids, :new)',
          ConditionExpression: 'attribute_exists(#pk) AND #status <> :deleted',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey, '#status': 'status' },
          ExpressionAttributeValues: { ':new': [playback], ':deleted': 'deleted' },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('asset', assetId);
      throw err;
    }
    await this.putPlaybackId(playback, assetId);
  }

  async removePlaybackId(assetId: string, playbackId: string): Promise<void> {
    const asset = await this.getAsset(assetId);
    const index = asset?.playback_ids.findIndex((p) => p.id === playbackId) ?? -1;
    if (!asset || asset.status === 'deleted' || index < 0) throw new NotFoundError('playback_id', playbackId);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) },
          UpdateExpression: `REMOVE playback_ids[${index}]`,
          // The list may have changed since it was read: remove exactly the entry that was found.
          ConditionExpression: `playback_ids[${index}].id = :id`,
          ExpressionAttributeValues: { ':id': playbackId },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('playback_id', playbackId);
      throw err;
    }
    await this.deleteItem(mediaKey('playback', playbackId));
  }

  async listWaitingUploads(): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    let start: Item | undefined;
    do {
      // A filtered scan, run every few minutes by the upload-timeouts sweep; a sparse index on waiting uploads is
      // the step up when the table grows large.
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'kind = :upload AND #status = :waiting',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':upload': 'upload', ':waiting': 'waiting' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(uploadFromItem(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  private async deleteItem(pk: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { [MEDIA_TABLE.partitionKey]: pk } }));
  }

  private async get(pk: string): Promise<Item | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [MEDIA_TABLE.partitionKey]: pk }, ConsistentRead: true }),
    );
    return Item;
  }

  private async list(listing: string, limit: number, cursor: string | undefined): Promise<Page<Item>> {
    const startKey = cursor === undefined ? undefined : decodeCursor(cursor, listing);
    if (cursor !== undefined && !startKey) throw new ValidationError(['cursor: is not a cursor of this listing']);
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: MEDIA_TABLE.byEnvIndex,
        KeyConditionExpression: '#gsi1pk = :listing',
        ExpressionAttributeNames: { '#gsi1pk': MEDIA_TABLE.byEnvPartitionKey },
        ExpressionAttributeValues: { ':listing': listing },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: Items, ...(LastEvaluatedKey && { next: encodeCursor(LastEvaluatedKey) }) };
  }

  private async putPlaybackId(playback: PlaybackId, assetId: string): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: playbackToItem(playback, assetId) }));
  }

  /**
   * The guarded status write: `to` only from `allowedFrom`, setting exactly the named attributes (undefined ones
   * are skipped). NotFoundError when the item is missing, TransitionError when its status does not allow it.
   */
  private async transition(
    entity: 'upload' | 'asset',
    id: string,
    to: string,
    allowedFrom: readonly string[],
    attributes: Record<string, unknown>,
  ): Promise<Item> {
    const names: Record<string, string> = { '#pk': MEDIA_TABLE.partitionKey, '#status': 'status' };
    const values: Record<string, unknown> = { ':to': to };
    const assignments = ['#status = :to'];
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      assignments.push(`#${name} = :${name}`);
    }
    const fromValues = allowedFrom.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey(entity, id) },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: `attribute_exists(#pk) AND #status IN (${fromValues.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!Attributes) throw new Error(`UpdateItem of ${entity} ${id} returned no attributes`);
      return Attributes;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      if (!(await this.get(mediaKey(entity, id)))) throw new NotFoundError(entity, id);
      throw new TransitionError(entity, id, to, allowedFrom);
    }
  }

  /** A write to an existing asset's dispatch bookkeeping (no status change); NotFoundError if it is missing. */
  private async update(id: string, expression: string, values: Record<string, unknown> | undefined): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', id) },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.partitionKey },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('asset', id);
      throw err;
    }
  }
}
