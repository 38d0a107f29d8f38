/**
 * What a chunked transcode must leave behind, checked as a player and the single-pass path see it: the master lists
 * every rendition, each rendition's VOD playlist has the single path's segment names, and its init segment followed
 * by every segment plays as one stream whose frames and audio packets follow each other (no gap, no overlap at the
 * joins); every still, the storyboard and the preview frames' manifest exist; no work files are left under `.chunks/`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder, renditionNames, segmentCount } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist } from '../../lambdas/core/domain/playlist.js';
import { type PreviewManifest, planPreviewFrames } from '../../lambdas/core/domain/preview-frames.js';
import { planImages } from '../../lambdas/core/domain/thumbnails.js';

const exec = promisify(execFile);

export interface ChunkedOutputCheck {
  s3: S3Client;
  bucket: string;
  /** The uploaded clip, and its length and frame rate. */
  clip: string;
  seconds: number;
  fps: number;
  /** Scratch folder for the joined streams. */
  dir: string;
}

/** The check of a platform's output bucket for a clip of `seconds` at `fps` (the integration tests' fixture). */
export function outputCheck(
  platform: { config: { resources: Record<string, unknown> } },
  s3: S3Client,
  clip: string,
  seconds: number,
  dir: string,
  fps = 30,
): ChunkedOutputCheck {
  return { s3, bucket: platform.config.resources.OutputBucketName as string, clip, seconds, fps, dir };
}

export async function expectSinglePassStructure(check: ChunkedOutputCheck, assetId: string): Promise<void> {
  const { s3, bucket, dir } = check;
  const get = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
  const text = async (key: string) => (await (await get(key))?.transformToString()) ?? '';
  const bytes = async (key: string) => Buffer.from((await (await get(key))?.transformToByteArray()) ?? []);
  const source = await probe(check.clip);
  const plan = planLadder(source);
  const segments = segmentCount(source.durationSeconds, plan);
  const master = await text(`assets/${assetId}/master.m3u8`);
  expect(master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(renditionNames(plan).length);
  for (const name of renditionNames(plan)) {
    const playlist = parseMediaPlaylist(await text(`assets/${assetId}/${name}/index.m3u8`));
    expect(playlist.ended).toBe(true);
    expect(playlist.segments.map((s) => s.uri)).toEqual(
      Array.from({ length: segments ?? 0 }, (_, i) => `segment_${String(i).padStart(3, '0')}.m4s`),
    );
    // Played as a player plays it: the init segment, then every segment in order.
    const file = join(dir, `${assetId}-${name}.mp4`);
    const parts = await Promise.all(
      [playlist.map ?? '', ...playlist.segments.map((s) => s.uri)].map((f) => bytes(`assets/${assetId}/${name}/${f}`)),
    );
    await writeFile(file, Buffer.concat(parts));
    const { stdout } = await exec('ffprobe', [
      ...['-v', 'error', '-of', 'json', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', file],
    ]);
    const pts = (JSON.parse(stdout).packets as { pts_time: string }[])
      .map((p) => Number(p.pts_time))
      .sort((a, b) => a - b);
    // The clip's frames: every frame that ends by its end (`-t`: 959 in 32 s at 29.97 fps).
    expect(pts).toHaveLength(Math.floor(check.seconds * check.fps + 1e-6));
    for (let i = 1; i < pts.length; i++) expect((pts[i] ?? 0) - (pts[i - 1] ?? 0)).toBeCloseTo(1 / check.fps, 3);
    // The audio: one AAC frame after another across the chunks' joins (each chunk encoded its own slice).
    if (source.audio) {
      const { stdout: a } = await exec('ffprobe', [
        ...['-v', 'error', '-of', 'json', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time', file],
      ]);
      const audio = (JSON.parse(a).packets as { pts_time: string }[])
        .map((p) => Number(p.pts_time))
        .sort((x, y) => x - y);
      expect(audio.length).toBeGreaterThan(check.seconds * 46);
      for (let i = 1; i < audio.length; i++) expect((audio[i] ?? 0) - (audio[i - 1] ?? 0)).toBeCloseTo(1024 / 48000, 4);
    }
  }
  // The images the single pass cuts, here cut by each chunk from its own decode: every still, the storyboard (sprite
  // and one VTT cue per still) and the preview frames' manifest covering the whole source.
  if (source.video) {
    const images = planImages(source.durationSeconds, source.video);
    const { Contents: stills = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `assets/${assetId}/thumbnails/` }),
    );
    expect(stills.map((o) => o.Key?.split('/').pop()).sort()).toEqual(
      Array.from({ length: images.count }, (_, i) => `${String(i).padStart(4, '0')}.jpg`),
    );
    expect((await bytes(`assets/${assetId}/storyboard.jpg`)).length).toBeGreaterThan(1000);
    const vtt = await text(`assets/${assetId}/storyboard.vtt`);
    expect(vtt.match(/#xywh=/g)).toHaveLength(images.count);
    const previews = JSON.parse(await text(`assets/${assetId}/preview/index.json`)) as PreviewManifest;
    const planned = planPreviewFrames(source.durationSeconds, source.video);
    expect(Math.abs(previews.frames - planned.frames)).toBeLessThanOrEqual(2);
  }
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `assets/${assetId}/` }));
  expect(Contents.map((o) => o.Key).filter((k) => k?.includes('/.chunks/'))).toEqual([]);
}
