import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_VISIBILITY_SECONDS, SqsRedelivery } from '../../lambdas/core/adapters/sqs-redelivery.js';
import { logger } from '../../lambdas/core/logger.js';
import { DISPATCH_CLAIM_MAX_SECONDS, DispatchPendingError } from '../../lambdas/core/usecases/ingest.js';
import { onDispatchFailure } from '../../lambdas/handlers/dispatch-pending.js';
import { createUrlFetchHandler } from '../../lambdas/handlers/url-fetch.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { InMemoryMediaRepository, preparingAsset, RecordingRunner } from './fakes.js';

const record = { messageId: 'm1', receiptHandle: 'r1' } as SQSRecord;

beforeEach(() => {
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('onDispatchFailure', () => {
  const comeBack: [string, number][] = [];
  const redelivery = { after: async (receipt: string, seconds: number) => void comeBack.push([receipt, seconds]) };
  beforeEach(() => {
    comeBack.length = 0;
  });

  it('leaves other failures to the queue, with their own log', async () => {
    const otherwise = vi.fn();
    await onDispatchFailure(redelivery, otherwise)(record, new Error('RunTask failed'));
    expect(otherwise).toHaveBeenCalledWith(record, expect.any(Error));
    expect(comeBack).toEqual([]);
  });

  it('leaves the return to the queue when the claim had ended by the time it was read', async () => {
    // The holder released its claim between this delivery's claim attempt and its read: no time to wait for.
    await onDispatchFailure(redelivery, vi.fn())(record, new DispatchPendingError('asset1'));
    expect(comeBack).toEqual([]);
    expect(logger.info).toHaveBeenCalled();
  });

  it('comes back at once when the claim has already ended, and survives a failed ChangeMessageVisibility', async () => {
    const now = () => 1_000_000;
    await onDispatchFailure(redelivery, vi.fn(), now)(record, new DispatchPendingError('asset1', 990));
    expect(comeBack).toEqual([['r1', 2]]);
    const failing = { after: async () => Promise.reject(new Error('AccessDenied')) };
    await expect(
      onDispatchFailure(failing, vi.fn(), now)(record, new DispatchPendingError('asset1', 1_030)),
    ).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not set when the message comes back; it comes after the visibility timeout',
      expect.objectContaining({ messageId: 'm1' }),
    );
  });
});

describe('SqsRedelivery', () => {
  it('sets whole seconds, rounded up, at most SQS’s 12 hours', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const redelivery = new SqsRedelivery(new SQSClient({ region: 'eu-west-1' }), 'https://sqs/queue');
    await redelivery.after('r1', 61.2);
    await redelivery.after('r2', 10 * MAX_VISIBILITY_SECONDS);
    await redelivery.after('r3', -1);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: 'https://sqs/queue', ReceiptHandle: 'r1', VisibilityTimeout: 62 },
      { QueueUrl: 'https://sqs/queue', ReceiptHandle: 'r2', VisibilityTimeout: MAX_VISIBILITY_SECONDS },
      { QueueUrl: 'https://sqs/queue', ReceiptHandle: 'r3', VisibilityTimeout: 0 },
    ]);
    sqs.restore();
  });
});

describe('url-fetch handler', () => {
  it('sends a fetch that finds the claim held back when the claim ends, without downloading', async () => {
    const media = new InMemoryMediaRepository();
    await media.createAsset(preparingAsset({ upload_id: undefined, source: { bucket: 'in', key: 'uploads/x' } }));
    media.clock = Math.floor(Date.now() / 1000); // the handler reads the wall clock
    await media.claimDispatch('asset1', DISPATCH_CLAIM_MAX_SECONDS);
    const comeBack: [string, number][] = [];
    const fetchTo = vi.fn(async () => ({ bytes: 1 }));
    const handler = createUrlFetchHandler(() => ({
      media,
      fetcher: { fetchTo, stored: async () => false },
      runner: new RecordingRunner(),
      outputBucket: 'out',
      slots: new InMemoryInputSlots(),
      redelivery: { after: async (receipt, seconds) => void comeBack.push([receipt, seconds]) },
    }));
    const body = JSON.stringify({ assetId: 'asset1', url: 'https://v.example/a.mp4' });
    const event = { Records: [{ ...record, body }] } as SQSEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(fetchTo).not.toHaveBeenCalled();
    expect(comeBack).toHaveLength(1);
    const [[receipt, seconds]] = comeBack as [[string, number]];
    expect(receipt).toBe('r1');
    expect(seconds).toBeGreaterThan(DISPATCH_CLAIM_MAX_SECONDS); // the claim's end, and 2 s
    expect(seconds).toBeLessThanOrEqual(DISPATCH_CLAIM_MAX_SECONDS + 2);
  });
});
