/**
 * The transcoder's chunk-task mode (CHUNK_WORKERS=tasks) with fakes: the first task records the plan, starts a
 * task per further chunk and encodes chunk 0; each chunk task encodes its chunk; the one that completes the set
 * writes the playlists and the master and marks the asset ready. ffmpeg is faked (files named as it names them),
 * S3 is an in-memory bucket behind aws-sdk-client-mock.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChunkEncoders } from '../../containers/transcoder/src/main.js';
import { run, type TranscoderDeps } from '../../containers/transcoder/src/main.js';
import type { ProbeOptions } from '../../containers/transcoder/src/probe.js';
import { type Chunk, chunkManifestFile } from '../../lambdas/core/domain/chunks.js';
import { InvalidInputError } from '../../lambdas/core/domain/errors.js';
import { type LadderPlan, planLadder, renditionNames, type SourceProbe } from '../../lambdas/core/domain/ladder.js';
import type { AssetRecord, ReadyPatch } from '../../lambdas/core/domain/media.js';
import { parseMediaPlaylist } from '../../lambdas/core/domain/playlist.js';
import { previewSheetFile } from '../../lambdas/core/domain/preview-frames.js';
import { stillFile } from '../../lambdas/core/domain/thumbnails.js';
import type { MediaRepository } from '../../lambdas/core/ports.js';
import { InMemoryChunkLedger } from './chunk-fakes.js';
import { RecordingRunner, TASK_ASSET_ID, TASK_ENV } from './fakes.js';

const ASSET_ID = TASK_ASSET_ID;
const ENV = {
  ...TASK_ENV,
  CHUNK_WORKERS: 'tasks',
  CHUNK_PARALLELISM: '3',
  CHUNK_MIN_SECONDS: '12',
};
/** 40 s in segments of 2 s, then 6 s: 8 segments, cut 3 + 3 + 2 into three chunks of at least 12 s. */
const SOURCE: SourceProbe = {
  durationSeconds: 40,
  video: { width: 640, height: 360, fps: 30 },
  audio: { channels: 2 },
};

/** The bucket: what was put, readable again; the source for any other key. */
const objects = new Map<string, Buffer>();
/** GETs of the source: `whole` or the Range asked for; whether the store serves ranges (S3) or not (MiniStack). */
const sourceReads: string[] = [];
const store = { honoursRange: true };
/** What the probe was given: a presigned URL or a local file. */
const probed: string[] = [];
const s3 = mockClient(S3Client);
const body = (bytes: Buffer) =>
  Object.assign(Readable.from([bytes]), {
    transformToString: async () => bytes.toString('utf8'),
  }) as unknown as GetObjectCommandOutput['Body'];

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  objects.clear();
  s3.reset();
  s3.on(PutObjectCommand).callsFake(async (input) => {
    objects.set(input.Key, Buffer.from(input.Body as Buffer | string));
    return {};
  });
  sourceReads.length = 0;
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const stored = objects.get(input.Key);
    if (!stored) sourceReads.push(input.Range ?? 'whole');
    // S3 answers a ranged GET with 206 and Content-Range; MiniStack ignores Range on a versioned GET.
    if (input.Range && store.honoursRange) return { Body: body(Buffer.from('p')), ContentRange: 'bytes 0-0/23' };
    return { Body: body(stored ?? Buffer.from('pretend this is a video')) };
  });
  s3.on(DeleteObjectsCommand).callsFake(async (input) => {
    for (const o of input.Delete.Objects) objects.delete(o.Key);
    return {};
  });
});
afterEach(() => vi.unstubAllEnvs());

class FakeAssets {
  readonly ready: ReadyPatch[] = [];
  playable = 0;
  readonly repo = {
    markReady: async (_id: string, patch: ReadyPatch) => {
      this.ready.push(patch);
      return { id: ASSET_ID } as AssetRecord;
    },
    markPlayable: async () => {
      this.playable++;
      return { id: ASSET_ID } as AssetRecord;
    },
    markErrored: async () => {
      throw new Error('not expected');
    },
  } as Pick<MediaRepository, 'markReady' | 'markErrored' | 'markPlayable'> as MediaRepository;
}

async function write(file: string, text = file) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** Writes what ffmpeg writes for one chunk: per rendition the init segment, its segments, its EVENT playlist. */
const encoded: number[] = [];
const audioEncoded: number[] = [];
const fakeEncoders: ChunkEncoders = {
  audio: async (_input, _plan, chunk, _at, dir) => {
    audioEncoded.push(chunk.index);
    const file = join(dir, `audio_${chunk.index}.nut`);
    await write(file);
    return file;
  },
  chunk: async (_input, plan: LadderPlan, outDir, chunk: Chunk, options) => {
    encoded.push(chunk.index);
    // Its stills, numbered from its first, and its preview frames, one listing line each.
    const { images, previews } = options.side ?? {};
    for (let i = 0; i < (images?.stills ?? 0); i++) await write(join(outDir, stillFile((images?.firstStill ?? 0) + i)));
    if (previews) {
      await write(join(outDir, previewSheetFile(previews.firstSheet)));
      await write(
        previews.frameList,
        Array.from({ length: previews.frames }, (_, i) => `0, ${i}, ${i}, 1, 1, 0x0`).join('\n'),
      );
    }
    for (const name of renditionNames(plan)) {
      const uris = Array.from({ length: chunk.segmentCount }, (_, i) => {
        return `segment_${String(chunk.firstSegment + i).padStart(3, '0')}.m4s`;
      });
      for (const uri of [...uris, 'init.mp4']) await write(join(outDir, name, uri));
      const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:6', '#EXT-X-PLAYLIST-TYPE:EVENT'];
      lines.push('#EXT-X-MAP:URI="init.mp4"', ...uris.flatMap((u) => ['#EXTINF:6.000000,', u]), '#EXT-X-ENDLIST');
      await write(join(outDir, name, 'index.m3u8'), lines.join('\n'));
    }
  },
  storyboard: async (dir, images) => {
    const stills = await readdir(join(dir, 'thumbnails'));
    await write(join(dir, 'storyboard.jpg'), `sprite of ${stills.length} / ${images.count}`);
    await write(join(dir, 'storyboard.vtt'), 'WEBVTT');
  },
};

function deps(assets: FakeAssets, ledger: InMemoryChunkLedger, runner: RecordingRunner, env = ENV) {
  const out: Partial<TranscoderDeps> = {
    env,
    repo: assets.repo,
    s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), // chunk jobs presign their source URL
    probe: async (file) => {
      probed.push(file);
      return SOURCE;
    },
    keyframes: async () => new Map(),
    chunks: ledger,
    runner: () => runner,
    chunkEncoders: fakeEncoders,
    encode: async () => {
      throw new Error('the single-task encoder must not run');
    },
  };
  return out;
}

/** A single-pass encoder that writes only the playlists and the master, calling `onEncode` each time it runs. */
const playlistsOnly =
  (onEncode: () => void): TranscoderDeps['encode'] =>
  async (_input, plan, outDir) => {
    onEncode();
    for (const name of renditionNames(plan)) {
      await write(join(outDir, name, 'index.m3u8'), '#EXTM3U\n#EXT-X-ENDLIST\n');
    }
    await write(join(outDir, 'master.m3u8'));
    return [];
  };

const keys = () => [...objects.keys()].filter((k) => k.startsWith(`assets/${ASSET_ID}/`));

describe('transcoder run() with chunk tasks', () => {
  beforeEach(() => {
    encoded.length = 0;
    audioEncoded.length = 0;
    probed.length = 0;
    store.honoursRange = true;
  });

  it('downloads the source to plan it where the store ignores Range on the pinned version (MiniStack)', async () => {
    store.honoursRange = false;
    expect(await run(deps(new FakeAssets(), new InMemoryChunkLedger(), new RecordingRunner()))).toBe(0);
    expect(probed.at(-1)).not.toMatch(/^https?:/);
    expect(sourceReads).toEqual(['bytes=0-0', 'whole']);
    expect(encoded).toEqual([0]);
  });

  it('plans, records the plan, starts a task per further chunk, encodes chunk 0 and counts it', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();

    expect(await run(deps(assets, ledger, runner))).toBe(0);

    const state = await ledger.get(ASSET_ID);
    expect(state?.plan.chunks.map((c) => [c.firstSegment, c.segmentCount])).toEqual([
      [0, 3],
      [3, 3],
      [6, 2],
    ]);
    expect(state?.plan.timeOffsetSeconds).toBe(1);
    expect(runner.jobs.map((j) => j.chunk)).toEqual([{ index: 1 }, { index: 2 }]);
    expect(runner.jobs[0]).toMatchObject({ assetId: ASSET_ID, source: { bucket: 'ingest', key: 'uploads/up1' } });
    expect(state?.jobs).toEqual({ 1: `task/${ASSET_ID}/1`, 2: `task/${ASSET_ID}/2` });
    expect(encoded).toEqual([0]);
    expect(state?.done).toEqual([0]);
    // Fast start: marked playable once, though the fake encoder writes its playlist only as it ends (as ffmpeg does
    // for a one-segment chunk).
    expect(assets.playable).toBe(1);
    // Chunk 0's segments, init segments, audio slices and manifest; the final master comes from the chunk that
    // finishes the asset.
    expect(keys()).toContain(`assets/${ASSET_ID}/360p/segment_000.m4s`);
    expect(keys()).toContain(`assets/${ASSET_ID}/360p/init.mp4`);
    expect(keys()).toContain(`assets/${ASSET_ID}/${chunkManifestFile(0)}`);
    // Planned without the download: probed over a presigned URL, the source read only by one 1-byte range check;
    // no audio encoded for the other chunks (each encodes its own).
    // (https on S3; http when the suite's platform has set a local endpoint in this process's environment)
    expect(probed.at(-1)).toMatch(/^https?:\/\/.*uploads\/up1/);
    expect(sourceReads).toEqual(['bytes=0-0']);
    expect(audioEncoded).toEqual([0]);
    expect(keys().filter((k) => k.includes('audio'))).toEqual([]);
    expect(keys()).not.toContain(`assets/${ASSET_ID}/360p/segment_003.m4s`);
    expect(assets.ready).toEqual([]);
  });

  it('lets the chunk task that completes the set write the playlists and the master, and mark the asset ready', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    expect(await run(deps(assets, ledger, runner))).toBe(0);
    expect(await run(deps(assets, ledger, runner, { ...ENV, CHUNK_INDEX: '2' } as typeof ENV))).toBe(0);
    expect(assets.ready).toEqual([]);

    expect(await run(deps(assets, ledger, runner, { ...ENV, CHUNK_INDEX: '1' } as typeof ENV))).toBe(0);

    expect(encoded).toEqual([0, 2, 1]);
    expect(assets.ready).toHaveLength(1);
    const names = renditionNames(planLadder(SOURCE));
    expect(assets.ready[0]).toMatchObject({ duration: 40, renditions: names });
    for (const name of names) {
      const playlist = objects.get(`assets/${ASSET_ID}/${name}/index.m3u8`)?.toString() ?? '';
      expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(parseMediaPlaylist(playlist).segments.map((s) => s.uri)).toEqual(
        Array.from({ length: 8 }, (_, i) => `segment_00${i}.m4s`),
      );
    }
    const master = objects.get(`assets/${ASSET_ID}/master.m3u8`)?.toString() ?? '';
    expect(master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(names.length);
    // The work files are gone once the asset is ready.
    expect(keys().filter((k) => k.includes('/.chunks/'))).toEqual([]);
    // Each chunk cut its own stills (40 s: one a second) and preview frames (30 fps; chunks of 14, 18 and 8 s: 420,
    // 540 and 240 frames on sheets from 0, 14 and 32); the finisher drew the storyboard from all 40 and listed the
    // three runs.
    expect(keys().filter((k) => k.includes('/thumbnails/'))).toHaveLength(40);
    expect(objects.get(`assets/${ASSET_ID}/storyboard.jpg`)?.toString()).toBe('sprite of 40 / 40');
    expect(objects.has(`assets/${ASSET_ID}/storyboard.vtt`)).toBe(true);
    const previews = JSON.parse(objects.get(`assets/${ASSET_ID}/preview/index.json`)?.toString() ?? '{}');
    expect(previews).toMatchObject({ fps: 30, frames: 1200 });
    expect(previews.parts).toEqual([
      { frame: 0, frames: 420, sheet: 0 },
      { frame: 420, frames: 540, sheet: 14 },
      { frame: 960, frames: 240, sheet: 32 },
    ]);
  });

  it('repeats the last still over the tail where the video ends before the audio, within the last chunk', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    // The video's last frame is at 36 s of 40, in the last chunk (32–40 s): ffmpeg cuts no still past it (chunk 2
    // stops at 0035). (A video that ends before the last chunk is encoded in one pass: fan-out `videoRunsToEnd`.)
    const videoEnd: ChunkEncoders = {
      ...fakeEncoders,
      chunk: async (input, plan, outDir, chunk, options) => {
        const images = options.side?.images;
        const stills = images && Math.max(0, Math.min(images.stills, 36 - images.firstStill));
        const side = { ...options.side, ...(images && { images: { ...images, stills: stills ?? 0 } }) };
        await fakeEncoders.chunk(input, plan, outDir, chunk, { ...options, side });
      },
    };
    const run_ = (index?: string) =>
      run({
        ...deps(assets, ledger, runner, { ...ENV, ...(index && { CHUNK_INDEX: index }) } as typeof ENV),
        chunkEncoders: videoEnd,
      });
    for (const index of [undefined, '1', '2']) expect(await run_(index)).toBe(0);

    expect(assets.ready).toHaveLength(1);
    const still = (i: number) => objects.get(`assets/${ASSET_ID}/${stillFile(i)}`)?.toString();
    expect(keys().filter((k) => k.includes('/thumbnails/'))).toHaveLength(40);
    expect(still(35)).toMatch(/0035\.jpg$/);
    expect(still(34)).toMatch(/0034\.jpg$/);
    for (const i of [36, 39]) expect(still(i)).toBe(still(35));
    // The storyboard's tiles are the stills cut.
    expect(objects.get(`assets/${ASSET_ID}/storyboard.jpg`)?.toString()).toBe('sprite of 36 / 40');
  });

  it('records the later boundaries on the source’s keyframes, and the chunks encode and join as recorded', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    const asked: number[][] = [];
    // Keyframes at 0 and 25 s: the boundary at 32 s (7 s past one) moves to 26 (1 s past it).
    const keyframes: TranscoderDeps['keyframes'] = async (_file, times, origin) => {
      asked.push([...times, origin]);
      return new Map(times.map((t) => [t, t >= 25 ? 25 : 0]));
    };
    const withKeyframes = (env = ENV) => ({ ...deps(assets, ledger, runner, env), keyframes });
    expect(await run({ ...withKeyframes(), probe: async () => ({ ...SOURCE, startSeconds: 1.4 }) })).toBe(0);

    expect(asked).toEqual([[26, 32, 38, 1.4]]);
    const recorded = (await ledger.get(ASSET_ID))?.plan.chunks;
    expect(recorded?.map((c) => [c.startSeconds, c.durationSeconds, c.firstSegment, c.segmentCount])).toEqual([
      [0, 14, 0, 3],
      [14, 12, 3, 2],
      [26, 14, 5, 3],
    ]);
    for (const index of ['2', '1']) {
      expect(await run(withKeyframes({ ...ENV, CHUNK_INDEX: index } as typeof ENV))).toBe(0);
    }
    expect(asked).toHaveLength(1); // chunk jobs read the recorded plan
    expect(assets.ready).toHaveLength(1);
    const playlist = objects.get(`assets/${ASSET_ID}/${renditionNames(planLadder(SOURCE))[0]}/index.m3u8`);
    expect(parseMediaPlaylist(playlist?.toString() ?? '').segments.map((s) => s.uri)).toEqual(
      Array.from({ length: 8 }, (_, i) => `segment_00${i}.m4s`),
    );
    expect(keys().filter((k) => k.includes('/thumbnails/'))).toHaveLength(40);
  });

  it('hands every chunk the file’s start time from the recorded plan, so each takes the same amount away', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    const starts: number[] = [];
    const recording: ChunkEncoders = {
      ...fakeEncoders,
      chunk: async (...args) => {
        starts.push(args[4].sourceStartSeconds);
        await fakeEncoders.chunk(...args);
      },
    };
    const offset = {
      ...deps(assets, ledger, runner),
      chunkEncoders: recording,
      probe: async () => ({ ...SOURCE, startSeconds: 1.4 }),
    };
    expect(await run(offset)).toBe(0);
    // The chunk job's own probe is not asked: the plan recorded by the first job says where the file's clock starts.
    expect(await run({ ...offset, env: { ...ENV, CHUNK_INDEX: '1' } as typeof ENV, probe: async () => SOURCE })).toBe(
      0,
    );
    expect(starts).toEqual([1.4, 1.4]);
  });

  it('counts a chunk that finishes twice once, and does not encode a chunk already done again', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    expect(await run(deps(assets, ledger, runner))).toBe(0);
    const chunk1 = { ...ENV, CHUNK_INDEX: '1' } as typeof ENV;
    expect(await run(deps(assets, ledger, runner, chunk1))).toBe(0);
    expect(await run(deps(assets, ledger, runner, chunk1))).toBe(0);
    expect(encoded).toEqual([0, 1]);
    expect((await ledger.get(ASSET_ID))?.done).toEqual([0, 1]);
    expect(assets.ready).toEqual([]);
  });

  it('resumes a recorded plan when the first task is retried: no second plan, no second task per chunk', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    expect(await run(deps(assets, ledger, runner))).toBe(0);
    const before = await ledger.get(ASSET_ID);
    expect(await run(deps(assets, ledger, runner))).toBe(0);
    expect(await ledger.get(ASSET_ID)).toEqual(before);
    expect(runner.jobs).toHaveLength(2);
    expect(encoded).toEqual([0]);
  });

  it('resumes a recorded plan even where this version would encode the source in one pass (MPEG-TS)', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    expect(await run(deps(assets, ledger, runner))).toBe(0);
    const before = await ledger.get(ASSET_ID);
    let singlePass = 0;
    const probe = async () => ({ ...SOURCE, file: { container_format: 'mpegts', tracks: [] } });
    const encode = playlistsOnly(() => singlePass++);
    expect(await run({ ...deps(assets, ledger, runner), probe, encode })).toBe(0);
    expect(singlePass).toBe(0);
    expect(await ledger.get(ASSET_ID)).toEqual(before);
    expect(runner.jobs).toHaveLength(2);
    // A new asset in that container is encoded in one pass, nothing planned.
    const fresh = new InMemoryChunkLedger();
    expect(await run({ ...deps(new FakeAssets(), fresh, new RecordingRunner()), probe, encode })).toBe(0);
    expect(singlePass).toBe(1);
    expect(await fresh.get(ASSET_ID)).toBeUndefined();
  });

  it('encodes an MPEG-TS with queue workers as it downloads: ffmpeg fed from the growing file, not after it', async () => {
    const assets = new FakeAssets();
    const transportStream = { ...SOURCE, file: { container_format: 'mpegts', tracks: [] } };
    const fed: { input: string; bytes: string }[] = [];
    const encode: TranscoderDeps['encode'] = async (input, plan, outDir, options) => {
      const stdin = new PassThrough();
      const parts: Buffer[] = [];
      stdin.on('data', (d: Buffer) => parts.push(d));
      await options?.feed?.(stdin, new AbortController().signal);
      fed.push({ input, bytes: Buffer.concat(parts).toString() });
      return playlistsOnly(() => {})(input, plan, outDir);
    };
    const queueEnv = { ...ENV, CHUNK_WORKERS: 'queue' };
    const queued = { ...deps(assets, new InMemoryChunkLedger(), new RecordingRunner(), queueEnv), encode };
    const probeAs = (found: SourceProbe) => async (file: string) => {
      probed.push(file);
      return found;
    };
    expect(await run({ ...queued, probe: probeAs(transportStream) })).toBe(0);
    // Probed over its URL (no index to chunk by), then read from ffmpeg's standard input as the download writes it.
    expect(probed.at(-1)).toMatch(/^https?:/);
    expect(fed).toEqual([{ input: 'pipe:0', bytes: 'pretend this is a video' }]);
    expect(assets.ready).toHaveLength(1);
    // An MP4 in one pass (too short to chunk: a 2 s first chunk and 5 s left) is read once downloaded: its index may
    // be at its end.
    fed.length = 0;
    const short = { ...SOURCE, durationSeconds: 7 };
    expect(await run({ ...queued, probe: probeAs(short) })).toBe(0);
    expect(fed).toEqual([{ input: expect.not.stringMatching(/^pipe:|^https?:/), bytes: '' }]);
  });

  it('stops the download of an MPEG-TS whose encode failed, rather than let it run on in the worker', async () => {
    const transportStream = { ...SOURCE, file: { container_format: 'mpegts', tracks: [] } };
    const endless = new PassThrough(); // a long source still arriving
    endless.write('the first bytes');
    s3.on(GetObjectCommand).callsFake(async (input) => {
      if (input.Range) return { Body: body(Buffer.from('p')), ContentRange: 'bytes 0-0/23' };
      return { Body: endless as unknown as GetObjectCommandOutput['Body'] };
    });
    const encode: TranscoderDeps['encode'] = async () => {
      throw new Error('ffmpeg failed (exit code 1): Invalid data found when processing input');
    };
    const queueEnv = { ...ENV, CHUNK_WORKERS: 'queue' };
    const failing = { ...deps(new FakeAssets(), new InMemoryChunkLedger(), new RecordingRunner(), queueEnv), encode };
    expect(await run({ ...failing, probe: async () => transportStream })).not.toBe(0);
    expect(endless.destroyed).toBe(true);
  });

  it('encodes a source too short for two chunks in one task, as without chunk tasks', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    const encode = playlistsOnly(() => {});
    const short = { ...deps(assets, ledger, runner), probe: async () => ({ ...SOURCE, durationSeconds: 13 }), encode };
    expect(await run(short)).toBe(0);
    expect(runner.jobs).toEqual([]);
    expect(await ledger.get(ASSET_ID)).toBeUndefined();
    expect(assets.ready).toHaveLength(1);
  });

  it('in one pass too, repeats the last still ffmpeg cut over the planned ones past the video’s end', async () => {
    const assets = new FakeAssets();
    // 13 s planned a still a second; the video's last frame is at 4 s, so ffmpeg cuts stills 0–4 only.
    const encode: TranscoderDeps['encode'] = async (input, plan, outDir, options) => {
      for (let i = 0; i < 5; i++) await write(join(outDir, stillFile(i)));
      return playlistsOnly(() => {})(input, plan, outDir, options);
    };
    const short = { ...deps(assets, new InMemoryChunkLedger(), new RecordingRunner()), encode };
    expect(await run({ ...short, probe: async () => ({ ...SOURCE, durationSeconds: 13 }) })).toBe(0);

    expect(assets.ready).toHaveLength(1);
    const still = (i: number) => objects.get(`assets/${ASSET_ID}/${stillFile(i)}`)?.toString();
    expect(keys().filter((k) => k.includes('/thumbnails/'))).toHaveLength(13);
    expect(still(4)).toMatch(/0004\.jpg$/);
    for (const i of [5, 12]) expect(still(i)).toBe(still(4));
  });

  it('encodes chunk 0 beside the decode check, and records, queues and publishes nothing before it passes', async () => {
    const assets = new FakeAssets();
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    let pass: () => void = () => {};
    const check = new Promise<void>((resolve) => {
      pass = resolve;
    });
    const seenAtEncode: { plans: boolean; jobs: number; published: number }[] = [];
    const chunk: ChunkEncoders['chunk'] = async (...args) => {
      const state = await ledger.get(ASSET_ID);
      seenAtEncode.push({ plans: state !== undefined, jobs: runner.jobs.length, published: keys().length });
      await fakeEncoders.chunk(...args);
      await new Promise((r) => setTimeout(r, 50)); // the check is still running as chunk 0's segments appear
      expect(keys()).toEqual([]);
      pass();
    };
    const d = {
      ...deps(assets, ledger, runner),
      probe: async (_file: string, options?: ProbeOptions) => {
        options?.deferDecodeCheck?.(check);
        return SOURCE;
      },
      chunkEncoders: { ...fakeEncoders, chunk },
    };
    expect(await run(d)).toBe(0);
    expect(seenAtEncode).toEqual([{ plans: false, jobs: 0, published: 0 }]);
    expect(runner.jobs.map((j) => j.chunk)).toEqual([{ index: 1 }, { index: 2 }]);
    expect((await ledger.get(ASSET_ID))?.done).toEqual([0]);
    expect(assets.playable).toBe(1);
  });

  it('errors as invalid_input a file the decode check refuses while chunk 0 encodes, leaving nothing behind', async () => {
    const assets = new FakeAssets();
    const errored: unknown[] = [];
    assets.repo.markErrored = async (_id, reason) => {
      errored.push(reason);
      return { id: ASSET_ID } as AssetRecord;
    };
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    const refusal = new InvalidInputError('The file could not be decoded: its video (h264) stream gives no picture');
    // The keyframe lookup answers only when stopped: the refusal stops it.
    let stopped = false;
    const d = {
      ...deps(assets, ledger, runner),
      probe: async (_file: string, options?: ProbeOptions) => {
        options?.deferDecodeCheck?.(Promise.reject(refusal));
        return SOURCE;
      },
      keyframes: (...[, , , , signal]: Parameters<TranscoderDeps['keyframes']>) =>
        new Promise<Map<number, number>>((resolve) => {
          signal?.addEventListener('abort', () => {
            stopped = true;
            resolve(new Map());
          });
        }),
      // ffmpeg fails on such a file in its own words; the check's reason is the one the asset gets.
      chunkEncoders: {
        ...fakeEncoders,
        chunk: async () => {
          throw new Error('ffmpeg failed (exit code 1): Invalid data found when processing input');
        },
      },
    };
    expect(await run(d)).toBe(2);
    expect(errored).toEqual([{ type: 'invalid_input', messages: [refusal.message] }]);
    expect(stopped).toBe(true);
    expect(await ledger.get(ASSET_ID)).toBeUndefined();
    expect(runner.jobs).toEqual([]);
    expect(keys()).toEqual([]);
    expect(assets.playable).toBe(0);
  });

  it.each([
    ['serves the source: the file is refused', true, 2, 1],
    ['does not serve it: the job fails, to be retried', false, 1, 0],
  ])('a read of the source over its URL that fails, when the store %s', async (_, served, code, refusals) => {
    if (served) s3.on(HeadObjectCommand).resolves({});
    else s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    const assets = new FakeAssets();
    const errored: unknown[] = [];
    assets.repo.markErrored = async (_id, reason) => {
      errored.push(reason);
      return { id: ASSET_ID } as AssetRecord;
    };
    const d = {
      ...deps(assets, new InMemoryChunkLedger(), new RecordingRunner()),
      probe: async () => {
        throw new InvalidInputError('The file could not be read as video or audio: Server returned 404 Not Found');
      },
    };
    expect(await run(d)).toBe(code);
    expect(errored).toHaveLength(refusals);
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({ Key: 'uploads/up1' });
  });

  it('fails a chunk task whose asset has no recorded plan', async () => {
    const assets = new FakeAssets();
    const env = { ...ENV, CHUNK_INDEX: '1' } as typeof ENV;
    expect(await run(deps(assets, new InMemoryChunkLedger(), new RecordingRunner(), env))).toBe(1);
  });
});
