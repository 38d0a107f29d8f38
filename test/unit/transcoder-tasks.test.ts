/**
 * The transcoder's task modes (main.ts TASKS): each mode on a ready asset reaches its own handler, which records
 * its outcome on the asset; on an asset that is no longer ready every mode settles (exit 2) without touching it.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TranscoderJob } from '../../containers/transcoder/src/job.js';
import { run, type TranscoderDeps } from '../../containers/transcoder/src/main.js';
import { afterTranscode, type ReadyAssetDeps } from '../../containers/transcoder/src/options/ready-asset.js';
import { S3Storage } from '../../containers/transcoder/src/storage.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import type { MediaRepository } from '../../lambdas/core/ports.js';

import { TASK_ASSET_ID, TASK_ENV } from './fakes.js';

const ASSET_ID = TASK_ASSET_ID;
const ENV = {
  ...TASK_ENV,
};

const s3 = mockClient(S3Client);

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  s3.reset();
  s3.on(GetObjectCommand).rejects(new Error('no such object'));
});
afterEach(() => vi.unstubAllEnvs());

/** Every write a handler can make, by the port it goes through. */
function recorder(asset: Partial<AssetRecord>) {
  const calls: { port: string; args: unknown[] }[] = [];
  const rec =
    (port: string) =>
    async (...args: unknown[]) => {
      calls.push({ port, args });
    };
  const s3Client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const readyAsset = {
    text: { finishTextTrack: rec('text.finish') },
    audio: { finishAudioTrack: rec('audio.finish') },
    shots: {
      settleShots: rec('shots.settle'),
      requestShots: async (...args: unknown[]) => {
        calls.push({ port: 'shots.request', args });
        return true;
      },
    },
    fetcher: { fetchBytes: async () => Promise.reject(new Error('not here')) },
    objects: { getText: async () => undefined },
    writer: { putText: rec('writer.put') },
    storage: new S3Storage(s3Client),
    files: async () => Promise.reject(new Error('no such file')),
    policy: { allowLoopback: false },
  } as unknown as ReadyAssetDeps;
  const deps = (mode: string): Partial<TranscoderDeps> => ({
    env: { ...ENV, TASK_MODE: mode, STATIC_RENDITIONS: 'highest' },
    repo: { getAsset: async () => ({ id: ASSET_ID, ...asset }) as AssetRecord } as unknown as MediaRepository,
    s3: s3Client,
    staticRenditions: { record: rec('staticRenditions.record') },
    master: { settleMaster: rec('master.settle') },
    readyAsset,
  });
  return { calls, deps, readyAsset };
}

const preparingAudio = {
  audio_tracks: {
    a1: { id: 'a1', status: 'preparing', source_url: 'http://127.0.0.1:9/fr.m4a', name: 'Français' },
  },
} as unknown as Partial<AssetRecord>;

describe('the transcoder’s task modes', () => {
  it.each([
    ['tracks', 'audio.finish', 'errored'],
    ['shots', 'shots.settle', { status: 'errored' }],
    ['static_renditions', 'staticRenditions.record', [expect.objectContaining({ status: 'skipped' })]],
    ['master', 'master.settle', { status: 'errored' }],
  ])('%s on a ready asset runs its own handler, which records the outcome (%s)', async (mode, port, outcome) => {
    const { calls, deps } = recorder({ status: 'ready', duration: 10, ...preparingAudio });
    expect(await run(deps(mode))).toBe(0);
    expect(calls.map((c) => c.port)).toEqual([port]);
    expect(calls[0]?.args).toContainEqual(typeof outcome === 'string' ? outcome : expect.objectContaining(outcome));
  });

  it.each(['tracks', 'shots', 'static_renditions', 'master'])(
    '%s on an asset no longer ready settles (exit 2: nothing to retry) and writes nothing',
    async (mode) => {
      const { calls, deps } = recorder({ status: 'deleted', ...preparingAudio });
      expect(await run(deps(mode))).toBe(2);
      expect(calls).toEqual([]);
      expect(s3.calls()).toEqual([]);
    },
  );
});

describe('after a transcode', () => {
  const video = { id: 'v', type: 'video', max_width: 640, max_height: 360, max_frame_rate: 30, duration: 9 };
  const audio = { id: 'a', type: 'audio', max_channels: 2, duration: 9, primary: true };
  const workAfter = async (asset: Partial<AssetRecord>) => {
    const { calls, readyAsset } = recorder(asset);
    const workDir = await mkdtemp(join(tmpdir(), 'gamma-after-'));
    const logger = new Logger({ serviceName: 'test' });
    const job = { outputBucket: 'output' } as TranscoderJob;
    await afterTranscode({ id: ASSET_ID, ...asset } as AssetRecord, job, () => readyAsset, {
      workDir,
      logger,
      env: {},
    });
    await rm(workDir, { recursive: true, force: true });
    return calls.map((c) => [c.port, (c.args[1] as { status?: string }).status]);
  };

  it('asks for the shots generate_shots wanted, then detects them (a video asset only)', async () => {
    const ready = { status: 'ready' as const, generate_shots: true, tracks: [video, audio] } as Partial<AssetRecord>;
    expect(await workAfter(ready)).toEqual([
      ['shots.request', 'pending'],
      ['shots.settle', 'errored'], // the fake bucket holds no rendition to read
    ]);
    expect(await workAfter({ ...ready, tracks: [audio] } as Partial<AssetRecord>)).toEqual([]);
    expect(await workAfter({ ...ready, generate_shots: undefined })).toEqual([]);
  });
});
