/**
 * Shot detection on a ready asset (a task in `shots` mode): the smallest stored video rung is joined from the
 * bucket (init segment + segments, no re-encode of the source), ffmpeg keeps the first frame and every frame whose
 * scene-change score passes SHOTS_LIMITS.sceneThreshold (`select`), writes each as a JPEG still and logs its time
 * (`showinfo`); the stills go to `assets/<id>/shots/` and the shots onto the asset as `completed`. A failure records
 * `errored` with the reason. Cost: one decode of the smallest rung, bounded by SHOTS_LIMITS.maxShots stills.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../../lambdas/core/domain/layout.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { parseMasterPlaylist } from '../../../../lambdas/core/domain/playlist.js';
import { SHOTS_FOLDER, SHOTS_LIMITS, shotsFromShowinfo } from '../../../../lambdas/core/domain/shots.js';
import type { ShotsRepository } from '../../../../lambdas/core/ports.js';
import type { TextObjects } from '../../../../lambdas/core/usecases/playback.js';
import { inputArgs } from '../ffmpeg/args.js';
import { runTool } from '../ffmpeg/tools.js';
import { joinSegments, type OutputFiles } from '../static-renditions.js';
import { inParallel, type S3Storage, UPLOAD_CONCURRENCY } from '../storage.js';

/**
 * ffmpeg's arguments: the first frame and each scene cut of `input` as numbered stills in `dir` (from 0), each
 * logged by `showinfo` at info level (the quiet prefix would hide it).
 */
export function shotsFfmpegArgs(input: string, dir: string, threshold: number = SHOTS_LIMITS.sceneThreshold): string[] {
  return [
    ...['-hide_banner', '-nostats', '-y', '-loglevel', 'info'],
    ...inputArgs(input),
    ...['-an', '-sn', '-vf', `select='eq(n\\,0)+gt(scene\\,${threshold})',showinfo`],
    ...['-fps_mode', 'vfr', '-frames:v', String(SHOTS_LIMITS.maxShots), '-q:v', '4', '-start_number', '0'],
    join(dir, '%04d.jpg'),
  ];
}

export interface ShotsDeps {
  shots: ShotsRepository;
  objects: TextObjects;
  files: OutputFiles;
  storage: S3Storage;
}

/** The folder of the asset's smallest video rendition, by the master playlist's RESOLUTION. */
async function smallestRung(asset: AssetRecord, objects: TextObjects, bucket: string): Promise<string> {
  const master = await objects.getText(bucket, `${assetOutputPrefix(asset.id)}/${MASTER_PLAYLIST}`);
  const video = (master ? parseMasterPlaylist(master).variants : []).filter((v) => v.resolution);
  const area = (v: (typeof video)[number]) => (v.resolution ? v.resolution.width * v.resolution.height : 0);
  const smallest = [...video].sort((a, b) => area(a) - area(b))[0];
  if (!smallest) throw new Error('The asset has no video rendition');
  return smallest.uri.slice(0, smallest.uri.lastIndexOf('/'));
}

/** Detects, stores and records the shots; never rejects (a failure is recorded as `errored`). */
export async function detectShots(
  asset: AssetRecord,
  deps: ShotsDeps,
  ctx: { outputBucket: string; workDir: string; logger: Logger },
): Promise<void> {
  const created_at = asset.shots?.created_at ?? Math.floor(Date.now() / 1000);
  try {
    const rung = await smallestRung(asset, deps.objects, ctx.outputBucket);
    const joined = join(ctx.workDir, 'shots-source.mp4');
    await joinSegments(deps.files, rung, joined);
    const dir = join(ctx.workDir, SHOTS_FOLDER);
    await mkdir(dir, { recursive: true });
    const { stderr } = await runTool('ffmpeg', shotsFfmpegArgs(joined, dir), { maxBuffer: 32 * 1024 * 1024 });
    const shots = shotsFromShowinfo(stderr);
    const folder = assetOutputPrefix(asset.id);
    await inParallel([...shots.entries()], UPLOAD_CONCURRENCY, ([i, s]) =>
      deps.storage.putFile(ctx.outputBucket, `${folder}/${s.image}`, join(dir, `${String(i).padStart(4, '0')}.jpg`)),
    );
    await deps.shots.settleShots(asset.id, { status: 'completed', created_at, shots }, ['pending']);
    ctx.logger.info('Detected the shots', { rung, shots: shots.length });
  } catch (error) {
    ctx.logger.error('Shot detection failed', error as Error);
    const errors = {
      type: 'shot_detection_failed',
      messages: ['The shots could not be detected; delete them and ask again'],
    };
    await deps.shots
      .settleShots(asset.id, { status: 'errored', created_at, errors }, ['pending'])
      .catch(() => undefined);
  }
}
