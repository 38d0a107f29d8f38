import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../containers/transcoder/src/job-process.js';
import { run, type TranscoderDeps } from '../../containers/transcoder/src/main.js';
import { InvalidInputError, TransitionError } from '../../lambdas/core/domain/errors.js';
import { type LadderPlan, renditionNames, type SourceProbe } from '../../lambdas/core/domain/ladder.js';
import type { AssetRecord, MediaError, ReadyPatch } from '../../lambdas/core/domain/media.js';
import type { MediaRepository, TranscodeJob } from '../../lambdas/core/ports.js';

import { TASK_ASSET_ID, TASK_ENV } from './fakes.js';

const ASSET_ID = TASK_ASSET_ID;
const SOURCE_BYTES = Buffer.from('pretend this is a video');

const ENV = {
  ...TASK_ENV,
};

const HD_SOURCE: SourceProbe = {
  durationSeconds: 12.5,
  video: { width: 1280, height: 720, fps: 30 },
  audio: { channels: 2 },
};

/** An asset that is preparing until it is marked, or was deleted before the transcoder finished. */
class FakeAssets {
  readonly ready: ReadyPatch[] = [];
  readonly errored: MediaError[] = [];
  /** The S3 keys already written when the asset was marked playable. */
  readonly playableAfter: (string | undefined)[][] = [];
  constructor(private status: AssetRecord['status'] = 'preparing') {}

  // run() only ever marks its asset; the other repository methods are not part of this test.
  readonly repo = {
    markReady: async (id: string, patch: ReadyPatch) => this.mark(id, 'ready', () => this.ready.push(patch)),
    markErrored: async (id: string, error: MediaError) => this.mark(id, 'errored', () => this.errored.push(error)),
    markPlayable: async (id: string) => this.mark(id, 'preparing', () => this.playableAfter.push(putKeys())),
  } as Pick<MediaRepository, 'markReady' | 'markErrored' | 'markPlayable'> as MediaRepository;

  private mark(id: string, to: AssetRecord['status'], record: () => void): AssetRecord {
    expect(id).toBe(ASSET_ID);
    if (this.status !== 'preparing') throw new TransitionError('asset', id, to, ['preparing']);
    this.status = to;
    record();
    return { id } as AssetRecord;
  }
}

/** Writes what ffmpeg would for a plan: per rendition a playlist, an init segment and a media segment, then the master. */
const fakeEncode: TranscoderDeps['encode'] = async (_input, plan, outDir) => {
  for (const name of renditionNames(plan)) {
    for (const file of ['index.m3u8', 'init.mp4', 'segment_000.m4s']) await write(join(outDir, name, file));
  }
  await write(join(outDir, 'master.m3u8'));
  return [];
};

async function write(file: string) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, file);
}

const s3 = mockClient(S3Client);
/** Each PUT's body as it was sent: a file's bytes may sit in a buffer reused for the next file (buffer-pool.ts). */
const putBodies: { key: string | undefined; body: string }[] = [];

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  s3.reset();
  s3.on(GetObjectCommand).resolves({ Body: Readable.from([SOURCE_BYTES]) as GetObjectCommandOutput['Body'] });
  putBodies.length = 0;
  s3.on(PutObjectCommand).callsFake(async (input) => {
    putBodies.push({ key: input.Key, body: String(input.Body) });
    return {};
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function deps(assets: FakeAssets, overrides: Partial<TranscoderDeps> = {}): Partial<TranscoderDeps> {
  return {
    env: ENV,
    repo: assets.repo,
    s3: new S3Client({}),
    probe: async () => HD_SOURCE,
    encode: fakeEncode,
    ...overrides,
  };
}

const putKeys = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);

describe('transcoder run()', () => {
  it('downloads, probes, encodes and publishes, then marks the asset ready and exits 0', async () => {
    const assets = new FakeAssets();
    const probed: Buffer[] = [];
    const probe = async (file: string) => {
      probed.push(await readFile(file));
      return HD_SOURCE;
    };

    expect(await run(deps(assets, { probe }))).toBe(0);

    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'ingest', Key: 'uploads/up1' });
    expect(probed).toEqual([SOURCE_BYTES]);
    expect(assets.ready).toEqual([
      {
        duration: 12.5,
        max_stored_resolution: 'HD',
        max_stored_frame_rate: 30,
        resolution_tier: '720p',
        aspect_ratio: '16:9',
        renditions: ['360p', '480p', '720p'],
        tracks: [
          {
            id: expect.any(String),
            type: 'video',
            max_width: 1280,
            max_height: 720,
            max_frame_rate: 30,
            duration: 12.5,
          },
          { id: expect.any(String), type: 'audio', max_channels: 2, duration: 12.5, primary: true },
        ],
      },
    ]);
  });

  it('publishes every file under assets/<assetId>/ with its content type, the master playlist last', async () => {
    await run(deps(new FakeAssets()));

    const keys = putKeys();
    // Three files per rendition, the storyboard's WebVTT, then the master.
    expect(keys).toHaveLength(3 * 3 + 1 + 1);
    expect(keys.at(-1)).toBe(`assets/${ASSET_ID}/master.m3u8`);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.every((p) => p.Bucket === 'output')).toBe(true);
    const contentType = (key: string) => puts.find((p) => p.Key === key)?.ContentType;
    expect(contentType(`assets/${ASSET_ID}/720p/index.m3u8`)).toBe('application/vnd.apple.mpegurl');
    expect(contentType(`assets/${ASSET_ID}/720p/init.mp4`)).toBe('video/mp4');
    expect(contentType(`assets/${ASSET_ID}/720p/segment_000.m4s`)).toBe('video/iso.segment');
    expect(contentType(`assets/${ASSET_ID}/storyboard.vtt`)).toBe('text/vtt');
  });

  it('publishes the first segments and a provisional master while encoding, and marks the asset playable', async () => {
    const assets = new FakeAssets();
    const segment = (i: number) => `#EXTINF:6.000000,\nsegment_00${i}.m4s\n`;
    const head =
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MAP:URI="init.mp4"\n';
    // Writes one segment per rendition, waits until the publisher has marked the asset playable, then finishes.
    const encode: TranscoderDeps['encode'] = async (_input, plan, outDir) => {
      for (const name of renditionNames(plan)) {
        for (const file of ['init.mp4', 'segment_000.m4s']) await write(join(outDir, name, file));
        await writeFile(join(outDir, name, 'index.m3u8'), head + segment(0));
      }
      await vi.waitFor(() => expect(assets.playableAfter).toHaveLength(1), { timeout: 5000 });
      for (const name of renditionNames(plan)) {
        await write(join(outDir, name, 'segment_001.m4s'));
        await writeFile(
          join(outDir, name, 'index.m3u8'),
          `${head.replace('EVENT', 'VOD')}${segment(0)}${segment(1)}#EXT-X-ENDLIST\n`,
        );
      }
      await write(join(outDir, 'master.m3u8'));
      return [];
    };

    expect(await run(deps(assets, { encode }))).toBe(0);

    const early = assets.playableAfter[0] ?? [];
    expect(early.at(-1)).toBe(`assets/${ASSET_ID}/master.m3u8`);
    for (const name of ['360p', '480p', '720p']) {
      expect(early).toContain(`assets/${ASSET_ID}/${name}/segment_000.m4s`);
      expect(early.indexOf(`assets/${ASSET_ID}/${name}/index.m3u8`)).toBeGreaterThan(
        early.indexOf(`assets/${ASSET_ID}/${name}/segment_000.m4s`),
      );
    }
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const bodies = (key: string) => putBodies.filter((p) => p.key === key).map((p) => p.body);
    const provisional = bodies(`assets/${ASSET_ID}/360p/index.m3u8`)[0];
    expect(provisional).toContain('#EXT-X-START:TIME-OFFSET=0');
    expect(bodies(`assets/${ASSET_ID}/360p/index.m3u8`).at(-1)).toContain('#EXT-X-ENDLIST');
    expect(bodies(`assets/${ASSET_ID}/master.m3u8`)[0]).toContain('RESOLUTION=1280x720');
    // Segments are uploaded once; the final master goes last; the asset is ready only after it.
    expect(puts.filter((p) => p.Key === `assets/${ASSET_ID}/360p/segment_000.m4s`)).toHaveLength(1);
    expect(putKeys().at(-1)).toBe(`assets/${ASSET_ID}/master.m3u8`);
    expect(assets.ready).toHaveLength(1);
    const cache = (key: string) => puts.find((p) => p.Key === key)?.CacheControl;
    expect(cache(`assets/${ASSET_ID}/360p/index.m3u8`)).toBe('public, max-age=2');
    expect(cache(`assets/${ASSET_ID}/360p/segment_001.m4s`)).toContain('immutable');
  });

  it('uploads a segment whose early upload failed when it publishes the rest', async () => {
    const assets = new FakeAssets();
    const key = `assets/${ASSET_ID}/360p/segment_000.m4s`;
    s3.on(PutObjectCommand, { Key: key }).rejectsOnce(new Error('SlowDown')).resolves({});
    const encode: TranscoderDeps['encode'] = async (_input, plan, outDir) => {
      for (const name of renditionNames(plan)) {
        for (const file of ['init.mp4', 'segment_000.m4s']) await write(join(outDir, name, file));
        await writeFile(join(outDir, name, 'index.m3u8'), '#EXTM3U\n#EXTINF:6.0,\nsegment_000.m4s\n#EXT-X-ENDLIST\n');
      }
      // Long enough for the publisher to try (and fail) once.
      await vi.waitFor(() => expect(putKeys()).toContain(key), { timeout: 5000 });
      await write(join(outDir, 'master.m3u8'));
      return [];
    };

    expect(await run(deps(assets, { encode }))).toBe(0);

    expect(putKeys().filter((k) => k === key)).toHaveLength(2);
    expect(assets.ready).toHaveLength(1);
  });

  it('reports an audio-only asset the way Mux does', async () => {
    const assets = new FakeAssets();
    const probe = async (): Promise<SourceProbe> => ({ durationSeconds: 3, audio: { channels: 1 } });

    expect(await run(deps(assets, { probe }))).toBe(0);

    const [patch] = assets.ready;
    expect(patch).toMatchObject({ max_stored_resolution: 'Audio only', resolution_tier: 'audio-only' });
    expect(patch?.renditions).toEqual(['audio']);
    expect(patch?.tracks.map((t) => t.type)).toEqual(['audio']);
    expect(patch).not.toHaveProperty('max_stored_frame_rate');
  });

  it('classifies portrait video by its short side', async () => {
    const assets = new FakeAssets();
    const probe = async (): Promise<SourceProbe> => ({
      durationSeconds: 3,
      video: { width: 1080, height: 1920, fps: 60 },
    });

    await run(deps(assets, { probe }));

    expect(assets.ready[0]).toMatchObject({
      max_stored_resolution: 'FHD',
      resolution_tier: '1080p',
      aspect_ratio: '9:16',
      max_stored_frame_rate: 60,
    });
    expect(assets.ready[0]?.tracks).toEqual([expect.objectContaining({ max_width: 1080, max_height: 1920 })]);
  });

  it('plans up to the tier MAX_RESOLUTION_TIER allows', async () => {
    const plans: LadderPlan[] = [];
    const encode: TranscoderDeps['encode'] = async (input, plan, outDir, options) => {
      plans.push(plan);
      return fakeEncode(input, plan, outDir, options);
    };
    const probe = async (): Promise<SourceProbe> => ({
      durationSeconds: 3,
      video: { width: 3840, height: 2160, fps: 30 },
    });

    await run(deps(new FakeAssets(), { probe, encode, env: { ...ENV, MAX_RESOLUTION_TIER: '1440p' } }));

    expect(plans.map((p) => renditionNames(p).at(-1))).toEqual(['1440p']);
  });

  it('marks an unusable source errored with the reason, publishes nothing and exits 2 (settled: no retry)', async () => {
    const assets = new FakeAssets();
    const probe = async (): Promise<SourceProbe> => {
      throw new InvalidInputError('The file could not be read as video or audio: Invalid data found');
    };

    expect(await run(deps(assets, { probe }))).toBe(2);

    expect(assets.errored).toEqual([
      { type: 'invalid_input', messages: ['The file could not be read as video or audio: Invalid data found'] },
    ]);
    expect(assets.ready).toEqual([]);
    expect(putKeys()).toEqual([]);
  });

  it('exits 1 without marking the asset when encoding fails for another reason', async () => {
    const assets = new FakeAssets();
    const encode = async (): Promise<never> => {
      throw new Error('ffmpeg failed (exit code 187)');
    };

    expect(await run(deps(assets, { encode }))).toBe(1);

    expect(assets.ready).toEqual([]);
    expect(assets.errored).toEqual([]);
    expect(putKeys()).toEqual([]);
  });

  it('exits 2 (settled) without throwing when the asset was deleted before it could be marked ready', async () => {
    const assets = new FakeAssets('deleted');

    await expect(run(deps(assets))).resolves.toBe(2);
    expect(assets.ready).toEqual([]);
  });

  it('exits 1 when the source cannot be downloaded', async () => {
    const assets = new FakeAssets();
    s3.on(GetObjectCommand).rejects(new Error('NoSuchKey'));

    expect(await run(deps(assets))).toBe(1);
    expect(assets.errored).toEqual([]);
  });

  it.each([
    ['a required variable is missing', { ...ENV, SOURCE_KEY: '' }],
    ['MAX_RESOLUTION_TIER is not a tier', { ...ENV, MAX_RESOLUTION_TIER: '4k' }],
    ['CHUNK_PARALLELISM is not a positive whole number', { ...ENV, CHUNK_PARALLELISM: '0' }],
  ])('exits 1 before touching anything when %s', async (_, env) => {
    const assets = new FakeAssets();

    expect(await run(deps(assets, { env }))).toBe(1);

    expect(s3.calls()).toEqual([]);
    expect([...assets.ready, ...assets.errored]).toEqual([]);
  });

  it('removes its scratch folder whether or not the transcode succeeds', async () => {
    const folders: string[] = [];
    const encode: TranscoderDeps['encode'] = async (input, plan, outDir, options) => {
      folders.push(outDir);
      await fakeEncode(input, plan, outDir, options);
      if (folders.length === 2) throw new Error('ffmpeg failed');
      return [];
    };

    await run(deps(new FakeAssets(), { encode }));
    await run(deps(new FakeAssets(), { encode }));

    expect(folders).toHaveLength(2);
    for (const folder of folders) expect(existsSync(dirname(folder))).toBe(false);
  });
});

describe('transcoder run() in the transcode function (HANDOFF_AFTER_SECONDS)', () => {
  const started: TranscodeJob[] = [];
  const runner = () => ({
    start: async (job: TranscodeJob) => {
      started.push(job);
      return { jobId: 'm1' };
    },
  });
  beforeEach(() => {
    started.length = 0;
  });

  it('hands off, writing nothing, a single pass longer than it takes on', async () => {
    const assets = new FakeAssets();
    const code = await run({ ...deps(assets), env: { ...ENV, HANDOFF_AFTER_SECONDS: '10' }, runner });
    expect(code).toBe(EXIT.handoff);
    expect(assets.ready).toEqual([]);
    expect(putKeys()).toEqual([]);
  });

  it('runs one within it, and queues a master asked at creation as its own job rather than copying the source', async () => {
    const assets = new FakeAssets();
    const env = { ...ENV, HANDOFF_AFTER_SECONDS: '600', MASTER_ACCESS: 'temporary' };
    expect(await run({ ...deps(assets), env, runner })).toBe(0);
    expect(assets.ready).toHaveLength(1);
    expect(started).toEqual([expect.objectContaining({ assetId: ASSET_ID, mode: 'master' })]);
    expect(putKeys().some((key) => key?.endsWith('.mp4') && !key.endsWith('init.mp4'))).toBe(false); // no master MP4 copied here
  });

  it('hands off at once the modes it never takes on', async () => {
    for (const mode of ['master', 'subtitles']) {
      const env = { ...ENV, HANDOFF_AFTER_SECONDS: '600', TASK_MODE: mode };
      expect(await run({ ...deps(new FakeAssets('ready')), env, runner })).toBe(EXIT.handoff);
    }
  });
});
