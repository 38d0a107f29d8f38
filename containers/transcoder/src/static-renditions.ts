/**
 * Static renditions (MP4/M4A downloads), written once the asset is ready and costing no encode: the fMP4 init
 * segment and media segments of a stored HLS rendition are joined into one fragmented MP4 and remuxed by stream copy
 * into a progressive file with its index first (`-movflags +faststart`), so players start it before it has loaded.
 * `highest.mp4` (or `720p.mp4`, …) keeps the rung's video and audio, `audio.m4a` the audio of the smallest rung;
 * `mp4_support`'s `capped-1080p` is `highest.mp4`, or `1080p.mp4` when the ladder goes above 1080p.
 * Each file goes to `assets/<assetId>/<name>` and its outcome onto the asset; a file that fails is `errored`, the
 * asset stays ready.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type LadderPlan, renditionNames } from '../../../lambdas/core/domain/ladder.js';
import { assetOutputPrefix } from '../../../lambdas/core/domain/layout.js';
import type { AssetRecord } from '../../../lambdas/core/domain/media.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../../lambdas/core/domain/playlist.js';
import {
  CAPPED_1080P,
  resolveStaticRenditionKey,
  type StaticRenditionKey,
  type StaticRenditionOutcome,
  type StaticResolution,
  staticFileName,
  staticRenditionSource,
  storedRenditionSource,
} from '../../../lambdas/core/domain/static-renditions.js';
import type { StaticRenditionsStore } from '../../../lambdas/core/ports.js';
import { inputArgs, QUIET } from './ffmpeg/args.js';
import { runTool } from './ffmpeg/tools.js';

/** Reads a file of the asset's HLS output by its path under the asset's folder, e.g. `720p/init.mp4`. */
export type OutputFiles = (path: string) => Promise<Readable>;

/** The HLS output still on local disk (the one-process transcode). */
export const localFiles =
  (dir: string): OutputFiles =>
  async (path) =>
    createReadStream(join(dir, path));

/** The HLS output as published in the bucket (chunk tasks: the finishing task has only its own chunk on disk). */
export const bucketFiles =
  (s3: S3Client, bucket: string, assetId: string): OutputFiles =>
  async (path) => {
    const { Body } = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${assetOutputPrefix(assetId)}/${path}` }),
    );
    if (!Body) throw new Error(`${path} of asset ${assetId} is empty`);
    return Body as Readable;
  };

/**
 * The file a job's key makes (`capped-1080p` resolved against the ladder: domain `cappedResolution`) and the stored
 * rendition it is remuxed from (domain/static-renditions.ts); `from` undefined: skipped.
 */
export type RenditionChooser = (key: StaticRenditionKey) => {
  resolution: StaticResolution;
  from: { rendition: string; streams: 'video+audio' | 'audio'; rung?: { width: number; height: number } } | undefined;
};

/** The choice made from the ladder plan, while the transcode that wrote it runs. */
export const fromPlan =
  (plan: LadderPlan): RenditionChooser =>
  (key) => {
    const resolution = resolveStaticRenditionKey(key, renditionNames(plan));
    return { resolution, from: staticRenditionSource(resolution, plan) };
  };

/** The choice made from what a ready asset recorded (its renditions and tracks): files added after creation. */
export const fromStored =
  (asset: Pick<AssetRecord, 'renditions' | 'tracks'>): RenditionChooser =>
  (key) => {
    const resolution = resolveStaticRenditionKey(key, asset.renditions ?? []);
    return { resolution, from: storedRenditionSource(resolution, asset) };
  };

export interface StaticRenditionsJob {
  assetId: string;
  requested: readonly StaticRenditionKey[];
  source: RenditionChooser;
  durationSeconds: number;
  files: OutputFiles;
  s3: S3Client;
  bucket: string;
  /** Scratch folder (removed by the caller). */
  workDir: string;
  store: Pick<StaticRenditionsStore, 'record'>;
  logger: Logger;
  /** The picture size of a written file, when the chooser knows no rung (the probe). */
  measure?: (file: string) => Promise<{ width: number; height: number } | undefined>;
}

/** Writes and records every requested rendition; never rejects (a failure is logged and recorded as `errored`). */
export async function writeStaticRenditions(job: StaticRenditionsJob): Promise<StaticRenditionOutcome[]> {
  if (job.requested.length === 0) return [];
  const outcomes: StaticRenditionOutcome[] = [];
  for (const key of job.requested) outcomes.push(await writeOne(job, key));
  try {
    await job.store.record(job.assetId, outcomes);
    job.logger.info('Recorded the static renditions', { outcomes });
  } catch (error) {
    job.logger.error('Could not record the static renditions', error as Error);
  }
  return outcomes;
}

async function writeOne(job: StaticRenditionsJob, key: StaticRenditionKey): Promise<StaticRenditionOutcome> {
  const { resolution, from } = job.source(key);
  // The capped MP4's outcome names the file it became, for the record that was waiting for it under the key.
  const capped = key === CAPPED_1080P ? { cappedMp4: true as const } : {};
  if (!from) {
    job.logger.info('Static rendition skipped: the asset has no such rendition', { resolution });
    return { resolution, status: 'skipped', ...capped };
  }
  const name = staticFileName(resolution);
  const dir = join(job.workDir, `static-${resolution}`);
  try {
    await mkdir(dir, { recursive: true });
    const joined = join(dir, 'joined.mp4');
    await joinSegments(job.files, from.rendition, joined);
    const out = join(dir, name);
    await remux(joined, out, from.streams);
    const { size } = await stat(out);
    await upload(job, name, out);
    job.logger.info('Wrote a static rendition', { name, from: from.rendition, bytes: size });
    // A rung chosen from what a ready asset recorded has no plan behind it: the file says its own size.
    const size2d = from.rung ?? (from.streams === 'audio' ? undefined : await job.measure?.(out));
    return {
      resolution,
      status: 'ready',
      ...capped,
      ...(size2d && { width: size2d.width, height: size2d.height }),
      bitrate: Math.round((size * 8) / Math.max(job.durationSeconds, 0.001)),
      filesize: size,
    };
  } catch (error) {
    job.logger.error('Static rendition failed', { name, error: error as Error });
    return { resolution, status: 'errored', ...capped };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rendition's init segment followed by its media segments, in playlist order: one fragmented MP4. */
export async function joinSegments(files: OutputFiles, rendition: string, file: string): Promise<void> {
  const playlist = parseMediaPlaylist(await text(await files(`${rendition}/${RENDITION_PLAYLIST}`)));
  if (!playlist.map) throw new Error(`${rendition} has no fMP4 init segment (EXT-X-MAP)`);
  if (playlist.segments.length === 0) throw new Error(`${rendition} has no segments`);
  const out = createWriteStream(file);
  try {
    for (const uri of [playlist.map, ...playlist.segments.map((s) => s.uri)]) {
      await pipeline(await files(`${rendition}/${uri}`), out, { end: false });
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Stream copy into a progressive MP4 (or M4A) with the moov atom first; timestamps start at zero. */
export async function remux(input: string, output: string, streams: 'video+audio' | 'audio'): Promise<void> {
  const maps = streams === 'audio' ? ['-map', '0:a:0'] : ['-map', '0:v:0', '-map', '0:a:0?'];
  const format = streams === 'audio' ? 'ipod' : 'mp4';
  const args = [...QUIET, ...inputArgs(input), ...maps, '-c', 'copy'];
  args.push('-avoid_negative_ts', 'make_zero', '-movflags', '+faststart', '-f', format, output);
  await runTool('ffmpeg', args, { maxBuffer: 1024 * 1024 });
}

/** Streams the file up in parts (an MP4 of a long asset is gigabytes): typed, cached as never changing. */
async function upload(job: StaticRenditionsJob, name: string, file: string): Promise<void> {
  await new Upload({
    client: job.s3,
    params: {
      Bucket: job.bucket,
      Key: `${assetOutputPrefix(job.assetId)}/${name}`,
      Body: createReadStream(file),
      ContentType: name.endsWith('.m4a') ? 'audio/mp4' : 'video/mp4',
      CacheControl: 'public, max-age=31536000, immutable',
    },
  }).done();
}
