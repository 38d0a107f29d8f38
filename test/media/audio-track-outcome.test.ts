/**
 * What an alternate audio track reports once the transcoder has tried it (options/audio-tracks.ts
 * `prepareAudioTrack`), against the real ffmpeg: a mono file of the asset's length is `ready` with one channel and
 * the asset's duration at most, as the primary audio would report it; a file that is not audio is `errored` saying
 * what is wrong with it, never where the worker kept it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkDir } from '../../containers/transcoder/src/ffmpeg/tools.js';
import { prepareAudioTrack } from '../../containers/transcoder/src/options/audio-tracks.js';
import type { S3Storage } from '../../containers/transcoder/src/storage.js';
import type { AudioTrackRecord } from '../../lambdas/core/domain/audio-tracks.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import type { AudioTrackRepository } from '../../lambdas/core/ports.js';

const exec = promisify(execFile);
const SECONDS = 6;

let work: string;
let server: Server;
let base: string;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  // Named as a worker's run folder is: the name must not reach the track's error.
  work = await makeWorkDir('gamma-run-');
  const make = async (name: string, args: string[]) => {
    await exec('ffmpeg', ['-v', 'error', '-y', ...args, join(work, name)]);
    files.set(name, await readFile(join(work, name)));
  };
  await make('mono.m4a', ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${SECONDS}`, '-ac', '1']);
  await make('silent.mp4', ['-f', 'lavfi', '-i', 'testsrc=size=64x64:duration=1', '-pix_fmt', 'yuv420p']);
  files.set('subs.vtt', Buffer.from('WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n'));
  files.set('notes.txt', Buffer.from('not audio at all\n'.repeat(20)));
  server = createServer((req, res) => {
    const body = files.get((req.url ?? '').slice(1));
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  const { rm } = await import('node:fs/promises');
  await rm(work, { recursive: true, force: true });
});

/** Prepares a track from `file` on a ready asset of SECONDS, cut in 2 s then 4 s video segments; its outcome. */
async function outcomeOf(file: string) {
  const settled: { to: string; outcome: Pick<AudioTrackRecord, 'error' | 'duration' | 'max_channels'> }[] = [];
  const audio = {
    finishAudioTrack: async (
      _asset: string,
      _track: string,
      to: string,
      outcome: (typeof settled)[number]['outcome'],
    ) => void settled.push({ to, outcome }),
  } as unknown as AudioTrackRepository;
  const storage = { putFile: async (_bucket: string, key: string) => key } as unknown as S3Storage;
  const asset = { id: 'asset1', status: 'ready', duration: SECONDS } as AssetRecord;
  const track = {
    ...{ id: `t-${file}`, type: 'audio', language_code: 'fr', name: 'French', status: 'preparing' },
    ...{ created_at: 1, source_url: `${base}/${file}` },
  } as AudioTrackRecord;
  await prepareAudioTrack(asset, track, {
    ...{ audio, storage, outputBucket: 'output', policy: { allowLoopback: true } },
    ...{ workDir: work, videoSegments: [2, 4] },
  });
  expect(settled).toHaveLength(1);
  return settled[0] as (typeof settled)[number];
}

describe('an alternate audio track, once prepared', () => {
  it('reports a mono file as one channel (played as stereo), and at most the asset’s duration', async () => {
    const { to, outcome } = await outcomeOf('mono.m4a');
    expect(to).toBe('ready');
    expect(outcome.max_channels).toBe(1);
    expect(outcome.duration).toBeLessThanOrEqual(SECONDS);
    expect(outcome.duration).toBeGreaterThan(SECONDS - 0.05);
  });

  it.each([
    ['subs.vtt', /^The file is not audio: its format \(webvtt\) is not accepted/],
    ['notes.txt', /^The file is not audio: it is not a media file ffmpeg can read/],
    ['silent.mp4', /^The file contains no audio stream$/],
  ])('errors %s saying what is wrong with it, not where the worker kept it', async (file, message) => {
    const { to, outcome } = await outcomeOf(file);
    expect(to).toBe('errored');
    expect(outcome.error?.type).toBe('invalid_input');
    const [text] = outcome.error?.messages ?? [];
    expect(text).toMatch(message);
    expect(text).not.toContain(work);
    expect(text).not.toMatch(/\/tmp|gamma-|\.source|\/\//);
  });
});
