/**
 * The master MP4 (containers/transcoder/src/options/master.ts) with real ffmpeg: an H.264 + AAC source is copied
 * stream for stream (same codecs, same bit stream: the video's packets hash the same), with its index first; an
 * MPEG-4 Part 2 + MP3 source is encoded to H.264 + AAC. Each records `ready` with a URL that expires in 24 hours;
 * a master turned off meanwhile has its file removed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMaster } from '../../containers/transcoder/src/options/master.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { MasterFile } from '../../lambdas/core/domain/media.js';
import { makeClip } from '../support/client.js';

const exec = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-master-media-'));
});

/** The stream's packets hashed (ffmpeg's `streamhash` muxer): equal for a stream copy. */
async function videoHash(file: string): Promise<string> {
  const { stdout } = await exec('ffmpeg', [
    '-v',
    'error',
    '-i',
    file,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-f',
    'streamhash',
    '-',
  ]);
  return stdout.trim();
}

async function codecs(file: string): Promise<string[]> {
  const { stdout } = await exec('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name',
    '-of',
    'csv=p=0',
    file,
  ]);
  return stdout.trim().split('\n').sort();
}

/** Runs writeMaster against a mocked bucket; returns what it recorded and the uploaded file. */
async function master(source: string, settle?: (assetId: string, m: MasterFile) => Promise<void>) {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const uploaded = join(work, `uploaded-${Math.random()}.mp4`);
  const deleted: string[] = [];
  const mock = mockClient(s3);
  mock
    .on(PutObjectCommand)
    .callsFake(async (input: { Body: Uint8Array }) => void (await writeFile(uploaded, input.Body)));
  mock.on(DeleteObjectCommand).callsFake(async (input: { Key: string }) => void deleted.push(input.Key));
  const recorded: MasterFile[] = [];
  const outcome = await writeMaster({
    ...{ assetId: 'ASSET', sourceFile: source, inputFile: (await probe(source)).file },
    ...{ s3, bucket: 'out', workDir: await mkdtemp(join(work, 'scratch-')) },
    store: { settleMaster: settle ?? (async (_id, m) => void recorded.push(m)) },
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    nowSeconds: () => 1_000,
  });
  return { outcome, recorded, uploaded, deleted };
}

describe('the master MP4', () => {
  it('copies an H.264 + AAC source stream for stream into a faststart MP4', async () => {
    const source = await makeClip(join(work, 'h264.mp4'), { width: 320, height: 240, seconds: 2 });
    const { outcome, recorded, uploaded } = await master(source);
    expect(outcome).toBe('ready');
    // No URL: the task holds no signing key; the API signs `master.url` when the asset is read.
    expect(recorded).toEqual([{ status: 'ready', expires_at: 87_400 }]);
    expect(await codecs(uploaded)).toEqual(['aac', 'h264']);
    expect(await videoHash(uploaded)).toBe(await videoHash(source));
    // faststart: the index (moov) comes before the media (mdat).
    const bytes = await readFile(uploaded);
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
  });

  it('encodes a source MP4 players cannot take as it is (MPEG-4 Part 2 + MP3) to H.264 + AAC', async () => {
    const source = join(work, 'old.avi');
    await exec('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine'],
      ...['-t', '2', '-c:v', 'mpeg4', '-c:a', 'libmp3lame', source],
    ]);
    const { outcome, uploaded } = await master(source);
    expect(outcome).toBe('ready');
    expect(await codecs(uploaded)).toEqual(['aac', 'h264']);
  });

  it('removes the file when the master was turned off while it was made', async () => {
    const source = await makeClip(join(work, 'gone.mp4'), { width: 320, height: 240, seconds: 1 });
    const { outcome, deleted } = await master(source, async () => {
      throw new TransitionError('asset', 'ASSET', 'master ready', ['master preparing']);
    });
    expect(outcome).toBe('errored');
    expect(deleted).toEqual(['assets/ASSET/master.mp4']);
  });
});
