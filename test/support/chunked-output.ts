/**
 * What a chunked transcode must leave behind, checked as a player and the single-pass path see it: the master lists
 * every rendition, each rendition's VOD playlist has the single path's segment names, and its init segment followed
 * by every segment plays as one stream whose frames follow each other at the frame rate (no gap, no overlap at the
 * joins); no work files are left under `.chunks/`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planChunks } from '../../lambdas/core/domain/chunks.js';
import { planLadder, renditionNames } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist } from '../../lambdas/core/domain/playlist.js';

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

export async function expectSinglePassStructure(check: ChunkedOutputCheck, assetId: string): Promise<void> {
  const { s3, bucket, dir } = check;
  const get = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
  const text = async (key: string) => (await (await get(key))?.transformToString()) ?? '';
  const bytes = async (key: string) => Buffer.from((await (await get(key))?.transformToByteArray()) ?? []);
  const source = await probe(check.clip);
  const plan = planLadder(source);
  const segments = planChunks(source.durationSeconds, { segmentSeconds: plan.segmentSeconds, workers: 1 })[0]
    ?.segmentCount;
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
    expect(pts).toHaveLength(check.seconds * check.fps);
    for (let i = 1; i < pts.length; i++) expect((pts[i] ?? 0) - (pts[i - 1] ?? 0)).toBeCloseTo(1 / check.fps, 3);
  }
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `assets/${assetId}/` }));
  expect(Contents.map((o) => o.Key).filter((k) => k?.includes('/.chunks/'))).toEqual([]);
}
