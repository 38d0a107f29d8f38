/**
 * The steps both chunk strategies share: encode one chunk of the recorded plan and publish it (segments under their
 * final names plus a small manifest), count it in the asset's chunk ledger, and — in the task whose count completes
 * the set — write every rendition's playlist and the master from the manifests.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  type Chunk,
  type ChunkManifest,
  type ChunkPlanRecord,
  checkManifests,
  chunkAudioFile,
  chunkManifestFile,
  FIRST_CHUNK,
  joinedPlaylist,
} from '../../../../lambdas/core/domain/chunks.js';
import { renditionNames } from '../../../../lambdas/core/domain/ladder.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../../lambdas/core/domain/layout.js';
import {
  masterPlaylist,
  parseMediaPlaylist,
  RENDITION_PLAYLIST,
  variantUri,
} from '../../../../lambdas/core/domain/playlist.js';
import { variantOf, writeStoryboardVtt } from '../encode.js';
import { HLS_VERSION, type SideOutputs } from '../ffmpeg/args.js';
import { finishPreviewFrames, logPreviews } from '../preview-frames.js';
import { ProgressivePublisher } from '../progressive.js';
import { readyPatch, writeDownloads } from '../ready.js';
import { bucketFiles } from '../static-renditions.js';
import { inParallel } from '../storage.js';
import type { Outcome, StrategyContext } from './context.js';

export const UPLOAD_CONCURRENCY = 8;

/** A work file of the chunked transcode (`.chunks/…`), beside the asset's outputs. */
export const workKey = (assetId: string, file: string) => `${assetOutputPrefix(assetId)}/${file}`;

export interface ChunkInput {
  /** The source: a local file, or a presigned URL of which ffmpeg reads only the chunk's byte range. */
  sourceFile: string;
  /** Chunk 0 only: the whole source's stills, storyboard and preview frames, cut beside its encode. */
  side?: SideOutputs;
}

/** Encodes chunk `index` of the plan and publishes its files and manifest. */
export async function encodeAndPublishChunk(
  ctx: StrategyContext,
  plan: ChunkPlanRecord,
  index: number,
  input: ChunkInput,
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
          onPlayable: ctx.markPlayable,
        })
      : undefined;
  const { side } = input;
  const encoders = ctx.deps.chunkEncoders;
  publisher?.start();
  try {
    await encoders.chunk(input.sourceFile, plan.ladder, dir, chunk, {
      ...(audio && { audio }),
      timeOffsetSeconds: plan.timeOffsetSeconds,
    });
    await publisher?.drain();
  } finally {
    await publisher?.stop();
  }
  // After the chunk, not beside it: the first segments (and the playable mark) do not share the CPU with this decode.
  if (side) await encoders.images(input.sourceFile, plan.ladder, dir, side);
  if (side?.images) await writeStoryboardVtt(dir, side.images, plan.source.durationSeconds);
  if (side) logPreviews(logger, await finishPreviewFrames(dir, side.previews));
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

/**
 * Counts the chunk done. The call that completes the set (or finds it complete: a re-run finisher) writes the
 * playlists and hands back what the asset becomes ready with; any other leaves the asset to another chunk task.
 */
export async function countChunk(ctx: StrategyContext, plan: ChunkPlanRecord, index: number): Promise<Outcome> {
  const { counted, complete, done } = await ctx.deps.chunks.completeChunk(ctx.job.assetId, index);
  ctx.logger.info('Counted the chunk', { chunk: index, counted, done, of: plan.chunks.length });
  if (!complete && !(!counted && done === plan.chunks.length)) return { finishedBy: 'another chunk task' };
  await publishPlaylists(ctx, plan);
  const { job, deps } = ctx;
  return {
    ready: readyPatch(job.assetId, plan.source, plan.ladder),
    afterReady: async () => {
      const files = bucketFiles(deps.s3, job.outputBucket, job.assetId);
      await writeDownloads(ctx, plan.ladder, plan.source, files);
      await removeChunkWork(ctx, plan);
    },
  };
}

/** Writes every rendition's VOD playlist from the chunks' manifests, then the master (measured bit rates). */
async function publishPlaylists(ctx: StrategyContext, plan: ChunkPlanRecord): Promise<void> {
  const { job, storage } = ctx;
  const manifests = await Promise.all(
    plan.chunks.map(async (c) => JSON.parse(await getText(ctx, chunkManifestFile(c.index))) as ChunkManifest),
  );
  const names = renditionNames(plan.ladder);
  checkManifests(plan, manifests, names);
  const prefix = assetOutputPrefix(job.assetId);
  const variants = [];
  for (const name of names) {
    const parts = plan.chunks.map((c) => manifests.find((m) => m.index === c.index)?.renditions[name]);
    const present = parts.filter((p) => p !== undefined);
    const text = joinedPlaylist(present, HLS_VERSION.fmp4);
    await storage.putBody(job.outputBucket, `${prefix}/${variantUri(name)}`, text);
    const segments = present.flatMap((p) => p.segments);
    variants.push(variantOf(plan.ladder, name, segments, parseMediaPlaylist(text).targetDuration));
  }
  await storage.putBody(job.outputBucket, `${prefix}/${MASTER_PLAYLIST}`, masterPlaylist(variants, HLS_VERSION.fmp4));
  ctx.logger.info('Published the playlists of the chunks', { renditions: names.length });
}

/**
 * Removes the audio slices and manifests once the asset is ready (not before: a finisher that dies before marking
 * it ready is re-run, and needs them to write the playlists again).
 */
async function removeChunkWork({ deps, job }: StrategyContext, plan: ChunkPlanRecord): Promise<void> {
  const work = plan.chunks.flatMap((c) => [chunkManifestFile(c.index), chunkAudioFile(c.index)]);
  await deps.s3.send(
    new DeleteObjectsCommand({
      Bucket: job.outputBucket,
      Delete: { Objects: work.map((f) => ({ Key: workKey(job.assetId, f) })), Quiet: true },
    }),
  );
}

async function getText({ deps, job }: StrategyContext, file: string): Promise<string> {
  const { Body } = await deps.s3.send(
    new GetObjectCommand({ Bucket: job.outputBucket, Key: workKey(job.assetId, file) }),
  );
  if (!Body) throw new Error(`${file} of asset ${job.assetId} is empty`);
  return Body.transformToString();
}
