import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lambdas/core/logger.js';
import { assetIdForUpload, type IngestContext } from '../../lambdas/core/usecases/ingest.js';
import { createIngestHandler } from '../../lambdas/handlers/ingest.js';
import { InMemoryMediaRepository, InMemoryObjects, RecordingRunner, waitingUpload } from './fakes.js';

const s3Event = (key: string, bucket = 'ingest', eventName = 'ObjectCreated:Put', size = 1024) =>
  JSON.stringify({ Records: [{ eventName, s3: { bucket: { name: bucket }, object: { key, size } } }] });

const sqsRecord = (messageId: string, body: string) => ({ messageId, body }) as SQSRecord;
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

let media: InMemoryMediaRepository;
let runner: RecordingRunner;
let ingest: ReturnType<typeof createIngestHandler>;
let objects: InMemoryObjects;
let ctx: IngestContext;

beforeEach(async () => {
  media = new InMemoryMediaRepository();
  runner = new RecordingRunner();
  objects = new InMemoryObjects();
  ctx = {
    media,
    runner,
    ingestBucket: 'ingest',
    outputBucket: 'output',
    maxUploadBytes: 1_000_000,
    objects,
  };
  ingest = createIngestHandler(() => ctx);
  for (const id of ['good1', 'good2', 'failing']) await media.putUpload(waitingUpload({ id }));
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});

afterEach(() => vi.restoreAllMocks());

describe('ingest handler', () => {
  it('holds its dispatch claims for the time its invocation has left, and a margin', async () => {
    const claim = vi.spyOn(media, 'claimDispatch');
    const context = { getRemainingTimeInMillis: () => 29_500 } as Context;
    await ingest(batch(sqsRecord('m1', s3Event('uploads/good1'))), context);
    expect(claim.mock.calls).toEqual([[assetIdForUpload('good1'), 30 + 30]]); // and a margin
  });

  it('sends a delivery that finds the claim held with no job back when the claim ends, logged at info', async () => {
    const comeBack: [string, number][] = [];
    const handler = createIngestHandler(() => ({
      ...ctx,
      now: () => media.clock * 1000,
      redelivery: { after: async (receipt, seconds) => void comeBack.push([receipt, seconds]) },
    }));
    runner.start = async () => {
      throw new Error('RunTask failed');
    };
    expect(await handler(batch(sqsRecord('m1', s3Event('uploads/good1'))))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm1' }],
    });
    const assetId = assetIdForUpload('good1');
    await media.claimDispatch(assetId, 60); // another delivery's claim, its job not started (or it died)
    const redelivered = { ...sqsRecord('m2', s3Event('uploads/good1')), receiptHandle: 'r2' };
    vi.mocked(logger.error).mockClear();

    expect(await handler(batch(redelivered))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(comeBack).toEqual([['r2', 60 + 2]]);
    expect(logger.error).not.toHaveBeenCalled();
    expect(logger.info).toHaveBeenCalledWith(
      'Dispatch claimed by another delivery; the message comes back when the claim ends',
      expect.objectContaining({ messageId: 'm2', assetId, inSeconds: 62 }),
    );
  });

  it('refuses a file the event reports over the size limit: upload errored, file deleted, no asset', async () => {
    const event = s3Event('uploads/good1', 'ingest', 'ObjectCreated:CompleteMultipartUpload', 1_000_001);
    expect(await ingest(batch(sqsRecord('big', event)))).toEqual({ batchItemFailures: [] });
    expect(await media.getUpload('good1')).toMatchObject({
      status: 'errored',
      error: { message: 'The file is 1000001 bytes; this deployment accepts files up to 1000000 bytes.' },
    });
    expect(objects.deleted).toEqual(['ingest/uploads/good1']);
    expect(runner.jobs).toEqual([]);
  });

  it('reports only the records that failed and ingests the rest', async () => {
    const realStart = runner.start.bind(runner);
    runner.start = async (job) => {
      if (job.source.key === 'uploads/failing') throw new Error('RunTask failed');
      return realStart(job);
    };

    const result = await ingest(
      batch(
        sqsRecord('m1', s3Event('uploads/good1')),
        sqsRecord('m2', 'not json'),
        sqsRecord('m3', JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] })),
        sqsRecord('m4', s3Event('uploads/failing')),
        sqsRecord('m5', s3Event('uploads/good2')),
      ),
    );

    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }, { itemIdentifier: 'm4' }],
    });
    expect(runner.jobs.map((j) => j.assetId)).toEqual([assetIdForUpload('good1'), assetIdForUpload('good2')]);
    expect(logger.error).toHaveBeenCalledTimes(3);
  });

  it('acknowledges the s3:TestEvent and events that are not object creations', async () => {
    const result = await ingest(
      batch(
        sqsRecord('t', JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'ingest' })),
        sqsRecord('d', s3Event('uploads/good1', 'ingest', 'ObjectRemoved:Delete')),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(media.assets.size).toBe(0);
  });

  it('URL-decodes keys the way S3 encodes them', async () => {
    const weird = 'uploads/a b%2Bc';
    // "uploads/a+b%252Bc" is how S3 writes the key "uploads/a b%2Bc": not an upload key, so it is acknowledged.
    const result = await ingest(batch(sqsRecord('m2', s3Event('uploads/a+b%252Bc'))));
    expect(result.batchItemFailures).toEqual([]);
    expect(logger.info).toHaveBeenLastCalledWith('Ingested', expect.objectContaining({ key: weird }));
  });

  it('ingests the same event delivered twice only once', async () => {
    await ingest(batch(sqsRecord('m1', s3Event('uploads/good1')), sqsRecord('m2', s3Event('uploads/good1'))));
    expect(media.assets.size).toBe(1);
    expect(runner.jobs).toHaveLength(1);
  });
});
