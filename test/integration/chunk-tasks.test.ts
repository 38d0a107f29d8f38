/**
 * Chunk-parallel encoding the AWS way, on this machine: a platform deployed with `-c chunkWorkers=tasks`, where the
 * first transcoder task records the chunk plan on the asset and starts one task per further chunk through RunTask
 * (the Fargate agent runs each as a process), and the task that completes the chunks writes the playlists.
 * A long enough clip ends ready with several tasks seen and the single path's structure; a chunk task killed
 * mid-encode is re-run alone and the asset still ends ready.
 *
 * This file starts its own platform (the shared one runs chunks as processes of one task).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient, type Task } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, STATE_DIR, startPlatform } from '../../scripts/local/platform.js';
import { emulator, overrideOf, tasksOfAsset } from '../support/aws.js';
import { expectSinglePassStructure, outputCheck } from '../support/chunked-output.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

needsPlatform('starts a platform deployed with chunkWorkers=tasks and kills a chunk task through the Fargate agent');
const dir = mkdtempSync(join(tmpdir(), 'gamma-chunk-tasks-'));
/**
 * 36 s in segments of 2 s, then 6 s, and 12 s chunks (the local deployment's minimum): three chunks of three, two
 * and two segments (0–14 s, 14–26 s, 26–36 s).
 */
const SECONDS = 36;
const DEADLINE_MS = 8 * 60_000;

let platform: Platform;
let client: GammaClient;
let ecs: ECSClient;
let s3: S3Client;
let clip: string;

beforeAll(async () => {
  [platform, clip] = await Promise.all([
    startPlatform({
      chunkWorkers: 'tasks',
      concurrency: 4,
      logDir: join(STATE_DIR, 'test-logs', `chunk-tasks-${process.pid}`),
      log: (line) => process.stderr.write(`${line}\n`),
    }),
    makeClip(join(dir, 'long.mp4'), { width: 1280, height: 720, seconds: SECONDS }),
  ]);
  client = new GammaClient(platform.config);
  ecs = new ECSClient(emulator(platform.config));
  s3 = new S3Client({ ...emulator(platform.config), forcePathStyle: true });
});

afterAll(async () => {
  await platform?.stop();
});

async function uploadAsset(): Promise<string> {
  const upload = await client.createUpload();
  expect(await client.put(upload.url, clip)).toBe(200);
  return client.assetOfUpload(upload.id);
}

const settled = (assetId: string) =>
  client.until(
    `asset ${assetId} to settle`,
    async () => (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data,
    (a) => a?.status === 'ready' || a?.status === 'errored',
    DEADLINE_MS,
  );

const chunkOf = (task: Task) => overrideOf(task, 'CHUNK_INDEX');

const output = () => outputCheck(platform, s3, clip, SECONDS, dir);

describe('chunk tasks (chunkWorkers=tasks)', () => {
  it('encode a long clip in one task per chunk and end ready, with the single path’s structure', async () => {
    const assetId = await uploadAsset();
    const asset = await settled(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    expect(asset.duration).toBeCloseTo(SECONDS, 0);
    // Fast start: chunk 0's task published the master once its first segments existed, before the asset was ready.
    expect(asset.playable_at).toBeDefined();

    const tasks = await tasksOfAsset(ecs, platform.config, assetId);
    // The first task plans; it starts the later chunks at once, in no set order.
    expect(tasks.map(chunkOf)[0]).toBeUndefined();
    expect(tasks.slice(1).map(chunkOf).sort()).toEqual(['1', '2']);
    await expectSinglePassStructure(output(), assetId);
  });

  it('re-runs only a chunk task killed mid-encode, and the asset still ends ready', async () => {
    const assetId = await uploadAsset();
    const victim = await client.until(
      'chunk 2’s task to run',
      () => tasksOfAsset(ecs, platform.config, assetId),
      (ts) => ts.some((t) => chunkOf(t) === '2' && platform.agent.runningTasks().includes(t.taskArn as string)),
      DEADLINE_MS,
    );
    const task = victim.find((t) => chunkOf(t) === '2') as Task;
    await new Promise((r) => setTimeout(r, 3000)); // ffmpeg is encoding the chunk
    expect(platform.agent.kill(task.taskArn as string, 'SIGKILL')).toBe(true);

    const asset = await settled(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    const tasks = await tasksOfAsset(ecs, platform.config, assetId);
    expect(tasks.map(chunkOf).sort()).toEqual(['1', '2', '2', undefined].sort());
    expect(tasks.filter((t) => chunkOf(t) === '2').map((t) => t.taskArn)).toContain(task.taskArn);
    await expectSinglePassStructure(output(), assetId);
  });
});
