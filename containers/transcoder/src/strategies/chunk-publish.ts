/**
 * The steps both chunk strategies share: encode one chunk of the recorded plan and publish it (segments under their
 * final names plus a small manifest), count it in the asset's chunk ledger, and — in the task whose count completes
 * the set — write every rendition's playlist and the master from the manifests.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  type Chunk,
  type ChunkManifest,
  type ChunkPlanRecord,
  checkManifests,
  chunkImages,
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
import { PREVIEW_DIR, PREVIEW_MANIFEST, type PreviewManifest } from '../../../../lambdas/core/domain/preview-frames.js';
import {
  type ImagePlan,
  planImages,
  STILLS_DIR,
  STORYBOARD_IMAGE,
  STORYBOARD_VTT,
  stillFile,
} from '../../../../lambdas/core/domain/thumbnails.js';
import { fillMissingStills, variantOf } from '../encode.js';
import { HLS_VERSION } from '../ffmpeg/args.js';
import type { ChunkSideOutputs } from '../ffmpeg/encode-args.js';
import { planPreviews } from '../preview-frames.js';
import { ProgressivePublisher } from '../progressive.js';
import { readyPatch, writeDownloads } from '../ready.js';
import { bucketFiles } from '../static-renditions.js';
import { inParallel, UPLOAD_CONCURRENCY } from '../storage.js';
import type { Outcome, StrategyContext } from './context.js';

/** A work file of the chunked transcode (`.chunks/…`), beside the asset's outputs. */
export const workKey = (assetId: string, file: string) => `${assetOutputPrefix(assetId)}/${file}`;

export interface ChunkInput {
  /** The source: a presigned URL of which ffmpeg reads only the chunk's byte range, or a local file. */
  sourceFile: string;
  /** Chunk 0 only: nothing of it is published before this settles (the decode check, the plan's record). */
  publishAfter?: Promise<unknown>;
}

/**
 * Encodes chunk `index` of the plan and publishes its files and manifest: its audio slice first (its own encode,
 * encode.ts `encodeChunkAudio`), then one ffmpeg for every rung, its stills and its preview frames.
 */
export async function encodeAndPublishChunk(
  ctx: StrategyContext,
  plan: ChunkPlanRecord,
  index: number,
  input: ChunkInput,
): Promise<void> {
  const { job, storage, logger } = ctx;
  const chunk = plan.chunks.find((c) => c.index === index) as Chunk;
  const last = plan.chunks.at(-1)?.index === index;
  const dir = join(ctx.workDir, `chunk-${index}`);
  const encoders = ctx.deps.chunkEncoders;
  const audio = plan.ladder.audio
    ? await encoders.audio(
        input.sourceFile,
        plan.ladder,
        chunk,
        { last, sourceSampleRate: plan.source.audio?.sampleRate },
        join(ctx.workDir, 'audio'),
      )
    : undefined;
  const side = chunkSide(plan, index, ctx.workDir);
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
          ...(input.publishAfter && { publishAfter: input.publishAfter }),
        })
      : undefined;
  await Promise.all(sideFolders(side).map((f) => mkdir(join(dir, f), { recursive: true })));
  publisher?.start();
  try {
    await encoders.chunk(input.sourceFile, plan.ladder, dir, chunk, {
      ...(audio && { audio }),
      timeOffsetSeconds: plan.timeOffsetSeconds,
      sourceStartSeconds: plan.source.startSeconds ?? 0,
      side,
    });
    await publisher?.drain();
  } finally {
    await publisher?.stop();
  }
  const stills = side.images ? (await readdir(join(dir, STILLS_DIR))).length : undefined;
  const previewFrames = side.previews ? await countedFrames(side.previews.frameList) : undefined;
  logger.info('Encoded a chunk', { chunk: index, segments: chunk.segmentCount, stills, previewFrames });

  // Every file but the playlists (the finisher writes those); the init segments only once, from chunk 0.
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => extname(f) !== '.m3u8' && (index === FIRST_CHUNK || extname(f) !== '.mp4'));
  const prefix = assetOutputPrefix(job.assetId);
  await inParallel(files, UPLOAD_CONCURRENCY, (f) => storage.putFile(job.outputBucket, `${prefix}/${f}`, join(dir, f)));
  const manifest: ChunkManifest = {
    index,
    renditions: {},
    ...(stills !== undefined && { stills }),
    ...(previewFrames !== undefined && { previewFrames }),
  };
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

/** The chunk's share of the stills and preview frames (domain/chunks.ts `chunkImages`); none without video. */
export function chunkSide(plan: ChunkPlanRecord, index: number, workDir: string): ChunkSideOutputs {
  const video = plan.source.video;
  if (!plan.ladder.video || !video) return {};
  const images = planImages(plan.source.durationSeconds, video);
  const previews = planPreviews(plan.source, workDir) as NonNullable<ReturnType<typeof planPreviews>>;
  previews.frameList = join(workDir, `previews-${index}.crc`);
  const share = chunkImages(plan.chunks, index, {
    stillIntervalSeconds: images.intervalSeconds,
    stillCount: images.count,
    previewFps: previews.plan.fps,
    previewFrames: previews.plan.frames,
    sheetFrames: previews.plan.columns * previews.plan.rows,
  });
  return {
    ...(share.stills > 0 && { images: { plan: images, firstStill: share.firstStill, stills: share.stills } }),
    ...(share.previewFrames > 0 && {
      previews: { ...previews, firstSheet: share.firstPreviewSheet, frames: share.previewFrames },
    }),
  };
}

const sideFolders = (side: ChunkSideOutputs) => [
  ...(side.images ? [STILLS_DIR] : []),
  ...(side.previews ? [PREVIEW_DIR] : []),
];

/** Frames listed by a framecrc output (one line per frame; comments start with '#'); 0 if it is missing. */
async function countedFrames(frameList: string): Promise<number> {
  const list = await readFile(frameList, 'utf8').catch(() => '');
  return list.split('\n').filter((l) => l && !l.startsWith('#')).length;
}

/**
 * Counts the chunk done. The call that completes the set (or finds it complete: a re-run finisher) writes the
 * playlists and hands back what the asset becomes ready with; any other leaves the asset to another chunk task.
 */
export async function countChunk(ctx: StrategyContext, plan: ChunkPlanRecord, index: number): Promise<Outcome> {
  const { counted, complete, done } = await ctx.deps.chunks.completeChunk(ctx.job.assetId, index);
  ctx.logger.info('Counted the chunk', { chunk: index, counted, done, of: plan.chunks.length });
  if (!complete && !(!counted && done === plan.chunks.length)) return { finishedBy: 'another chunk task' };
  const manifests = await publishPlaylists(ctx, plan);
  await publishImages(ctx, plan, manifests);
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
async function publishPlaylists(ctx: StrategyContext, plan: ChunkPlanRecord): Promise<ChunkManifest[]> {
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
  return manifests;
}

/**
 * What needs every chunk's images: the storyboard sprite and its VTT, drawn from the stills the chunks wrote (at
 * most 100 of them), and the preview manifest listing each chunk's run of frames. Neither fails the asset: without
 * them the storyboard or animated previews answer 404, as when the single pass cannot cut them.
 */
async function publishImages(ctx: StrategyContext, plan: ChunkPlanRecord, manifests: ChunkManifest[]): Promise<void> {
  const { job, storage, logger } = ctx;
  const video = plan.source.video;
  if (!plan.ladder.video || !video) return;
  const prefix = assetOutputPrefix(job.assetId);
  const dir = join(ctx.workDir, 'images');
  const images = planImages(plan.source.durationSeconds, video);
  const cut = stillsCut(plan, images, manifests);
  try {
    await mkdir(join(dir, STILLS_DIR), { recursive: true });
    await inParallel(cut.map(stillFile), UPLOAD_CONCURRENCY, (f) =>
      storage.download(job.outputBucket, `${prefix}/${f}`, join(dir, f)),
    );
    await ctx.deps.chunkEncoders.storyboard(dir, images, plan.source.durationSeconds);
    for (const f of [STORYBOARD_IMAGE, STORYBOARD_VTT])
      await storage.putFile(job.outputBucket, `${prefix}/${f}`, join(dir, f));
  } catch (error) {
    logger.warn('No storyboard: it will answer 404', error as Error);
  }
  await repeatLastStills(ctx, images, cut, dir).catch((error) =>
    logger.warn('The stills past the video’s end were not filled: their thumbnails will answer 404', error as Error),
  );
  const previews = planPreviews(plan.source, dir);
  if (!previews) return;
  const sheetFrames = previews.plan.columns * previews.plan.rows;
  const parts = plan.chunks.flatMap((c) => {
    const frames = manifests.find((m) => m.index === c.index)?.previewFrames ?? 0;
    if (frames === 0) return [];
    const share = chunkImages(plan.chunks, c.index, {
      stillIntervalSeconds: 1,
      stillCount: 0,
      previewFps: previews.plan.fps,
      previewFrames: previews.plan.frames,
      sheetFrames,
    });
    return [{ frame: share.firstPreviewFrame, frames, sheet: share.firstPreviewSheet }];
  });
  const end = parts.at(-1);
  if (!end) {
    logger.warn('No preview frames: animated images will answer 404');
    return;
  }
  const manifest: PreviewManifest = { ...previews.plan, frames: end.frame + end.frames, parts };
  await storage.putBody(job.outputBucket, `${prefix}/${PREVIEW_MANIFEST}`, JSON.stringify(manifest));
}

/**
 * The stills past the video's end, where the audio runs on (encode.ts `fillMissingStills`), from the stills
 * downloaded for the storyboard; the video ends in the last chunk (the fan-out checks `videoRunsToEnd`).
 */
async function repeatLastStills(ctx: StrategyContext, images: ImagePlan, cut: number[], dir: string): Promise<void> {
  if ((await fillMissingStills(dir, images.count)) === 0) return;
  const kept = new Set(cut);
  const copies = Array.from({ length: images.count }, (_, i) => i).filter((i) => !kept.has(i));
  const prefix = assetOutputPrefix(ctx.job.assetId);
  await inParallel(copies.map(stillFile), UPLOAD_CONCURRENCY, (f) =>
    ctx.storage.putFile(ctx.job.outputBucket, `${prefix}/${f}`, join(dir, f)),
  );
  ctx.logger.info('The video ends before the audio: its last stills repeat', { filled: copies.length });
}

/** The stills the chunks cut, on the whole source's numbering: each chunk's run starts at its share's first. */
function stillsCut(plan: ChunkPlanRecord, images: ImagePlan, manifests: ChunkManifest[]): number[] {
  return plan.chunks.flatMap((c) => {
    const cut = manifests.find((m) => m.index === c.index)?.stills ?? 0;
    const { firstStill } = chunkImages(plan.chunks, c.index, {
      stillIntervalSeconds: images.intervalSeconds,
      stillCount: images.count,
      previewFps: 1,
      previewFrames: 0,
      sheetFrames: 1,
    });
    return Array.from({ length: cut }, (_, i) => firstStill + i);
  });
}

/**
 * Removes the manifests once the asset is ready (not before: a finisher that dies before marking
 * it ready is re-run, and needs them to write the playlists again).
 */
async function removeChunkWork({ deps, job }: StrategyContext, plan: ChunkPlanRecord): Promise<void> {
  const work = plan.chunks.map((c) => chunkManifestFile(c.index));
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
