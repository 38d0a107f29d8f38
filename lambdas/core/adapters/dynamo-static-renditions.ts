import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransitionError } from '../domain/errors.js';
import { type StaticRenditionFile, type StaticRenditionOutcome, settleFiles } from '../domain/static-renditions.js';
import type { StaticRenditionsStore } from '../ports.js';
import { MEDIA_TABLE, mediaKey } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/**
 * The asset item's `static_renditions` list. The transcoder task of the asset is its only writer once the asset is
 * ready, so a read, the outcomes applied, and one write guarded on `ready` (a deleted asset is left alone).
 */
export class DynamoStaticRenditionsStore implements StaticRenditionsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(assetId: string, outcomes: readonly StaticRenditionOutcome[]): Promise<void> {
    const key = { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) };
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const files = (Item?.static_renditions ?? []) as StaticRenditionFile[];
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET static_renditions = :files',
          ConditionExpression: '#status = :ready',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':files': settleFiles(files, outcomes), ':ready': 'ready' },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new TransitionError('asset', assetId, 'ready', ['ready']);
      throw err;
    }
  }
}
