import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../domain/errors.js';
import type { PlaybackRestrictionRules } from '../domain/playback-restrictions.js';
import type { PlaybackRestriction, PlaybackRestrictionRepository } from '../ports.js';
import { envIndexKey, envIndexSort, MEDIA_TABLE, playbackRestrictionKey } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

type Item = Record<string, unknown>;
const key = (id: string) => ({ [MEDIA_TABLE.partitionKey]: playbackRestrictionKey(id) });
/** A restriction of another environment is not this one's to change: the same answer as a missing one. */
const ownedBy = (env: string) => ({
  ConditionExpression: '#env = :env',
  ExpressionAttributeNames: { '#env': 'env' },
  ExpressionAttributeValues: { ':env': env },
});

/**
 * The owner of the media table's playback-restriction items (tables.ts): one item per restriction, listed by
 * environment through the byEnv index, newest first. Nothing else writes them.
 */
export class DynamoPlaybackRestrictionRepository implements PlaybackRestrictionRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(restriction: PlaybackRestriction): Promise<void> {
    const item = {
      ...key(restriction.id),
      [MEDIA_TABLE.byEnvPartitionKey]: envIndexKey(restriction.env, 'playback-restriction'),
      [MEDIA_TABLE.byEnvSortKey]: envIndexSort(restriction.created_at, restriction.id),
      ...restriction,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async get(id: string): Promise<PlaybackRestriction | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return Item && fromItem(Item);
  }

  async listByEnv(env: string): Promise<PlaybackRestriction[]> {
    const out: PlaybackRestriction[] = [];
    let startKey: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: MEDIA_TABLE.byEnvIndex,
          KeyConditionExpression: '#pk = :listing',
          ExpressionAttributeNames: { '#pk': MEDIA_TABLE.byEnvPartitionKey },
          ExpressionAttributeValues: { ':listing': envIndexKey(env, 'playback-restriction') },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      out.push(...Items.map(fromItem));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async replaceRule<K extends keyof PlaybackRestrictionRules>(
    env: string,
    id: string,
    rule: K,
    value: PlaybackRestrictionRules[K],
    updatedAt: number,
  ): Promise<PlaybackRestriction> {
    const owned = ownedBy(env);
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: 'SET #rule = :rule, #updated = :updated',
          ConditionExpression: owned.ConditionExpression,
          ExpressionAttributeNames: { ...owned.ExpressionAttributeNames, '#rule': rule, '#updated': 'updated_at' },
          ExpressionAttributeValues: { ...owned.ExpressionAttributeValues, ':rule': value, ':updated': updatedAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes ?? {});
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('playback_restriction', id);
      throw err;
    }
  }

  async delete(env: string, id: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(id), ...ownedBy(env) }));
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('playback_restriction', id);
      throw err;
    }
  }
}

function fromItem(item: Item): PlaybackRestriction {
  const referrer = (item.referrer ?? {}) as Partial<PlaybackRestrictionRules['referrer']>;
  const agent = (item.user_agent ?? {}) as Partial<PlaybackRestrictionRules['user_agent']>;
  return {
    id: String(item.id),
    env: String(item.env),
    created_at: Number(item.created_at),
    updated_at: Number(item.updated_at),
    referrer: {
      allowed_domains: (referrer.allowed_domains ?? []).map(String),
      allow_no_referrer: referrer.allow_no_referrer === true,
    },
    user_agent: {
      allow_no_user_agent: agent.allow_no_user_agent !== false,
      allow_high_risk_user_agent: agent.allow_high_risk_user_agent !== false,
    },
  };
}
