/**
 * Static renditions against the real ffmpeg: a clip is encoded into the HLS ladder as the transcoder does, then
 * `highest.mp4` and `audio.m4a` are remuxed from the stored fMP4 segments (S3 mocked, capturing the uploads) and
 * checked with ffprobe: they play from start to end, h264 + aac, with the index (`moov`) before the media (`mdat`).
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunkAudio, encodeHls, encodeHlsChunk } from '../../containers/transcoder/src/encode.js';
import { HLS_VERSION } from '../../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import {
  bucketFiles,
  fromPlan,
  localFiles,
  writeStaticRenditions,
} from '../../containers/transcoder/src/static-renditions.js';
import { type ChunkManifest, chunkTimeOffset, joinedPlaylist, planChunks } from '../../lambdas/core/domain/chunks.js';
import { type LadderPlan, planLadder } from '../../lambdas/core/domain/ladder.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../lambdas/core/domain/playlist.js';
import type { StaticRenditionOutcome } from '../../lambdas/core/domain/static-renditions.js';
import { makeClip } from '../support/client.js';

const exec = promisify(execFile);
const SECONDS = 8;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-static-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** An audio-only source: a tone in AAC. */
async function toneClip(file: string): Promise<string> {
  await exec('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${SECONDS}`,
    '-c:a',
    'aac',
    file,
  ]);
  return file;
}

/** The top-level boxes of an MP4 file, in order. */
async function topLevelBoxes(file: string): Promise<string[]> {
  const bytes = await readFile(file);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(at);
    boxes.push(bytes.toString('latin1', at + 4, at + 8));
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    if (size === 0) break; // to the end of the file
    at += size;
  }
  return boxes;
}

async function ffprobe(file: string) {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as {
    format: { duration: string; start_time: string; format_name: string };
    streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  };
}

/** Decodes every frame; ffmpeg's error output must be empty. */
async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr;
}

/** Encodes a clip's ladder, then writes the requested renditions; returns the outcomes, the uploads and the plan. */
async function run(name: string, clip: { width?: number; height?: number; audio?: boolean }, requested: string[]) {
  const source =
    clip.width === 0
      ? await toneClip(join(work, `${name}.m4a`))
      : await makeClip(join(work, `${name}.mp4`), { seconds: SECONDS, ...clip });
  const probed = await probe(source);
  const plan: LadderPlan = planLadder(probed);
  const hls = join(work, `${name}-hls`);
  await encodeHls(source, plan, hls, { segmentType: 'fmp4' });

  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const uploads = new Map<string, { file: string; contentType?: string }>();
  mockClient(s3)
    .on(PutObjectCommand)
    .callsFake(async (input: { Key: string; Body: Uint8Array; ContentType?: string }) => {
      const file = join(work, `${name}-${input.Key.split('/').pop()}`);
      await writeFile(file, input.Body);
      uploads.set(input.Key, { file, ...(input.ContentType && { contentType: input.ContentType }) });
      return {};
    });
  const recorded: StaticRenditionOutcome[][] = [];
  const outcomes = await writeStaticRenditions({
    assetId: 'ASSET',
    requested: requested as never,
    source: fromPlan(plan),
    durationSeconds: probed.durationSeconds,
    files: localFiles(hls),
    s3,
    bucket: 'out',
    workDir: join(work, `${name}-scratch`),
    store: { record: async (_id, o) => void recorded.push([...o]) },
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
  });
  expect(recorded).toEqual([outcomes]);
  return { outcomes, uploads, plan };
}

describe('static renditions remuxed from the ladder', () => {
  it('highest.mp4 is the top rung as a faststart MP4 (h264 + aac, full length) and audio.m4a its audio', async () => {
    const { outcomes, uploads, plan } = await run('av', { width: 1280, height: 720 }, ['highest', 'audio-only']);
    const top = plan.video?.rungs.at(-1);
    expect(top?.name).toBe('720p');

    const mp4 = uploads.get('assets/ASSET/highest.mp4');
    expect(mp4?.contentType).toBe('video/mp4');
    const video = await ffprobe(mp4?.file ?? '');
    expect(video.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(video.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 1280, height: 720 });
    expect(Number(video.format.duration)).toBeCloseTo(SECONDS, 0);
    expect(Math.abs(Number(video.format.start_time))).toBeLessThan(0.1);
    const boxes = await topLevelBoxes(mp4?.file ?? '');
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(boxes).not.toContain('moof'); // progressive, not fragmented
    expect(await decodeErrors(mp4?.file ?? '')).toBe('');

    const m4a = uploads.get('assets/ASSET/audio.m4a');
    expect(m4a?.contentType).toBe('audio/mp4');
    const audio = await ffprobe(m4a?.file ?? '');
    expect(audio.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['audio:aac']);
    expect(Number(audio.format.duration)).toBeCloseTo(SECONDS, 0);
    const audioBoxes = await topLevelBoxes(m4a?.file ?? '');
    expect(audioBoxes.indexOf('moov')).toBeLessThan(audioBoxes.indexOf('mdat'));

    const size = (await readFile(mp4?.file ?? '')).length;
    expect(outcomes).toEqual([
      {
        resolution: 'highest',
        status: 'ready',
        width: 1280,
        height: 720,
        filesize: size,
        bitrate: Math.round((size * 8) / SECONDS),
      },
      expect.objectContaining({ resolution: 'audio-only', status: 'ready', filesize: expect.any(Number) }),
    ]);
    expect(outcomes[0]).not.toHaveProperty('error');
  });

  it('a resolution the ladder has is remuxed from that rung; one it lacks, and audio of a silent clip, are skipped', async () => {
    const { outcomes, uploads } = await run('silent', { width: 854, height: 480, audio: false }, [
      '360p',
      '1080p',
      'audio-only',
    ]);
    expect(outcomes.map((o) => `${o.resolution}:${o.status}`)).toEqual([
      '360p:ready',
      '1080p:skipped',
      'audio-only:skipped',
    ]);
    expect([...uploads.keys()]).toEqual(['assets/ASSET/360p.mp4']);
    const info = await ffprobe(uploads.get('assets/ASSET/360p.mp4')?.file ?? '');
    expect(info.streams.map((s) => s.codec_name)).toEqual(['h264']);
    expect(info.streams[0]).toMatchObject({ height: 360 });
  });

  it('an audio-only asset gets audio.m4a, and highest is skipped', async () => {
    const { outcomes, uploads } = await run('audio', { width: 0 }, ['highest', 'audio-only']);
    expect(outcomes.map((o) => `${o.resolution}:${o.status}`)).toEqual(['highest:skipped', 'audio-only:ready']);
    const info = await ffprobe(uploads.get('assets/ASSET/audio.m4a')?.file ?? '');
    expect(info.streams.map((s) => s.codec_name)).toEqual(['aac']);
    expect(Number(info.format.duration)).toBeCloseTo(SECONDS, 0);
  });

  it('a rendition whose segments are missing is errored, the others still written', async () => {
    const source = await makeClip(join(work, 'broken.mp4'), { seconds: 4, width: 640, height: 360 });
    const probed = await probe(source);
    const plan = planLadder(probed);
    const hls = join(work, 'broken-hls');
    await encodeHls(source, plan, hls, { segmentType: 'fmp4' });
    await rm(join(hls, '360p', 'init.mp4'));
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    mockClient(s3).on(PutObjectCommand).resolves({});
    const outcomes = await writeStaticRenditions({
      ...{ assetId: 'ASSET', requested: ['highest'], source: fromPlan(plan), durationSeconds: probed.durationSeconds },
      ...{ files: localFiles(hls), s3, bucket: 'out', workDir: join(work, 'broken-scratch') },
      store: { record: async () => {} },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
    expect(outcomes).toEqual([{ resolution: 'highest', status: 'errored' }]);
  });

  it('after chunk tasks, highest.mp4 is read back from the bucket and starts at zero despite the chunks’ offset', async () => {
    const source = await makeClip(join(work, 'chunked.mp4'), { seconds: 12, width: 640, height: 360 });
    const probed = await probe(source);
    const plan = planLadder(probed, { segmentSeconds: 2 });
    const chunks = planChunks(probed.durationSeconds, { segmentSeconds: 2, workers: 2, minChunkSeconds: 4 });
    expect(chunks.length).toBe(2);
    const timeOffsetSeconds = chunkTimeOffset(30);
    // The bucket as the finishing task leaves it: chunk 0's init, every chunk's segments, the joined playlist.
    const bucket = join(work, 'bucket', 'assets', 'ASSET', '360p');
    await mkdir(bucket, { recursive: true });
    const parts: ChunkManifest['renditions'][string][] = [];
    for (const chunk of chunks) {
      const dir = join(work, `chunked-${chunk.index}`);
      const last = chunk.index === chunks.length - 1;
      const audio = plan.audio
        ? await encodeChunkAudio(source, plan, chunk, { last }, join(work, 'chunked-audio'))
        : undefined;
      await encodeHlsChunk(source, plan, dir, chunk, {
        ...(audio && { audio }),
        timeOffsetSeconds,
        sourceStartSeconds: probed.startSeconds ?? 0,
      });
      const playlist = parseMediaPlaylist(await readFile(join(dir, '360p', RENDITION_PLAYLIST), 'utf8'));
      parts.push({
        targetDuration: playlist.targetDuration,
        ...(playlist.map && { map: playlist.map }),
        segments: playlist.segments.map((x) => ({ ...x, bytes: 1 })),
      });
      for (const f of await readdir(join(dir, '360p'))) {
        if (f.endsWith('.m4s') || (chunk.index === 0 && f === 'init.mp4'))
          await copyFile(join(dir, '360p', f), join(bucket, f));
      }
    }
    await writeFile(join(bucket, RENDITION_PLAYLIST), joinedPlaylist(parts, HLS_VERSION.fmp4));

    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const out = join(work, 'chunked-highest.mp4');
    const mock = mockClient(s3);
    mock
      .on(GetObjectCommand)
      .callsFake(async (input: { Key: string }) => ({ Body: createReadStream(join(work, 'bucket', input.Key)) }));
    mock.on(PutObjectCommand).callsFake(async (input: { Body: Uint8Array }) => {
      await writeFile(out, input.Body);
      return {};
    });
    const outcomes = await writeStaticRenditions({
      ...{ assetId: 'ASSET', requested: ['highest'], source: fromPlan(plan), durationSeconds: probed.durationSeconds },
      ...{ files: bucketFiles(s3, 'out', 'ASSET'), s3, bucket: 'out', workDir: join(work, 'chunked-scratch') },
      store: { record: async () => {} },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
    expect(outcomes).toEqual([expect.objectContaining({ resolution: 'highest', status: 'ready' })]);
    const info = await ffprobe(out);
    expect(Math.abs(Number(info.format.start_time))).toBeLessThan(0.1);
    expect(Number(info.format.duration)).toBeCloseTo(12, 0);
    expect(info.streams.map((x) => x.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(await decodeErrors(out)).toBe('');
  });
});
