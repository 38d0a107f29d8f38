/**
 * Static renditions: the request fields (Mux's `static_renditions`, the deprecated `mp4_support`), the files recorded
 * on a new asset and carried into its transcode job, the outcomes applied when the transcoder has written them, and
 * `/{playbackId}/{name}` redirecting into the asset's signed folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { CreateJobCommand, MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import Mux from '@mux/mux-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChunkEncoders } from '../../containers/transcoder/src/main.js';
import { run, type TranscoderDeps } from '../../containers/transcoder/src/main.js';
import { fromPlan } from '../../containers/transcoder/src/static-renditions.js';
import { DynamoAssetFiles } from '../../lambdas/core/adapters/dynamo-asset-files.js';
import { FargateRunner } from '../../lambdas/core/adapters/ecs-runner.js';
import { assumedSource, jobSettings, MediaConvertRunner } from '../../lambdas/core/adapters/mediaconvert-runner.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import { planLadder, type ResolutionTier, renditionNames } from '../../lambdas/core/domain/ladder.js';
import { type AssetRecord, toMuxAsset } from '../../lambdas/core/domain/media.js';
import {
  cappedResolution,
  mp4SupportOf,
  newStaticRenditionFile,
  type StaticRenditionFile,
  type StaticRenditionOutcome,
  settleFiles,
  staticFileNamed,
  staticRenditionFromPath,
  staticRenditionSource,
  staticRenditionsFor,
  toMuxStaticRenditions,
} from '../../lambdas/core/domain/static-renditions.js';
import type { MediaRepository } from '../../lambdas/core/ports.js';
import { assetIdForUpload, ingestObject, transcodeJobFor } from '../../lambdas/core/usecases/ingest.js';
import { type JobStateChange, mediaConvertJobChanged } from '../../lambdas/core/usecases/mediaconvert-status.js';
import { createSigningKey } from '../../lambdas/core/usecases/signing-keys.js';
import { type AssetFolderSigner, resolveStaticRendition } from '../../lambdas/core/usecases/static-renditions.js';
import { CreateUploadInput } from '../../lambdas/core/usecases/uploads.js';
import { CreateAssetInput, createAssetFromUrl } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { apiDocument } from '../../lambdas/handlers/api/routes.js';
import { createPlaybackHandler } from '../../lambdas/handlers/playback.js';
import { InMemoryInputSlots, InMemorySigningKeys } from './api-fakes.js';
import { InMemoryChunkLedger } from './chunk-fakes.js';
import { InMemoryMediaRepository, InMemoryObjects, preparingAsset, RecordingRunner, waitingUpload } from './fakes.js';

/** The transcoder's S3 client (one mock per class: both transcoder suites below set its behaviour per test). */
const s3 = mockClient(S3Client);

const settingsOf = (body: unknown) => parseOrThrow(CreateUploadInput, body).new_asset_settings;
const refusal = (schema: typeof CreateUploadInput | typeof CreateAssetInput, body: unknown) => {
  try {
    parseOrThrow(schema, body);
  } catch (err) {
    return (err as { messages?: string[] }).messages;
  }
  throw new Error('accepted');
};

describe('the request fields', () => {
  it("take Mux's static_renditions on an upload's new_asset_settings and on a new asset", () => {
    const requested = [{ resolution: 'highest' }, { resolution: 'audio-only', passthrough: 'podcast' }];
    expect(settingsOf({ new_asset_settings: { static_renditions: requested } }).static_renditions).toEqual(requested);
    const asset = parseOrThrow(CreateAssetInput, {
      inputs: [{ url: 'https://x.test/a.mp4' }],
      static_renditions: requested,
    });
    expect(asset.static_renditions).toEqual(requested);
  });

  it.each([
    ['capped-1080p', ['highest']],
    ['audio-only', ['audio-only']],
    ['audio-only,capped-1080p', ['highest', 'audio-only']],
    ['none', []],
  ])('keep the deprecated mp4_support %s as given, and make its files, reported back the Mux way', (value, made) => {
    const settings = settingsOf({ new_asset_settings: { mp4_support: value } });
    expect(settings.static_renditions).toBeUndefined();
    // `none` too: the upload echoes the settings as given (uploads.test.ts); it makes no file.
    expect(settings.mp4_support).toBe(value);
    const fields = staticRenditionsFor('asset1', settings);
    const files = fields.static_renditions ?? [];
    expect(files.map((f) => f.resolution)).toEqual(made);
    const muxAsset = toMuxAsset(preparingAsset(fields));
    expect(muxAsset.mp4_support).toBe(value);
    if (made.length === 0) return expect(muxAsset).not.toHaveProperty('static_renditions');
    // One aggregate status over them (Mux: renditions made by mp4_support share it); no mark of Gamma's shown.
    expect(muxAsset.static_renditions).toEqual({ status: 'preparing', files: expect.any(Array) });
    expect(JSON.stringify(muxAsset)).not.toContain('fromMp4Support');
    const settled = (status: StaticRenditionFile['status']) =>
      toMuxAsset(
        preparingAsset({ static_renditions: files.map((f, i) => ({ ...f, status: i === 0 ? status : 'ready' })) }),
      ).static_renditions?.status;
    expect([settled('ready'), settled('skipped'), settled('errored')]).toEqual(['ready', 'ready', 'errored']);
  });

  it('take mp4_support none with static_renditions (it enables nothing), the files being those asked for', () => {
    const settings = settingsOf({
      new_asset_settings: { mp4_support: 'none', static_renditions: [{ resolution: '720p' }] },
    });
    expect(settings).toMatchObject({ mp4_support: 'none', static_renditions: [{ resolution: '720p' }] });
    const files = staticRenditionsFor('asset1', settings).static_renditions;
    expect(files?.map((f) => [f.name, f.fromMp4Support])).toEqual([['720p.mp4', undefined]]);
    expect(toMuxAsset(preparingAsset({ static_renditions: files })).mp4_support).toBe('none');
  });

  it('report no aggregate status and mp4_support none for files asked through the Static Renditions API', () => {
    const files = staticRenditionsFor('asset1', { static_renditions: [{ resolution: 'highest' }] }).static_renditions;
    const muxAsset = toMuxAsset(preparingAsset({ static_renditions: files }));
    expect(muxAsset.mp4_support).toBe('none');
    expect(muxAsset.static_renditions).not.toHaveProperty('status');
  });

  it('refuse unknown resolutions, repeats, mp4_support standard, and both fields at once, naming the field', () => {
    expect(refusal(CreateUploadInput, { new_asset_settings: { static_renditions: [{ resolution: '4k' }] } })).toEqual([
      expect.stringMatching(
        /^new_asset_settings\.static_renditions\.0\.resolution: must be one of highest, audio-only/,
      ),
    ]);
    const twice = { static_renditions: [{ resolution: 'highest' }, { resolution: 'highest' }] };
    expect(refusal(CreateUploadInput, { new_asset_settings: twice })).toEqual([
      'new_asset_settings.static_renditions: must name each resolution at most once',
    ]);
    expect(refusal(CreateUploadInput, { new_asset_settings: { mp4_support: 'standard' } })).toEqual([
      expect.stringMatching(/^new_asset_settings\.mp4_support: must be one of none, capped-1080p/),
    ]);
    const both = { inputs: [{ url: 'https://x.test/a.mp4' }], mp4_support: 'audio-only', static_renditions: [] };
    expect(refusal(CreateAssetInput, both)).toEqual(['mp4_support: cannot be given with static_renditions']);
    const extra = { new_asset_settings: { static_renditions: [{ resolution: 'highest', type: 'advanced' }] } };
    expect(refusal(CreateUploadInput, extra)).toEqual([
      'new_asset_settings.static_renditions.0.type: is not a known field',
    ]);
  });

  it('are described in the OpenAPI document', () => {
    const doc = JSON.stringify(apiDocument());
    expect(doc).toContain('"static_renditions"');
    expect(doc).toContain('"mp4_support"');
    expect(doc).toContain('"audio-only"');
  });
});

describe('the files on the asset and in its transcode', () => {
  it('a direct upload with static renditions becomes an asset whose files are preparing; its job names them', async () => {
    const media = new InMemoryMediaRepository();
    const runner = new RecordingRunner();
    const settings = settingsOf({
      new_asset_settings: { playback_policies: ['public'], static_renditions: [{ resolution: 'highest' }] },
    });
    await media.putUpload(waitingUpload({ new_asset_settings: settings }));
    await ingestObject(
      { bucket: 'ingest', key: 'uploads/upload1' },
      {
        media,
        runner,
        ingestBucket: 'ingest',
        outputBucket: 'out',
        maxUploadBytes: 1e9,
        objects: new InMemoryObjects(),
      },
    );
    const asset = await media.getAsset(assetIdForUpload('upload1'));
    expect(asset?.static_renditions).toEqual([
      {
        id: expect.any(String),
        type: 'standard',
        resolution: 'highest',
        name: 'highest.mp4',
        ext: 'mp4',
        status: 'preparing',
      },
    ]);
    expect(runner.jobs[0]?.staticRenditions).toEqual(['highest']);
    expect(toMuxAsset(asset as AssetRecord).static_renditions).toEqual({ files: asset?.static_renditions });
  });

  it('an asset without the setting has no static_renditions and its job names none', async () => {
    const asset = preparingAsset();
    expect(toMuxAsset(asset)).not.toHaveProperty('static_renditions');
    expect(transcodeJobFor(asset, 'out')).not.toHaveProperty('staticRenditions');
  });

  it('an asset from an input URL records its files too', async () => {
    const media = new InMemoryMediaRepository();
    const input = parseOrThrow(CreateAssetInput, {
      inputs: [{ url: 'https://93.184.216.34/a.mp4' }],
      mp4_support: 'audio-only',
    });
    const created = await createAssetFromUrl(input, {
      ...{
        env: 'env1',
        media,
        inputs: { submit: async () => {} },
        slots: new InMemoryInputSlots(),
        ingestBucket: 'ingest',
        transcoder: 'fargate' as const,
      },
      resolve: async () => ['93.184.216.34'],
    });
    // Mux lists mp4_support's files once ready, under the one aggregate status.
    expect(created.static_renditions).toEqual({ status: 'preparing', files: [] });
    expect((await media.getAsset(created.id))?.static_renditions?.map((f) => [f.name, f.status])).toEqual([
      ['audio.m4a', 'preparing'],
    ]);
  });

  it('file ids are derived from the asset and the resolution (a re-created asset gets the same ones)', () => {
    const a = staticRenditionsFor('asset1', { static_renditions: [{ resolution: 'highest' }] }).static_renditions?.[0]
      ?.id;
    expect(a).toBe(
      staticRenditionsFor('asset1', { static_renditions: [{ resolution: 'highest' }] }).static_renditions?.[0]?.id,
    );
    expect(a).not.toBe(
      staticRenditionsFor('asset2', { static_renditions: [{ resolution: 'highest' }] }).static_renditions?.[0]?.id,
    );
  });

  it('the Fargate runner passes them to the task as STATIC_RENDITIONS', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }] });
    const runner = new FargateRunner(new ECSClient({}), {
      ...{ cluster: 'c', taskDefinition: 't', containerName: 'transcoder', subnets: ['s'], securityGroups: ['g'] },
    });
    await runner.start({ ...transcodeJobFor(preparingAsset(), 'out'), staticRenditions: ['highest', 'audio-only'] });
    const env = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment;
    expect(env).toContainEqual({ name: 'STATIC_RENDITIONS', value: 'highest,audio-only' });
    ecs.restore();
  });
});

describe('which stored rendition a file is remuxed from', () => {
  const plan = planLadder({
    durationSeconds: 10,
    video: { width: 1920, height: 1080, fps: 30 },
    audio: { channels: 2 },
  });

  it('highest is the top rung, a size its rung, audio-only the smallest rung (the same audio, the least to read)', () => {
    expect(staticRenditionSource('highest', plan)).toMatchObject({ rendition: '1080p', streams: 'video+audio' });
    expect(staticRenditionSource('720p', plan)).toMatchObject({ rendition: '720p', rung: { height: 720 } });
    expect(staticRenditionSource('audio-only', plan)).toEqual({ rendition: '360p', streams: 'audio' });
  });

  it('a size the ladder lacks, video of an audio-only asset and audio of a silent one are skipped', () => {
    expect(staticRenditionSource('2160p', plan)).toBeUndefined();
    const audioOnly = planLadder({ durationSeconds: 10, audio: { channels: 2 } });
    expect(staticRenditionSource('highest', audioOnly)).toBeUndefined();
    expect(staticRenditionSource('audio-only', audioOnly)).toEqual({ rendition: 'audio', streams: 'audio' });
    const silent = planLadder({ durationSeconds: 10, video: { width: 640, height: 360, fps: 30 } });
    expect(staticRenditionSource('audio-only', silent)).toBeUndefined();
  });
});

describe("mp4_support's capped-1080p MP4 is at most 1080p", () => {
  const planFor = (width: number, height: number, maxResolutionTier?: ResolutionTier) =>
    planLadder(
      { durationSeconds: 10, video: { width, height, fps: 30 }, audio: { channels: 2 } },
      maxResolutionTier ? { maxResolutionTier } : {},
    );

  it.each([
    ['a 2160p source, default tier', [3840, 2160, undefined], 'highest', [1920, 1080]],
    ['a 1080p source, 2160p tier', [1920, 1080, '2160p'], 'highest', [1920, 1080]],
    ['a 720p source, 2160p tier', [1280, 720, '2160p'], 'highest', [1280, 720]],
    ['a source under every tier, 2160p tier', [320, 180, '2160p'], 'highest', [320, 180]],
    ['a 1440p source, 1440p tier', [2560, 1440, '1440p'], '1080p', [1920, 1080]],
    ['a 2160p source, 2160p tier', [3840, 2160, '2160p'], '1080p', [1920, 1080]],
    ['a portrait 2160p source, 2160p tier', [2160, 3840, '2160p'], '1080p', [1080, 1920]],
  ] as const)('%s: the file is %s, remuxed from a rung of %j', (_case, [width, height, tier], resolution, size) => {
    const plan = planFor(width, height, tier);
    const names = renditionNames(plan);
    expect(cappedResolution(names)).toBe(resolution);
    // The task's choice: a stored rung, never above 1080p on its short side (no second encode).
    expect(fromPlan(plan)('capped-1080p')).toMatchObject({
      resolution,
      from: { streams: 'video+audio', rung: { width: size[0], height: size[1] } },
    });
    // The Static Renditions API's `highest` stays the top rung.
    expect(fromPlan(plan)('highest').from?.rendition).toBe(names.at(-1));
  });

  it('an audio-only asset has none to make (skipped, as highest is)', () => {
    const plan = planLadder({ durationSeconds: 10, audio: { channels: 2 } });
    expect(fromPlan(plan)('capped-1080p')).toEqual({ resolution: 'highest', from: undefined });
  });

  it('a new asset made with 1440p or 2160p records it as 1080p, and its transcode names it capped-1080p', () => {
    const settings = settingsOf({
      new_asset_settings: { mp4_support: 'audio-only,capped-1080p', max_resolution_tier: '2160p' },
    });
    const files = staticRenditionsFor('asset1', settings).static_renditions ?? [];
    expect(files.map((f) => [f.resolution, f.name, f.status])).toEqual([
      ['1080p', '1080p.mp4', 'preparing'],
      ['audio-only', 'audio.m4a', 'preparing'],
    ]);
    const asset = preparingAsset({ max_resolution_tier: '2160p', static_renditions: files });
    expect(transcodeJobFor(asset, 'out').staticRenditions).toEqual(['capped-1080p', 'audio-only']);
    const muxAsset = toMuxAsset(asset);
    expect(muxAsset).toMatchObject({
      mp4_support: 'audio-only,capped-1080p',
      static_renditions: { status: 'preparing' },
    });
    expect(JSON.stringify(muxAsset)).not.toContain('fromMp4Support');
    // Its id is its own, not the one a 1080p or highest file of the Static Renditions API gets.
    const apiIds = (['1080p', 'highest'] as const).map(
      (resolution) => staticRenditionsFor('asset1', { static_renditions: [{ resolution }] }).static_renditions?.[0]?.id,
    );
    expect(apiIds).not.toContain(files[0]?.id);
    // With the default tier (or 1080p) the ladder cannot pass 1080p: it is highest.mp4, as before.
    for (const tier of [undefined, '1080p'] as const) {
      const plain = staticRenditionsFor('asset1', { mp4_support: 'capped-1080p', max_resolution_tier: tier });
      expect(plain.static_renditions?.map((f) => f.name)).toEqual(['highest.mp4']);
    }
  });

  it('the outcome gives the recorded file the rung the task chose, keeping its id and its mark', () => {
    const [capped] = staticRenditionsFor('asset1', { mp4_support: 'capped-1080p', max_resolution_tier: '2160p' })
      .static_renditions as StaticRenditionFile[];
    const small = settleFiles(
      [capped as StaticRenditionFile],
      [{ resolution: 'highest', status: 'ready', cappedMp4: true, width: 1280, height: 720, filesize: 10 }],
    );
    expect(small).toEqual([
      {
        ...capped,
        ...{ resolution: 'highest', name: 'highest.mp4', status: 'ready', resolution_tier: '720p' },
        ...{ width: 1280, height: 720, filesize: '10' },
      },
    ]);
    expect(mp4SupportOf(small)).toBe('capped-1080p');
    expect(staticFileNamed(small, 'capped-1080p.mp4')?.name).toBe('highest.mp4');
    const big = settleFiles(
      [capped as StaticRenditionFile],
      [{ resolution: '1080p', status: 'ready', cappedMp4: true, width: 1920, height: 1080 }],
    );
    expect(big).toMatchObject([{ id: capped?.id, resolution: '1080p', name: '1080p.mp4', resolution_tier: '1080p' }]);
    // An outcome of the Static Renditions API's highest is not the capped MP4's.
    expect(settleFiles(big, [{ resolution: 'highest', status: 'errored' }])).toEqual(big);
  });

  it("reports mp4_support's files as Mux does: by name once ready, without the Static Renditions API's fields", () => {
    const [capped, audio] = staticRenditionsFor('asset1', { mp4_support: 'audio-only,capped-1080p' })
      .static_renditions as StaticRenditionFile[];
    const preparing = [capped, audio] as StaticRenditionFile[];
    expect(toMuxStaticRenditions(preparing)).toEqual({ status: 'preparing', files: [] });
    const settled = settleFiles(preparing, [
      { resolution: 'highest', status: 'ready', cappedMp4: true, width: 1920, height: 1080, bitrate: 5e6, filesize: 9 },
      { resolution: 'audio-only', status: 'errored' },
    ]);
    expect(toMuxStaticRenditions(settled)).toEqual({
      status: 'errored',
      files: [{ name: 'capped-1080p.mp4', ext: 'mp4', width: 1920, height: 1080, bitrate: 5e6, filesize: '9' }],
    });
    // The Static Renditions API's files keep their own fields and status, and no aggregate one.
    const own = staticRenditionsFor('asset1', { static_renditions: [{ resolution: 'highest' }] }).static_renditions;
    expect(toMuxStaticRenditions(own ?? [])).toEqual({
      files: [expect.objectContaining({ id: expect.any(String), name: 'highest.mp4', status: 'preparing' })],
    });
  });
});

describe('recording the outcomes', () => {
  const files = staticRenditionsFor('asset1', {
    static_renditions: [
      { resolution: 'highest', passthrough: 'p' },
      { resolution: 'audio-only' },
      { resolution: '2160p' },
    ],
  }).static_renditions as StaticRenditionFile[];

  it("applies each outcome to its file in Mux's shape (filesize a string, tier from the size)", () => {
    const settled = settleFiles(files, [
      { resolution: 'highest', status: 'ready', width: 1280, height: 720, bitrate: 2_000_000, filesize: 2_500_000 },
      { resolution: 'audio-only', status: 'errored' },
      { resolution: '2160p', status: 'skipped' },
    ]);
    expect(settled[0]).toEqual({
      ...files[0],
      status: 'ready',
      resolution_tier: '720p',
      width: 1280,
      height: 720,
      bitrate: 2_000_000,
      filesize: '2500000',
    });
    expect(settled.slice(1).map((f) => f.status)).toEqual(['errored', 'skipped']);
    expect(settled[0]?.passthrough).toBe('p');
  });

  it('writes the settled list onto a ready asset, and refuses one that is no longer ready', async () => {
    const doc = mockClient(DynamoDBDocumentClient);
    doc.on(GetCommand).resolves({ Item: { status: 'ready', static_renditions: files } });
    doc.on(UpdateCommand).resolves({});
    const store = new DynamoAssetFiles(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');
    await store.record('asset1', [{ resolution: '2160p', status: 'skipped' }]);
    const update = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    // Guarded by the list's version too: a write that read an older list loses and reads again.
    expect(update?.ConditionExpression).toBe('#status = :ready AND attribute_not_exists(files_version)');
    expect(update?.Key).toEqual({ pk: 'asset#asset1' });
    const written = (update?.ExpressionAttributeValues?.[':files'] ?? []) as StaticRenditionFile[];
    expect(written.map((f) => f.status)).toEqual(['preparing', 'preparing', 'skipped']);
    doc.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(store.record('asset1', [])).rejects.toBeInstanceOf(TransitionError);
    doc.restore();
  });
});

describe('GET /{playbackId}/{name}', () => {
  const signer: AssetFolderSigner = {
    sign: async (assetId, files, expiresAt) => `Policy=${assetId}/${files}&Expires=${expiresAt}`,
  };
  let media: InMemoryMediaRepository;
  let signingKeys: InMemorySigningKeys;

  const ready = (status: StaticRenditionFile['status'] = 'ready') =>
    (staticRenditionsFor('asset1', { static_renditions: [{ resolution: 'highest' }] }).static_renditions ?? []).map(
      (f) => ({ ...f, status }),
    );

  beforeEach(async () => {
    media = new InMemoryMediaRepository();
    signingKeys = new InMemorySigningKeys();
  });

  async function withAsset(overrides: Partial<AssetRecord>) {
    await media.createAsset(
      preparingAsset({
        status: 'ready',
        playback_ids: [
          { id: 'public1', policy: 'public' },
          { id: 'signed1', policy: 'signed' },
        ],
        ...overrides,
      }),
    );
  }

  const get = (playbackId: string, name: string, token?: string) =>
    resolveStaticRendition(
      { playbackId, name, ...(token && { token }) },
      { media, signer, signingKeys, nowSeconds: 1000 },
    );

  it("answers Mux's name capped-1080p.mp4 for the MP4 mp4_support made, and only for that one", async () => {
    const files = (mp4: boolean) =>
      (
        staticRenditionsFor(
          'asset1',
          mp4 ? { mp4_support: 'capped-1080p' } : { static_renditions: [{ resolution: 'highest' }] },
        ).static_renditions ?? []
      ).map((f) => ({ ...f, status: 'ready' as const }));
    await withAsset({ static_renditions: files(true) });
    expect(await get('public1', 'capped-1080p.mp4')).toMatchObject({
      status: 302,
      location: expect.stringMatching(/^\/assets\/asset1\/highest\.mp4\?/),
    });
    expect(await get('public1', 'highest.mp4')).toMatchObject({ status: 302 });
    media = new InMemoryMediaRepository();
    await withAsset({ static_renditions: files(false) });
    expect(await get('public1', 'capped-1080p.mp4')).toMatchObject({ status: 404 });
    expect(staticRenditionFromPath('/public1/capped-1080p.mp4')).toEqual({
      playbackId: 'public1',
      name: 'capped-1080p.mp4',
    });
  });

  it('capped-1080p.mp4 is the 1080p file of a ladder above 1080p, not its highest.mp4', async () => {
    const top = { ...newStaticRenditionFile('asset1', { resolution: 'highest' }), status: 'ready' as const };
    const capped = { ...newStaticRenditionFile('asset1', { resolution: '1080p' }, true), status: 'ready' as const };
    await withAsset({ max_resolution_tier: '2160p', renditions: ['1080p', '2160p'], static_renditions: [top, capped] });
    expect(await get('public1', 'capped-1080p.mp4')).toMatchObject({
      status: 302,
      location: expect.stringMatching(/^\/assets\/asset1\/1080p\.mp4\?Policy=asset1\/1080p\.mp4&/),
    });
    expect(await get('public1', 'highest.mp4')).toMatchObject({
      location: expect.stringMatching(/^\/assets\/asset1\/highest\.mp4\?/),
    });
    const muxAsset = toMuxAsset((await media.getAsset('asset1')) as AssetRecord);
    expect(muxAsset).toMatchObject({ mp4_support: 'capped-1080p', static_renditions: { status: 'ready' } });
    expect(JSON.stringify(muxAsset)).not.toContain('fromMp4Support');
  });

  it('the playback function answers the redirect (HEAD too), and a refusal in words', async () => {
    await withAsset({ static_renditions: ready() });
    const handler = createPlaybackHandler(() => ({ media, signer, signingKeys }) as never);
    const request = (method: string, rawPath: string) =>
      handler({ rawPath, rawQueryString: '', requestContext: { http: { method } } } as never);
    for (const method of ['GET', 'HEAD']) {
      const response = await request(method, '/public1/highest.mp4');
      expect(response.statusCode).toBe(302);
      expect(response.headers?.location).toMatch(
        /^\/assets\/asset1\/highest\.mp4\?Policy=asset1\/highest\.mp4&Expires=\d+$/,
      );
    }
    expect(await request('GET', '/signed1/highest.mp4')).toMatchObject({ statusCode: 403 });
    expect(await request('GET', '/public1/720p.mp4')).toMatchObject({
      statusCode: 404,
      body: 'The asset has no static rendition 720p.mp4',
    });
  });

  it('parses only static rendition names', () => {
    expect(staticRenditionFromPath('/abc123XYZ/highest.mp4')).toEqual({ playbackId: 'abc123XYZ', name: 'highest.mp4' });
    expect(staticRenditionFromPath('/abc123XYZ/audio.m4a')).toEqual({ playbackId: 'abc123XYZ', name: 'audio.m4a' });
    expect(staticRenditionFromPath('/abc123XYZ/720p.mp4')).toEqual({ playbackId: 'abc123XYZ', name: '720p.mp4' });
    expect(staticRenditionFromPath('/abc123XYZ/video.mp4')).toBeUndefined();
    expect(staticRenditionFromPath('/abc123XYZ/thumbnail.jpg')).toBeUndefined();
    expect(staticRenditionFromPath('/assets/abc/highest.mp4')).toBeUndefined();
  });

  it("a public playback id is redirected to the file in the asset's folder, signed for that file alone", async () => {
    await withAsset({ static_renditions: ready() });
    const result = await get('public1', 'highest.mp4');
    expect(result).toEqual({
      status: 302,
      location: `/assets/asset1/highest.mp4?Policy=asset1/highest.mp4&Expires=${Math.ceil((1000 + 86400) / 3600) * 3600}`,
      cacheControl: 'public, max-age=3600',
    });
  });

  it('a file not ready is 412, one not asked for 404, an unknown or deleted playback id 404', async () => {
    await withAsset({ static_renditions: ready('preparing') });
    expect(await get('public1', 'highest.mp4')).toEqual({
      status: 412,
      message: 'The static rendition highest.mp4 is preparing',
    });
    expect((await get('public1', 'audio.m4a')).status).toBe(404);
    expect((await get('nobody', 'highest.mp4')).status).toBe(404);
  });

  it('a signed playback id needs a token for audience v, and the signature ends with it', async () => {
    await withAsset({ static_renditions: ready() });
    const key = await createSigningKey({ env: 'env1', signingKeys });
    const mux = new Mux({ tokenId: 'x', tokenSecret: 'y' });
    const sign = (type: 'video' | 'thumbnail') =>
      mux.jwt.signPlaybackId('signed1', { keyId: key.id, keySecret: key.private_key, type, expiration: '60s' });
    expect((await get('signed1', 'highest.mp4')).status).toBe(403);
    expect((await get('signed1', 'highest.mp4', await sign('thumbnail'))).status).toBe(403);
    const token = await sign('video');
    const exp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).exp;
    const result = await resolveStaticRendition(
      { playbackId: 'signed1', name: 'highest.mp4', token },
      {
        media,
        signer,
        signingKeys,
      },
    );
    expect(result).toEqual({
      status: 302,
      location: `/assets/asset1/highest.mp4?Policy=asset1/highest.mp4&Expires=${exp}`,
      cacheControl: 'private, no-store',
    });
  });
});

describe('MediaConvert mode', () => {
  const job = { ...transcodeJobFor(preparingAsset(), 'out'), staticRenditions: ['highest', 'audio-only', '2160p'] };
  const plan = planLadder(assumedSource());

  it('adds a File group per static rendition the ladder has, named as Mux names the file, index first', () => {
    const groups = jobSettings(job as never, plan).OutputGroups ?? [];
    expect(groups.map((g) => g.OutputGroupSettings?.FileGroupSettings?.Destination)).toEqual([
      undefined, // the HLS group
      's3://out/assets/asset1/highest',
      's3://out/assets/asset1/audio',
    ]);
    const [mp4, m4a] = groups.slice(1).map((g) => g.Outputs?.[0]);
    expect(mp4).toMatchObject({
      Extension: 'mp4',
      ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } },
      VideoDescription: { Width: 1920, Height: 1080, CodecSettings: { Codec: 'H_264' } },
      AudioDescriptions: [{ CodecSettings: { Codec: 'AAC' } }],
    });
    expect(m4a).toMatchObject({ Extension: 'm4a', AudioDescriptions: [{ CodecSettings: { Codec: 'AAC' } }] });
    expect(m4a).not.toHaveProperty('VideoDescription');
    expect(jobSettings(transcodeJobFor(preparingAsset(), 'out'), plan).OutputGroups).toHaveLength(1);
  });

  it.each([
    ['2160p', '1080p'],
    ['1440p', '1080p'],
    [undefined, 'highest'],
  ] as const)(
    'writes capped-1080p with max_resolution_tier %s as the file the asset recorded, %s.mp4',
    async (tier, name) => {
      const asset = preparingAsset({
        ...(tier && { max_resolution_tier: tier }),
        ...staticRenditionsFor('asset1', { mp4_support: 'capped-1080p', max_resolution_tier: tier }),
      });
      expect(asset.static_renditions?.map((f) => f.name)).toEqual([`${name}.mp4`]);
      const mediaConvert = mockClient(MediaConvertClient);
      mediaConvert.on(CreateJobCommand).resolves({ Job: { Id: 'job1', Role: 'r', Settings: {} } });
      const runner = new MediaConvertRunner(new MediaConvertClient({ region: 'eu-west-1' }), { roleArn: 'role' });
      await runner.start(transcodeJobFor(asset, 'out'));
      const groups = mediaConvert.commandCalls(CreateJobCommand)[0]?.args[0].input.Settings?.OutputGroups ?? [];
      mediaConvert.restore();
      expect(groups[1]?.OutputGroupSettings?.FileGroupSettings?.Destination).toBe(`s3://out/assets/asset1/${name}`);
      expect(groups[1]?.Outputs?.[0]?.VideoDescription).toMatchObject({ Width: 1920, Height: 1080 });
    },
  );

  it('records the files the job wrote as ready with their size, and the one it could not write as skipped', async () => {
    const media = new InMemoryMediaRepository();
    const requested = [{ resolution: 'highest' }, { resolution: 'audio-only' }, { resolution: '2160p' }] as const;
    await media.createAsset(preparingAsset(staticRenditionsFor('asset1', { static_renditions: [...requested] })));
    const recorded: unknown[] = [];
    const file = (name: string, video?: { widthInPx: number; heightInPx: number }) => ({
      outputFilePaths: [`s3://out/assets/asset1/${name}`],
      durationInMs: 4000,
      ...(video && { videoDetails: video }),
    });
    const event: JobStateChange = {
      status: 'COMPLETE',
      jobId: 'job1',
      userMetadata: { gammaAssetId: 'asset1', gammaOutputBucket: 'out' },
      outputGroupDetails: [
        { outputDetails: [file('master_1080p.m3u8', { widthInPx: 1920, heightInPx: 1080 })] },
        { outputDetails: [file('highest.mp4', { widthInPx: 1920, heightInPx: 1080 })] },
        { outputDetails: [file('audio.m4a')] },
      ],
    };
    const staticRenditions = { record: async (_id: string, outcomes: unknown) => void recorded.push(outcomes) };
    await mediaConvertJobChanged(event, { media, staticRenditions });
    expect(recorded).toEqual([
      [
        { resolution: 'highest', status: 'ready', width: 1920, height: 1080 },
        { resolution: 'audio-only', status: 'ready' },
        { resolution: '2160p', status: 'skipped' },
      ],
    ]);
  });
});

describe('the transcoder task', () => {
  const env = {
    ...{ MEDIA_TABLE: 'media', OUTPUT_BUCKET: 'out', ASSET_ID: 'asset1' },
    ...{ SOURCE_BUCKET: 'ingest', SOURCE_KEY: 'uploads/u1' },
  };
  const events: string[] = [];
  const repo = {
    markReady: async () => void events.push('ready'),
    markPlayable: async () => {},
  } as unknown as MediaRepository;
  /** Writes files that are not media where ffmpeg would write the ladder, so a remux of them fails. */
  const encode: TranscoderDeps['encode'] = async (_input, plan, outDir) => {
    for (const name of renditionNames(plan)) {
      await mkdir(join(outDir, name), { recursive: true });
      await writeFile(join(outDir, name, 'index.m3u8'), '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4,\ns0.m4s\n');
      await writeFile(join(outDir, name, 'init.mp4'), 'not an init segment');
      await writeFile(join(outDir, name, 's0.m4s'), 'not a segment');
    }
    await writeFile(join(outDir, 'master.m3u8'), '#EXTM3U\n');
    return [];
  };
  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    events.length = 0;
    s3.reset();
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('source')]) as never });
    s3.on(PutObjectCommand).resolves({});
  });

  const transcode = (STATIC_RENDITIONS: string) =>
    run({
      env: { ...env, STATIC_RENDITIONS },
      repo,
      s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), // chunk jobs presign their source URL
      probe: async () => ({ durationSeconds: 4, video: { width: 640, height: 360, fps: 30 }, audio: { channels: 2 } }),
      encode,
      staticRenditions: { record: async (_id, outcomes) => void events.push(JSON.stringify(outcomes)) },
    });

  it('writes them after marking the asset ready; one that fails is errored and the task still succeeds', async () => {
    expect(await transcode('highest,2160p')).toBe(0);
    expect(events).toEqual([
      'ready',
      JSON.stringify([
        { resolution: 'highest', status: 'errored' },
        { resolution: '2160p', status: 'skipped' },
      ]),
    ]);
  });

  it.each([
    [{ width: 3840, height: 2160 }, '1080p'],
    [{ width: 1280, height: 720 }, 'highest'],
  ])('writes capped-1080p of a 2160p-tier asset from a %j source as %s', async (size, resolution) => {
    const outcomes: StaticRenditionOutcome[][] = [];
    const code = await run({
      env: { ...env, STATIC_RENDITIONS: 'capped-1080p', MAX_RESOLUTION_TIER: '2160p' },
      repo,
      s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
      probe: async () => ({ durationSeconds: 4, video: { ...size, fps: 30 }, audio: { channels: 2 } }),
      encode,
      staticRenditions: { record: async (_id, written) => void outcomes.push([...written]) },
    });
    expect(code).toBe(0);
    // The rung the file is made of is read (the stand-in bytes fail the remux, so it is errored), under its name.
    expect(outcomes).toEqual([[{ resolution, status: 'errored', cappedMp4: true }]]);
  });

  it('refuses a STATIC_RENDITIONS naming an unknown resolution', async () => {
    expect(await transcode('highest,4k')).toBe(1);
    expect(events).toEqual([]);
  });

  afterEach(() => vi.unstubAllEnvs());
});

describe('the transcoder with chunk tasks (CHUNK_WORKERS=tasks)', () => {
  const env = {
    ...{ MEDIA_TABLE: 'media', OUTPUT_BUCKET: 'out', ASSET_ID: 'asset1', SOURCE_BUCKET: 'ingest' },
    ...{ SOURCE_KEY: 'uploads/u1', CHUNK_WORKERS: 'tasks', CHUNK_PARALLELISM: '2', CHUNK_MIN_SECONDS: '12' },
    STATIC_RENDITIONS: 'highest',
  };
  const bucket = new Map<string, Buffer>();
  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    bucket.clear();
    s3.reset();
    s3.on(PutObjectCommand).callsFake(async (input) => void bucket.set(input.Key, Buffer.from(input.Body)));
    s3.on(GetObjectCommand).callsFake(async (input) => {
      const bytes = bucket.get(input.Key) ?? Buffer.from('source');
      return { Body: Object.assign(Readable.from([bytes]), { transformToString: async () => bytes.toString() }) };
    });
    s3.on(DeleteObjectsCommand).resolves({});
  });
  afterEach(() => vi.unstubAllEnvs());

  /** Writes one chunk as ffmpeg names its files (the bytes are not media, so the remux fails). */
  const encoders: ChunkEncoders = {
    audio: async (_input, _plan, chunk, _at, dir) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `a${chunk.index}`), 'a');
      return join(dir, `a${chunk.index}`);
    },
    chunk: async (_input, plan, outDir, chunk) => {
      for (const name of renditionNames(plan)) {
        await mkdir(join(outDir, name), { recursive: true });
        const uris = Array.from({ length: chunk.segmentCount }, (_, i) => `s${chunk.firstSegment + i}.m4s`);
        for (const uri of [...uris, 'init.mp4']) await writeFile(join(outDir, name, uri), uri);
        const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:6', '#EXT-X-MAP:URI="init.mp4"'];
        lines.push(...uris.flatMap((u) => ['#EXTINF:6.0,', u]), '#EXT-X-ENDLIST');
        await writeFile(join(outDir, name, 'index.m3u8'), lines.join('\n'));
      }
    },
    storyboard: async () => {},
  };

  it('the chunk tasks are started with them, and the task that finishes the asset writes them from the bucket', async () => {
    const ledger = new InMemoryChunkLedger();
    const runner = new RecordingRunner();
    const recorded: StaticRenditionOutcome[][] = [];
    const ready: string[] = [];
    const deps = (extra: Record<string, string> = {}): Partial<TranscoderDeps> => ({
      env: { ...env, ...extra },
      repo: { markReady: async () => void ready.push('ready'), markPlayable: async () => {} } as never,
      s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), // chunk jobs presign their source URL
      probe: async () => ({ durationSeconds: 30, video: { width: 640, height: 360, fps: 30 }, audio: { channels: 2 } }),
      chunks: ledger,
      runner: () => runner,
      chunkEncoders: encoders,
      staticRenditions: { record: async (_id, outcomes) => void recorded.push([...outcomes]) },
    });
    expect(await run(deps())).toBe(0);
    expect(runner.jobs.map((j) => [j.chunk?.index, j.staticRenditions])).toEqual([[1, ['highest']]]);
    expect(recorded).toEqual([]);
    expect(await run(deps({ CHUNK_INDEX: '1' }))).toBe(0);
    expect(ready).toEqual(['ready']);
    // The finisher read the joined rung back from the bucket: its playlist and segments, not its own chunk alone.
    const reads = s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key);
    expect(reads).toContain('assets/asset1/360p/index.m3u8');
    expect(reads).toContain('assets/asset1/360p/s0.m4s');
    expect(recorded).toEqual([[{ resolution: 'highest', status: 'errored' }]]);
  });
});
