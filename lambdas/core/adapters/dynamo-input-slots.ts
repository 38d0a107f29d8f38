import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InputSlots } from '../ports.js';
import { inputSlotsKey, MEDIA_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/**
 * How many times a claim re-reads after losing a race to another claim or release. Each round has one winner, so
 * N requests at once need up to N rounds: enough tries for a burst well past the limit, with a jittered pause.
 */
const CLAIM_TRIES = 30;
const pauseBeforeRetry = () => new Promise((r) => setTimeout(r, 5 + Math.random() * 25));

/**
 * An environment's URL-input slots on one media-table item (`pk = input-slots#<env>`): `slots` maps asset id → lease
 * expiry, `version` counts writes. A claim reads the item, drops lapsed leases, and writes the new map only if no one
 * wrote in between (the version), so concurrent creates never exceed the limit. The item is not an upload or asset,
 * so the media stream's consumers skip it.
 */
export class DynamoInputSlots implements InputSlots {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async claim(env: string, assetId: string, limit: number, expiresAt: number): Promise<boolean> {
    const Key = { [MEDIA_TABLE.partitionKey]: inputSlotsKey(env) };
    for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
      const now = this.nowSeconds();
      const live = Object.entries((Item?.slots ?? {}) as Record<string, number>).filter(([, until]) => until > now);
      if (live.length >= limit) return false;
      const version = (Item?.version as number | undefined) ?? 0;
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...Key, slots: Object.fromEntries([...live, [assetId, expiresAt]]), version: version + 1 },
            ConditionExpression: 'attribute_not_exists(version) OR version = :version',
            ExpressionAttributeValues: { ':version': version },
          }),
        );
        return true;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        await pauseBeforeRetry();
      }
    }
    throw new Error(`Could not claim a URL-input slot for ${env}: ${CLAIM_TRIES} concurrent writes won`);
  }

  async release(env: string, assetId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: inputSlotsKey(env) },
          // The version moves too, so a claim that read the slot still held writes nothing stale.
          UpdateExpression: 'REMOVE slots.#asset ADD version :one',
          ConditionExpression: 'attribute_exists(slots.#asset)',
          ExpressionAttributeNames: { '#asset': assetId },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
