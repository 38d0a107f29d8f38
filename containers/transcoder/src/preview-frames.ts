/**
 * Cuts the preview frames animated GIF/WebP previews are assembled from (domain/thumbnails.ts `planPreviewFrames`):
 * one ffmpeg process decodes the source, keeps `fps` frames a second at the preview size and tiles them into JPEG
 * sheets under `<outDir>/preview/`, with the manifest that says what was cut. The folder is published with the
 * rest of the asset's outputs. It runs beside the ladder's encode; decoding again costs about a tenth of the
 * ladder's CPU (`npm run bench`: decode 7.9 vs ladder 74 CPU-s per source minute).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import {
  PREVIEW_DIR,
  PREVIEW_MANIFEST,
  type PreviewManifest,
  planPreviewFrames,
} from '../../../lambdas/core/domain/thumbnails.js';
import { inputArgs, QUIET } from './ffmpeg/args.js';
import { runFfmpeg } from './ffmpeg/run.js';

export type PreviewResult = { manifest: PreviewManifest } | { error: Error } | { skipped: 'no video' };

/**
 * Writes `<outDir>/preview/{00000.jpg,…,index.json}`. Never rejects: a failure costs only the animated previews
 * (they answer 404), not the asset, so it is returned for the caller to log.
 */
export async function cutPreviewFrames(input: string, outDir: string, source: SourceProbe): Promise<PreviewResult> {
  if (!source.video) return { skipped: 'no video' };
  const plan = planPreviewFrames(source.durationSeconds, source.video);
  const dir = join(outDir, PREVIEW_DIR);
  // The frame count goes beside, not into, the folder that is published.
  const scratch = await mkdtemp(join(tmpdir(), 'gamma-preview-'));
  const frameList = join(scratch, 'frames.crc');
  try {
    await mkdir(dir, { recursive: true });
    await runFfmpeg(previewFfmpegArgs(input, plan, dir, frameList));
    // framecrc writes one line per frame; comment lines start with '#'.
    const frames = (await readFile(frameList, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#')).length;
    if (frames === 0) throw new Error('ffmpeg cut no preview frames');
    const manifest: PreviewManifest = { ...plan, frames };
    await writeFile(join(outDir, PREVIEW_MANIFEST), JSON.stringify(manifest));
    return { manifest };
  } catch (error) {
    return { error: error as Error };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Logs why there are no preview frames, if there are none. */
export function logPreviews(logger: Logger, preview: PreviewResult): void {
  if ('error' in preview) logger.warn('No preview frames: animated images will answer 404', preview.error);
}

/** Decode, keep `fps` frames a second, scale, tile into sheets; a frame checksum list counts the frames cut. */
export function previewFfmpegArgs(input: string, plan: PreviewManifest, dir: string, frameList: string): string[] {
  const graph =
    `[0:v:0]fps=${plan.fps},scale=${plan.width}:${plan.height},setsar=1,format=yuvj420p,split=2[frames][count];` +
    `[frames]tile=${plan.columns}x${plan.rows}[sheets]`;
  return [
    ...[...QUIET, ...inputArgs(input), '-filter_complex', graph],
    ...['-map', '[sheets]', '-q:v', '5', '-start_number', '0', join(dir, '%05d.jpg')],
    ...['-map', '[count]', '-f', 'framecrc', frameList],
  ];
}
