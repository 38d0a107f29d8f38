/**
 * The preview frames animated GIF/WebP previews are assembled from (domain/preview-frames.ts
 * `planPreviewFrames`): `fps` frames a second at the preview size, tiled into JPEG sheets under `<outDir>/preview/`,
 * with the manifest that says what was cut. They are a side output of the ladder's own decode
 * (ffmpeg/filter-graph.ts `SideOutputs`): decoding the source a second time for them cost about a tenth of the
 * ladder's CPU. `cutPreviewFrames` still cuts them alone.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import {
  PREVIEW_DIR,
  PREVIEW_MANIFEST,
  type PreviewManifest,
  planPreviewFrames,
} from '../../../lambdas/core/domain/preview-frames.js';
import { previewOutputArgs, QUIET, wholeSourceInputArgs } from './ffmpeg/args.js';
import { previewFilter, type SideOutputs } from './ffmpeg/filter-graph.js';
import { ffmpegLimits, runFfmpeg } from './ffmpeg/run.js';
import { makeWorkDir } from './ffmpeg/tools.js';

export type PreviewResult = { manifest: PreviewManifest } | { error: Error } | { skipped: 'no video' };

/** What an encode needs to cut the preview frames as a side output: their plan, and where to list the frames. */
export function planPreviews(source: SourceProbe, scratchDir: string): SideOutputs['previews'] {
  if (!source.video) return undefined;
  return { plan: planPreviewFrames(source.durationSeconds, source.video), frameList: join(scratchDir, 'previews.crc') };
}

/**
 * After the encode that cut them: counts the frames and writes `<outDir>/preview/index.json`. Never rejects: a
 * failure costs only the animated previews (they answer 404), not the asset, so it is returned for the caller to log.
 */
export async function finishPreviewFrames(outDir: string, previews: SideOutputs['previews']): Promise<PreviewResult> {
  if (!previews) return { skipped: 'no video' };
  try {
    // framecrc writes one line per frame; comment lines start with '#'.
    const list = await readFile(previews.frameList, 'utf8');
    const frames = list.split('\n').filter((l) => l && !l.startsWith('#')).length;
    if (frames === 0) throw new Error('ffmpeg cut no preview frames');
    const manifest: PreviewManifest = { ...previews.plan, frames };
    await writeFile(join(outDir, PREVIEW_MANIFEST), JSON.stringify(manifest));
    return { manifest };
  } catch (error) {
    return { error: error as Error };
  }
}

/** Cuts the preview frames of `input` by a decode of their own into `<outDir>/preview/`. Never rejects. */
export async function cutPreviewFrames(input: string, outDir: string, source: SourceProbe): Promise<PreviewResult> {
  // The frame count goes beside, not into, the folder that is published.
  const scratch = await makeWorkDir('gamma-preview-');
  const previews = planPreviews(source, scratch);
  try {
    if (!previews) return { skipped: 'no video' };
    const dir = join(outDir, PREVIEW_DIR);
    await mkdir(dir, { recursive: true });
    const args = previewFfmpegArgs(input, source.durationSeconds, previews.plan, dir, previews.frameList);
    await runFfmpeg(args, ffmpegLimits(source.durationSeconds));
    return await finishPreviewFrames(outDir, previews);
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
export function previewFfmpegArgs(
  input: string,
  sourceSeconds: number,
  plan: PreviewManifest,
  dir: string,
  frameList: string,
): string[] {
  const graph = previewFilter('[0:v:0]', plan);
  const read = wholeSourceInputArgs(input, sourceSeconds);
  return [...QUIET, ...read, '-filter_complex', graph, ...previewOutputArgs(dir, frameList)];
}
