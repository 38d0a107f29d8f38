import { type DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PreparingAsset, TranscodeAttempts } from '../ports.js';
import { MEDIA_TABLE, mediaKey } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';
import { assetFromItem } from './media-items.js';

type Item = Record<string, unknown>;

/**
 * Transcode attempts on the asset item of the media table: `attempts` (absent = 1, the first dispatch),
 * `job_id` and `dispatch_claimed_at` (shared with the ingest's dispatch claim). Every claim is one conditional
 * UpdateItem, so duplicate stop events and a racing sweeper start at most one retry.
 */
export class DynamoTranscodeAttempts implements TranscodeAttempts {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async claimRetry(
    assetId: string,
    failedJobId: string | undefined,
    maxAttempts: number,
    claimStaleAfterSeconds: number,
  ): Promise<{ attempt: number } | { refused: 'not_current' | 'exhausted'; attempts: number }> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) },
        ConsistentRead: true,
      }),
    );
    if (Item?.status !== 'preparing') return { refused: 'not_current', attempts: attemptsOf(Item) };
    const current = toPreparing(Item);
    const now = this.nowSeconds();
    const isCurrent =
      failedJobId === undefined
        ? current.jobId === undefined &&
          (current.claimedAt === undefined || current.claimedAt < now - claimStaleAfterSeconds)
        : current.jobId === failedJobId;
    if (!isCurrent) return { refused: 'not_current', attempts: current.attempts };
    if (current.attempts >= maxAttempts) return { refused: 'exhausted', attempts: current.attempts };

    const attempt = current.attempts + 1;
    const names = { '#status': 'status' };
    const values: Record<string, unknown> = { ':preparing': 'preparing', ':next': attempt, ':now': now };
    let condition = '#status = :preparing';
    if (Item.attempts === undefined) condition += ' AND attribute_not_exists(attempts)';
    else {
      condition += ' AND attempts = :current';
      values[':current'] = current.attempts;
    }
    if (failedJobId === undefined) {
      condition +=
        ' AND attribute_not_exists(job_id) AND (attribute_not_exists(dispatch_claimed_at) OR dispatch_claimed_at < :stale)';
      values[':stale'] = now - claimStaleAfterSeconds;
    } else {
      condition += ' AND job_id = :failed';
      values[':failed'] = failedJobId;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) },
          UpdateExpression: 'SET attempts = :next, dispatch_claimed_at = :now REMOVE job_id',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return { attempt };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return { refused: 'not_current', attempts: current.attempts };
      throw err;
    }
  }

  async listPreparing(createdBefore: number): Promise<PreparingAsset[]> {
    const out: PreparingAsset[] = [];
    let start: Item | undefined;
    do {
      // A scan with a filter: the sweeper runs every few minutes and reads few items per page of a media table;
      // a sparse index on preparing assets is the step up when the table grows large.
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'kind = :asset AND #status = :preparing AND created_at < :before',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':asset': 'asset', ':preparing': 'preparing', ':before': createdBefore },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(toPreparing(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

const attemptsOf = (item: Item | undefined) => (typeof item?.attempts === 'number' ? item.attempts : 1);

function toPreparing(item: Item): PreparingAsset {
  return {
    asset: assetFromItem(item),
    attempts: attemptsOf(item),
    ...(typeof item.job_id === 'string' && { jobId: item.job_id }),
    ...(typeof item.dispatch_claimed_at === 'number' && { claimedAt: item.dispatch_claimed_at }),
  };
}
