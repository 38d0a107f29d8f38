/**
 * Nothing lost: an ingest message that keeps failing is retried, then parked in the dead-letter queue after
 * `maxReceiveCount` receives (5, as on AWS; locally each retry comes 10 s after the last, not 3 minutes), and once
 * the cause is fixed `npm run redrive` puts it back on the ingest queue, where it is processed and the asset is made.
 *
 * The failure is a real one: the upload's record is missing its `new_asset_settings` (as a record written by a buggy
 * or older version might be), so the ingest function throws on the real S3 event of the real PUT. The fix restores
 * the field, as a data repair would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { mediaKey } from '../../lambdas/core/tables.js';
import { ROOT } from '../../scripts/local/platform.js';
import { emulator } from '../support/aws.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const exec = promisify(execFile);
const config = needsPlatform('parks a failing message in the ingest queue and redrives it through the emulator');
const client = new GammaClient(config);
const sqs = new SQSClient(emulator(config));
const db = DynamoDBDocumentClient.from(new DynamoDBClient(emulator(config)));
const table = config.resources.MediaTableName as string;
const queue = config.resources.IngestQueueUrl as string;
const dlq = config.resources.IngestDeadLetterQueueUrl as string;

/** Messages in a queue, visible or in flight. */
async function depth(url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

/** The bodies of the messages now visible in a queue, left where they are (received with no visibility timeout). */
async function peek(url: string): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  return Messages.map((m) => m.Body ?? '');
}

describe('a message that keeps failing', () => {
  it('is dead-lettered after its retries, and after the fix the redrive makes its asset', async () => {
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-dlq-')), 'clip.mp4'), {
      width: 320,
      height: 240,
      seconds: 2,
    });
    const upload = await client.createUpload();
    const key = { pk: mediaKey('upload', upload.id) };
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const settings = Item?.new_asset_settings;
    expect(settings).toBeDefined();
    await db.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'REMOVE new_asset_settings' }));

    expect(await client.put(upload.url, clip)).toBe(200);
    // Five receives, ten seconds apart: the message reaches the dead-letter queue in about 50 s.
    const parked = await client.until(
      'the S3 event to reach the dead-letter queue',
      () => peek(dlq),
      (bodies) => bodies.some((b) => b.includes(upload.id)),
      150_000,
    );
    expect(parked.filter((b) => b.includes(upload.id))).toHaveLength(1);
    expect(await depth(queue)).toBe(0);
    const stuck = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    expect(stuck.Item?.status).toBe('waiting');

    // The fix, then the redrive (the fallback that receives, re-sends and deletes: the emulator has no move task).
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET new_asset_settings = :s',
        ExpressionAttributeValues: { ':s': settings },
      }),
    );
    const { stdout } = await exec(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [join(ROOT, 'scripts', 'redrive.ts'), '--dlq', dlq, '--queue', queue],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: config.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: '000000000000',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      },
    );
    expect(stdout).toMatch(/Moved [1-9]\d* message|message move task/);

    const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    expect(await depth(dlq)).toBe(0);
  });
});
