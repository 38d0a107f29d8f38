import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAssetRepository } from '../../lambdas/core/adapters/dynamo-assets.js';
import { type ChunkPlanRecord, planChunks } from '../../lambdas/core/domain/chunks.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import { planLadder, type SourceProbe } from '../../lambdas/core/domain/ladder.js';
import { conditionFailed } from './dynamo-condition.js';

const doc = mockClient(DynamoDBDocumentClient);
const ledger = new DynamoAssetRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

const source: SourceProbe = {
  durationSeconds: 36,
  video: { width: 640, height: 360, fps: 30 },
  audio: { channels: 2 },
};
const plan: ChunkPlanRecord = {
  chunks: planChunks(36, { segmentSeconds: 6, workers: 3 }),
  ladder: planLadder(source),
  source,
  timeOffsetSeconds: 1,
};
const item = (extra: Record<string, unknown> = {}) => ({
  pk: 'asset#a1',
  status: 'preparing',
  chunk_plan: plan,
  chunk_jobs: {},
  chunk_attempts: {},
  ...extra,
});

beforeEach(() => doc.reset());

describe('DynamoAssetRepository: the chunk ledger', () => {
  it('records the plan once, on a preparing asset, with empty job and attempt maps', async () => {
    doc.on(UpdateCommand).resolves({});
    expect(await ledger.recordPlan('a1', plan)).toBe(plan);
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: 'media',
      Key: { pk: 'asset#a1' },
      UpdateExpression: 'SET chunk_plan = :plan, chunk_jobs = :empty, chunk_attempts = :empty',
      ConditionExpression: '#status = :preparing AND attribute_not_exists(chunk_plan)',
    });
    expect(input?.ExpressionAttributeValues?.[':plan']).toBe(plan);
  });

  it('returns the plan already recorded when it lost the race, and refuses an asset that left preparing', async () => {
    const other = { ...plan, timeOffsetSeconds: 2 };
    doc.on(UpdateCommand).rejectsOnce(conditionFailed(item({ chunk_plan: other })));
    expect(await ledger.recordPlan('a1', plan)).toEqual(other);

    doc.on(UpdateCommand).rejects(conditionFailed(item({ status: 'deleted' })));
    await expect(ledger.recordPlan('a1', plan)).rejects.toBeInstanceOf(TransitionError);
  });

  it('reads the state with chunk indexes as numbers', async () => {
    doc.on(GetCommand).resolves({
      Item: item({ chunks_done: new Set([2, 0]), chunk_jobs: { '1': 'task/1' }, chunk_attempts: { '1': 2 } }),
    });
    expect(await ledger.get('a1')).toEqual({ plan, done: [0, 2], jobs: { 1: 'task/1' }, attempts: { 1: 2 } });
    doc.on(GetCommand).resolves({ Item: { pk: 'asset#a1', status: 'preparing' } });
    expect(await ledger.get('a1')).toBeUndefined();
  });

  it('adds a chunk to the done set atomically, telling the call that completed it', async () => {
    doc
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: item({ chunks_done: new Set([1]) }) })
      .resolvesOnce({ Attributes: item({ chunks_done: new Set([0, 1, 2]) }) });
    expect(await ledger.completeChunk('a1', 1)).toEqual({ counted: true, complete: false, done: 1 });
    expect(await ledger.completeChunk('a1', 2)).toEqual({ counted: true, complete: true, done: 3 });
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('ADD chunks_done :index');
    expect(input?.ConditionExpression).toContain('NOT contains(chunks_done, :i)');
    expect(input?.ConditionExpression).toContain('#status = :preparing');
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':index': new Set([1]), ':i': 1 });
    expect(input?.ReturnValues).toBe('ALL_NEW');
  });

  it('does not count a chunk that finishes twice', async () => {
    doc.on(UpdateCommand).rejects(conditionFailed(item({ chunks_done: new Set([0, 1, 2]) })));
    expect(await ledger.completeChunk('a1', 1)).toEqual({ counted: false, complete: false, done: 3 });
  });

  it('claims the retry of a dead chunk task once: guarded by its job and its attempts', async () => {
    doc.on(GetCommand).resolves({ Item: item({ chunk_jobs: { '1': 'task/1' } }) });
    doc.on(UpdateCommand).resolves({});
    expect(await ledger.claimChunkRetry('a1', 1, 'task/1', 3)).toEqual({ attempt: 2 });
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('SET chunk_attempts.#i = :next REMOVE chunk_jobs.#i');
    expect(input?.ConditionExpression).toBe(
      '#status = :preparing AND chunk_jobs.#i = :failed AND ' +
        '(attribute_not_exists(chunks_done) OR NOT contains(chunks_done, :i)) AND ' +
        'attribute_not_exists(chunk_attempts.#i)',
    );
    expect(input?.ExpressionAttributeNames).toEqual({ '#status': 'status', '#i': '1' });

    doc.on(UpdateCommand).rejects(conditionFailed()); // another stop event won
    expect(await ledger.claimChunkRetry('a1', 1, 'task/1', 3)).toEqual({ refused: 'not_current', attempts: 1 });
  });

  it('refuses a stale task, a chunk done, and a chunk out of attempts', async () => {
    doc.on(GetCommand).resolves({ Item: item({ chunk_jobs: { '1': 'task/2' } }) });
    expect(await ledger.claimChunkRetry('a1', 1, 'task/1', 3)).toEqual({ refused: 'not_current', attempts: 1 });
    doc.on(GetCommand).resolves({ Item: item({ chunk_jobs: { '1': 'task/1' }, chunks_done: new Set([1]) }) });
    expect(await ledger.claimChunkRetry('a1', 1, 'task/1', 3)).toEqual({ refused: 'done', attempts: 1 });
    doc.on(GetCommand).resolves({ Item: item({ chunk_jobs: { '1': 'task/1' }, chunk_attempts: { '1': 3 } }) });
    expect(await ledger.claimChunkRetry('a1', 1, 'task/1', 3)).toEqual({ refused: 'exhausted', attempts: 3 });
    expect(doc.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('re-runs a done chunk whose task died finishing the asset (every chunk done, the asset still preparing)', async () => {
    doc.on(GetCommand).resolves({
      Item: item({ chunk_jobs: { '2': 'task/2' }, chunk_attempts: { '2': 1 }, chunks_done: new Set([0, 1, 2]) }),
    });
    doc.on(UpdateCommand).resolves({});
    expect(await ledger.claimChunkRetry('a1', 2, 'task/2', 3)).toEqual({ attempt: 2 });
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe(
      '#status = :preparing AND chunk_jobs.#i = :failed AND chunk_attempts.#i = :current',
    );
    expect(input?.ExpressionAttributeValues).toEqual({
      ':preparing': 'preparing',
      ':failed': 'task/2',
      ':next': 2,
      ':current': 1,
    });
  });
});
