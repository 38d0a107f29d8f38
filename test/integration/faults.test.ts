/**
 * Faults against the deployed stack: a transcoder task stopped mid-encode (ECS StopTask, which the local Fargate
 * agent honours as Fargate does: SIGTERM, then SIGKILL) is retried and the asset still ends ready; a task that
 * dies on every attempt ends errored, with the reason, after the bounded attempts — never stuck in preparing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_TRANSCODE_ATTEMPTS } from '../../lambdas/core/usecases/task-stopped.js';
import { emulator, tasksOfAsset } from '../support/aws.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const config = needsPlatform('stops transcoder tasks mid-encode with StopTask');
const client = new GammaClient(config);
const ecs = new ECSClient(emulator(config));
const dir = mkdtempSync(join(tmpdir(), 'gamma-faults-'));

async function uploadAsset(file: string): Promise<string> {
  const upload = await client.createUpload();
  expect(await client.put(upload.url, file)).toBe(200);
  return client.assetOfUpload(upload.id);
}

/** Waits for the asset's next running task that is not one of `known`. */
async function nextRunningTask(assetId: string, known: Set<string>): Promise<Task> {
  const tasks = await client.until(
    `a new running transcoder task of ${assetId}`,
    () => tasksOfAsset(ecs, config, assetId),
    (ts) => ts.some((t) => t.desiredStatus === 'RUNNING' && !known.has(t.taskArn as string)),
    60_000,
  );
  return tasks.find((t) => t.desiredStatus === 'RUNNING' && !known.has(t.taskArn as string)) as Task;
}

const stop = (task: Task, reason: string) =>
  ecs.send(new StopTaskCommand({ cluster: config.resources.ClusterArn, task: task.taskArn, reason }));

describe('a transcoder that dies', () => {
  let clip: string;
  beforeAll(async () => {
    // Long enough at 1080p that the encode is still running when it is stopped.
    clip = await makeClip(join(dir, 'long.mp4'), { width: 1920, height: 1080, seconds: 20 });
  });

  it('is retried when stopped mid-encode, and the asset still ends ready', async () => {
    const assetId = await uploadAsset(clip);
    const first = await nextRunningTask(assetId, new Set());
    await new Promise((r) => setTimeout(r, 3000)); // the agent has started it and ffmpeg is encoding
    await stop(first, 'fault injection: stopped mid-encode');

    const asset = await client.settledAsset(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    const tasks = await tasksOfAsset(ecs, config, assetId);
    expect(tasks.map((t) => t.taskArn)).toHaveLength(2);
    expect(tasks[0]?.taskArn).toBe(first.taskArn);
    expect(tasks[0]?.stoppedReason).toBe('fault injection: stopped mid-encode');
  });

  it(`ends errored with the reason after ${MAX_TRANSCODE_ATTEMPTS} attempts when every attempt dies`, async () => {
    const assetId = await uploadAsset(clip);
    const stopped = new Set<string>();
    for (let attempt = 1; attempt <= MAX_TRANSCODE_ATTEMPTS; attempt++) {
      const task = await nextRunningTask(assetId, stopped);
      stopped.add(task.taskArn as string);
      await stop(task, `fault injection: attempt ${attempt} killed`);
    }
    const asset = await client.settledAsset(assetId);
    expect(asset.status).toBe('errored');
    expect(asset.errors.type).toBe('transcode_failed');
    expect(asset.errors.messages.join(' ')).toMatch(
      new RegExp(`failed ${MAX_TRANSCODE_ATTEMPTS} time.*attempt ${MAX_TRANSCODE_ATTEMPTS} killed`),
    );
    // No attempt beyond the budget was started.
    expect(await tasksOfAsset(ecs, config, assetId)).toHaveLength(MAX_TRANSCODE_ATTEMPTS);
  });
});
