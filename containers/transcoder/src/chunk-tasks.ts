/**
 * Chunked transcoding with one task per chunk (CHUNK_WORKERS=tasks). The first task (the one the dispatcher
 * started) has probed and planned; it cuts the audio once into per-chunk slices, records the plan on the asset
 * (guarded: a retried first task reuses the recorded one), starts a task per further chunk through the
 * TranscodeRunner, and encodes chunk 0 itself with fast start (the master is published once chunk 0's first
 * segments exist). Every chunk task writes its segments under their final names plus a small manifest, then adds
 * its chunk to the asset's done set; the call that makes the set whole writes the rendition playlists and the
 * master (measured bit rates) and the asset is marked ready.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DeleteObjectsCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type Chunk,
  type ChunkManifest,
  type ChunkPlanRecord,
  checkManifests,
  chunkAudioFile,
  chunkManifestFile,
  chunkTimeOffset,
  FIRST_CHUNK,
  joinedPlaylist,
} from '../../../lambdas/core/domain/chunks.js';
import { type LadderPlan, renditionNames, type SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../lambdas/core/domain/layout.js';
import {
  codecsFor,
  masterPlaylist,
  parseMediaPlaylist,
  RENDITION_PLAYLIST,
  segmentBitRates,
  type Variant,
  variantUri,
} from '../../../lambdas/core/domain/playlist.js';
import {
  type ImagePlan,
  STILLS_DIR,
  STORYBOARD_IMAGE,
  STORYBOARD_VTT,
  storyboardVtt,
} from '../../../lambdas/core/domain/thumbnails.js';
import type { ChunkLedger, TranscodeJob, TranscodeRunner } from '../../../lambdas/core/ports.js';
import { encodeAudioSlices, encodeHlsChunk, encodeImages, HLS_VERSION } from './encode.js';
import { ProgressivePublisher } from './progressive.js';
import { inParallel, type S3Storage } from './storage.js';

const UPLOAD_CONCURRENCY = 8;

export interface ChunkTaskContext {
  job: TranscodeJob;
  ledger: ChunkLedger;
  /** Starts the chunk tasks (first task only). */
  runner: TranscodeRunner;
  storage: S3Storage;
  s3: S3Client;
  workDir: string;
  logger: Logger;
  /** Marks the asset playable once chunk 0's first segments and the provisional master are published. */
  onPlayable: () => Promise<void>;
  encoders: ChunkEncoders;
}

/** The ffmpeg steps of the chunk-task path (encode.ts); tests pass fakes. */
export interface ChunkEncoders {
  audioSlices: typeof encodeAudioSlices;
  chunk: typeof encodeHlsChunk;
  images: typeof encodeImages;
}

export const FFMPEG_CHUNK_ENCODERS: ChunkEncoders = {
  audioSlices: encodeAudioSlices,
  chunk: encodeHlsChunk,
  images: encodeImages,
};

/** `finished`: this task completed the asset's chunks and published its playlists; the caller marks it ready. */
export type ChunkOutcome = { finished: true; plan: ChunkPlanRecord } | { finished: false };

/** The first task's part: record the plan, fan out, encode chunk 0, and finish the asset if it is the last. */
export async function runFirstChunkTask(
  ctx: ChunkTaskContext,
  input: {
    sourceFile: string;
    source: SourceProbe;
    plan: LadderPlan;
    chunks: Chunk[];
    images?: ImagePlan;
    /** More outputs cut beside chunk 0's encode into its folder (the preview frames), published with it. */
    beside?: (dir: string) => Promise<void>;
  },
): Promise<ChunkOutcome> {
  const { job, ledger, logger } = ctx;
  let state = await ledger.get(job.assetId);
  if (!state) {
    const record: ChunkPlanRecord = {
      chunks: input.chunks,
      ladder: input.plan,
      source: input.source,
      timeOffsetSeconds: chunkTimeOffset(input.plan.video?.fps ?? 30),
    };
    // The audio slices go up before the plan is recorded: a chunk task that can read the plan finds its slice.
    if (input.plan.audio) {
      const slices = await ctx.encoders.audioSlices(
        input.sourceFile,
        input.plan.audio,
        input.chunks,
        join(ctx.workDir, 'audio'),
      );
      await inParallel(input.chunks, UPLOAD_CONCURRENCY, (chunk) =>
        ctx.storage.putFile(
          job.outputBucket,
          workKey(job.assetId, chunkAudioFile(chunk.index)),
          slices[chunk.index] ?? '',
        ),
      );
    }
    await ledger.recordPlan(job.assetId, record);
    state = await ledger.get(job.assetId);
    if (!state) throw new Error('The chunk plan was recorded but cannot be read back');
    logger.info('Recorded the chunk plan', { chunks: record.chunks.length });
  } else {
    logger.info('Resuming the recorded chunk plan', { chunks: state.plan.chunks.length, done: state.done });
  }
  const { plan } = state;
  for (const chunk of plan.chunks) {
    if (chunk.index === FIRST_CHUNK || state.done.includes(chunk.index) || state.jobs[chunk.index]) continue;
    const { jobId } = await ctx.runner.start({ ...job, chunk: { index: chunk.index } });
    await ledger.recordChunkJob(job.assetId, chunk.index, jobId);
    logger.info('Started a chunk task', { chunk: chunk.index, jobId });
  }
  if (!state.done.includes(FIRST_CHUNK)) {
    await encodeAndPublishChunk(ctx, plan, FIRST_CHUNK, input.sourceFile, input.images, input.beside);
  }
  return complete(ctx, plan, FIRST_CHUNK);
}

/** A chunk task's part (CHUNK_INDEX ≥ 1): encode its chunk of the recorded plan, then finish if it is the last. */
export async function runChunkTask(
  ctx: ChunkTaskContext,
  index: number,
  download: (file: string) => Promise<void>,
): Promise<ChunkOutcome> {
  const state = await ctx.ledger.get(ctx.job.assetId);
  if (!state) throw new Error(`Asset ${ctx.job.assetId} has no chunk plan`);
  if (!state.plan.chunks.some((c) => c.index === index)) throw new Error(`The chunk plan has no chunk ${index}`);
  if (!state.done.includes(index)) {
    const sourceFile = join(ctx.workDir, 'source');
    await download(sourceFile);
    await encodeAndPublishChunk(ctx, state.plan, index, sourceFile);
  }
  return complete(ctx, state.plan, index);
}

async function encodeAndPublishChunk(
  ctx: ChunkTaskContext,
  plan: ChunkPlanRecord,
  index: number,
  sourceFile: string,
  images?: ImagePlan,
  beside?: (dir: string) => Promise<void>,
): Promise<void> {
  const { job, storage, logger } = ctx;
  const chunk = plan.chunks.find((c) => c.index === index) as Chunk;
  const dir = join(ctx.workDir, `chunk-${index}`);
  let audio: string | undefined;
  if (plan.ladder.audio) {
    audio = join(ctx.workDir, `audio-${index}.nut`);
    await storage.download(job.outputBucket, workKey(job.assetId, chunkAudioFile(index)), audio);
  }
  // Chunk 0 is the start of the asset: published while it encodes, so the asset plays early (fast start).
  const publisher =
    index === FIRST_CHUNK
      ? new ProgressivePublisher({
          storage,
          bucket: job.outputBucket,
          assetId: job.assetId,
          dir,
          plan: plan.ladder,
          hlsVersion: HLS_VERSION.fmp4,
          onPlayable: ctx.onPlayable,
        })
      : undefined;
  publisher?.start();
  try {
    await Promise.all([
      ctx.encoders.chunk(sourceFile, plan.ladder, dir, chunk, {
        ...(audio && { audio }),
        timeOffsetSeconds: plan.timeOffsetSeconds,
      }),
      images && ctx.encoders.images(sourceFile, plan.ladder, dir, images),
      beside?.(dir),
    ]);
  } finally {
    await publisher?.stop();
  }
  if (images) {
    const stills = await readdir(join(dir, STILLS_DIR)).catch(() => []);
    await writeFile(
      join(dir, STORYBOARD_VTT),
      storyboardVtt(images, stills.length, plan.source.durationSeconds, STORYBOARD_IMAGE),
    );
  }
  logger.info('Encoded a chunk', { chunk: index, segments: chunk.segmentCount });

  // Every file but the playlists (the finisher writes those); the init segments only once, from chunk 0.
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => extname(f) !== '.m3u8' && (index === FIRST_CHUNK || extname(f) !== '.mp4'));
  const prefix = assetOutputPrefix(job.assetId);
  await inParallel(files, UPLOAD_CONCURRENCY, (f) => storage.putFile(job.outputBucket, `${prefix}/${f}`, join(dir, f)));
  const manifest: ChunkManifest = { index, renditions: {} };
  for (const name of renditionNames(plan.ladder)) {
    const playlist = parseMediaPlaylist(await readFile(join(dir, name, RENDITION_PLAYLIST), 'utf8'));
    const segments = await Promise.all(
      playlist.segments.map(async (s) => ({ ...s, bytes: (await stat(join(dir, name, s.uri))).size })),
    );
    manifest.renditions[name] = {
      targetDuration: playlist.targetDuration,
      ...(playlist.map && { map: playlist.map }),
      segments,
    };
  }
  await storage.putBody(job.outputBucket, workKey(job.assetId, chunkManifestFile(index)), JSON.stringify(manifest));
  logger.info('Published a chunk', { chunk: index, objects: files.length });
}

/** Counts the chunk done; the call that completes the set (or finds it complete: a re-run finisher) finishes. */
async function complete(ctx: ChunkTaskContext, plan: ChunkPlanRecord, index: number): Promise<ChunkOutcome> {
  const { counted, complete: whole, done } = await ctx.ledger.completeChunk(ctx.job.assetId, index);
  ctx.logger.info('Counted the chunk', { chunk: index, counted, done, of: plan.chunks.length });
  if (!whole && !(!counted && done === plan.chunks.length)) return { finished: false };
  await finish(ctx, plan);
  return { finished: true, plan };
}

/** Writes every rendition's VOD playlist from the chunks' manifests, then the master, then removes the work files. */
async function finish(ctx: ChunkTaskContext, plan: ChunkPlanRecord): Promise<void> {
  const { job, storage } = ctx;
  const manifests = await Promise.all(
    plan.chunks.map(async (c) => JSON.parse(await getText(ctx.s3, job, chunkManifestFile(c.index))) as ChunkManifest),
  );
  const names = renditionNames(plan.ladder);
  checkManifests(plan, manifests, names);
  const prefix = assetOutputPrefix(job.assetId);
  const variants: Variant[] = [];
  for (const name of names) {
    const parts = plan.chunks.map((c) => manifests.find((m) => m.index === c.index)?.renditions[name]);
    const present = parts.filter((p) => p !== undefined);
    const text = joinedPlaylist(present, HLS_VERSION.fmp4);
    await storage.putBody(job.outputBucket, `${prefix}/${variantUri(name)}`, text);
    const { peak, average } = segmentBitRates(
      present.flatMap((p) => p.segments),
      parseMediaPlaylist(text).targetDuration,
    );
    const rung = plan.ladder.video?.rungs.find((r) => r.name === name);
    variants.push({
      uri: variantUri(name),
      bandwidth: peak,
      averageBandwidth: average,
      codecs: codecsFor(rung, plan.ladder.audio !== undefined),
      ...(rung &&
        plan.ladder.video && { video: { width: rung.width, height: rung.height, frameRate: plan.ladder.video.fps } }),
    });
  }
  await storage.putBody(job.outputBucket, `${prefix}/${MASTER_PLAYLIST}`, masterPlaylist(variants, HLS_VERSION.fmp4));
  ctx.logger.info('Published the playlists of the chunks', { renditions: names.length });
}

/**
 * Removes the audio slices and manifests once the asset is ready (not before: a finisher that dies before marking
 * it ready is re-run, and needs them to write the playlists again).
 */
export async function removeChunkWork(s3: S3Client, job: TranscodeJob, plan: ChunkPlanRecord): Promise<void> {
  const work = plan.chunks.flatMap((c) => [chunkManifestFile(c.index), chunkAudioFile(c.index)]);
  await s3.send(
    new DeleteObjectsCommand({
      Bucket: job.outputBucket,
      Delete: { Objects: work.map((f) => ({ Key: workKey(job.assetId, f) })), Quiet: true },
    }),
  );
}

const workKey = (assetId: string, file: string) => `${assetOutputPrefix(assetId)}/${file}`;

async function getText(s3: S3Client, job: TranscodeJob, file: string): Promise<string> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: job.outputBucket, Key: workKey(job.assetId, file) }));
  if (!Body) throw new Error(`${file} of asset ${job.assetId} is empty`);
  return Body.transformToString();
}
