/**
 * Idempotency under duplicates: S3 delivers at least once and SQS redelivers, so the ingest queue may carry the
 * same ObjectCreated event many times, and two ingest invocations may race on one upload. However often it
 * arrives, one upload makes one asset and one transcode.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { emulator, tasksOfAsset } from '../support/aws.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const config = needsPlatform("sends one S3 event to the ingest queue 20 times and counts the emulator's tasks");
const client = new GammaClient(config);
const ecs = new ECSClient(emulator(config));
const sqs = new SQSClient(emulator(config));

/** The S3 event notification body S3 sends for a direct upload's object (path-style URL: /bucket/key). */
function objectCreatedEvent(uploadUrl: string): string {
  const [bucket, ...key] = new URL(uploadUrl).pathname.slice(1).split('/');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: key.join('/'), size: 1 } },
      },
    ],
  });
}

describe('the same upload event delivered many times', () => {
  it('makes one asset and one transcode, sent 10 times in a row and 10 at once', async () => {
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-dup-')), 'clip.mp4'), { seconds: 3 });
    const upload = await client.createUpload();
    expect(await client.put(upload.url, clip)).toBe(200);
    const body = objectCreatedEvent(upload.url);
    const send = () =>
      sqs.send(new SendMessageCommand({ QueueUrl: config.resources.IngestQueueUrl, MessageBody: body }));
    for (let i = 0; i < 10; i++) await send();
    await Promise.all(Array.from({ length: 10 }, send));

    const assetId = await client.assetOfUpload(upload.id);
    const asset = await client.settledAsset(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');

    // Give the last duplicates time to be consumed, then count what they made.
    await new Promise((r) => setTimeout(r, 5000));
    const assets = (await client.request('GET', '/video/v1/assets?limit=100')).json.data as { upload_id?: string }[];
    expect(assets.filter((a) => a.upload_id === upload.id)).toHaveLength(1);
    expect(await tasksOfAsset(ecs, config, assetId)).toHaveLength(1);
    expect((await client.request('GET', `/video/v1/assets/${assetId}`)).json.data.status).toBe('ready');
  });
});
