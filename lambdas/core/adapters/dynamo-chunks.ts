import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ChunkPlanRecord, ChunkState } from '../domain/chunks.js';
import { TransitionError } from '../domain/errors.js';
import type { ChunkLedger } from '../ports.js';
import { MEDIA_TABLE, mediaKey } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

type Item = Record<string, unknown>;

/**
 * The chunk ledger on the asset item of the media table: `chunk_plan` (a map, written once), `chunks_done` (a number
 * set), `chunk_jobs` and `chunk_attempts` (maps keyed by the chunk index). Storage-only attributes: the record
 * mappers (media-items.ts) never read them into an asset. Every write is one conditional UpdateItem.
 */
export class DynamoChunkLedger implements ChunkLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordPlan(assetId: string, plan: ChunkPlanRecord): Promise<ChunkPlanRecord> {
    try {
      await this.doc.send(
        new UpdateCommand({
          ...this.key(assetId),
          UpdateExpression: 'SET chunk_plan = :plan, chunk_jobs = :empty, chunk_attempts = :empty',
          ConditionExpression: '#status = :preparing AND attribute_not_exists(chunk_plan)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':plan': plan, ':empty': {}, ':preparing': 'preparing' },
        }),
      );
      return plan;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const item = await this.item(assetId);
      if (item?.status !== 'preparing') throw new TransitionError('asset', assetId, 'preparing', ['preparing']);
      return item.chunk_plan as ChunkPlanRecord;
    }
  }

  async get(assetId: string): Promise<ChunkState | undefined> {
    return stateOf(await this.item(assetId));
  }

  async recordChunkJob(assetId: string, index: number, jobId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        ...this.key(assetId),
        UpdateExpression: 'SET chunk_jobs.#i = :job',
        ConditionExpression: 'attribute_exists(chunk_plan)',
        ExpressionAttributeNames: { '#i': String(index) },
        ExpressionAttributeValues: { ':job': jobId },
      }),
    );
  }

  async completeChunk(assetId: string, index: number): Promise<{ counted: boolean; complete: boolean; done: number }> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          ...this.key(assetId),
          UpdateExpression: 'ADD chunks_done :index',
          // A chunk already in the set (it finished twice) is not counted again: only one call can see it whole.
          ConditionExpression:
            '#status = :preparing AND attribute_exists(chunk_plan) AND ' +
            '(attribute_not_exists(chunks_done) OR NOT contains(chunks_done, :i))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':index': new Set([index]), ':i': index, ':preparing': 'preparing' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const done = (Attributes?.chunks_done as Set<number> | undefined)?.size ?? 0;
      const total = (Attributes?.chunk_plan as ChunkPlanRecord | undefined)?.chunks.length ?? Number.POSITIVE_INFINITY;
      return { counted: true, complete: done === total, done };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const state = await this.get(assetId);
      return { counted: false, complete: false, done: state?.done.length ?? 0 };
    }
  }

  async claimChunkRetry(
    assetId: string,
    index: number,
    failedJobId: string,
    maxAttempts: number,
  ): Promise<{ attempt: number } | { refused: 'not_current' | 'done' | 'exhausted'; attempts: number }> {
    const item = await this.item(assetId);
    const state = stateOf(item);
    const attempts = state?.attempts[index] ?? 1;
    if (item?.status !== 'preparing' || !state) return { refused: 'not_current', attempts };
    // A chunk counted done is re-run only when the set is whole: then its task died finishing the asset, and the
    // re-run (finding its chunk done) writes the playlists.
    const finishing = state.done.length === state.plan.chunks.length;
    if (state.done.includes(index) && !finishing) return { refused: 'done', attempts };
    if (state.jobs[index] !== failedJobId) return { refused: 'not_current', attempts };
    if (attempts >= maxAttempts) return { refused: 'exhausted', attempts };
    const attempt = attempts + 1;
    const names = { '#status': 'status', '#i': String(index) };
    const values: Record<string, unknown> = {
      ':preparing': 'preparing',
      ':failed': failedJobId,
      ':next': attempt,
      ':i': index,
    };
    let condition = '#status = :preparing AND chunk_jobs.#i = :failed';
    if (!finishing) condition += ' AND (attribute_not_exists(chunks_done) OR NOT contains(chunks_done, :i))';
    else delete values[':i'];
    if (state.attempts[index] === undefined) condition += ' AND attribute_not_exists(chunk_attempts.#i)';
    else {
      condition += ' AND chunk_attempts.#i = :current';
      values[':current'] = attempts;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          ...this.key(assetId),
          UpdateExpression: 'SET chunk_attempts.#i = :next REMOVE chunk_jobs.#i',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return { attempt };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return { refused: 'not_current', attempts };
      throw err;
    }
  }

  private key(assetId: string) {
    return { TableName: this.tableName, Key: { [MEDIA_TABLE.partitionKey]: mediaKey('asset', assetId) } };
  }

  private async item(assetId: string): Promise<Item | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ ...this.key(assetId), ConsistentRead: true }));
    return Item;
  }
}

function stateOf(item: Item | undefined): ChunkState | undefined {
  if (!item?.chunk_plan) return undefined;
  return {
    plan: item.chunk_plan as ChunkPlanRecord,
    done: [...((item.chunks_done as Set<number> | undefined) ?? [])].map(Number).sort((a, b) => a - b),
    jobs: numberKeyed(item.chunk_jobs as Record<string, string> | undefined),
    attempts: numberKeyed(item.chunk_attempts as Record<string, number> | undefined),
  };
}

function numberKeyed<T>(map: Record<string, T> | undefined): Record<number, T> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [Number(k), v]));
}
