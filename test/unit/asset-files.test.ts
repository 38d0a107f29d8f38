/**
 * An asset's files after creation (usecases/asset-files.ts): static renditions added and deleted, `mp4_support`
 * translated, master access turned on and off, the expiry sweep; and the events those changes send.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../../lambdas/core/domain/errors.js';
import { type AssetRecord, toMuxAsset } from '../../lambdas/core/domain/media.js';
import {
  newStaticRenditionFile,
  type StaticRenditionFile,
  staticFileNamed,
  staticRenditionsFor,
  withAddedFiles,
} from '../../lambdas/core/domain/static-renditions.js';
import {
  type AssetFilesContext,
  createStaticRendition,
  deleteStaticRendition,
  expireMasters,
  UpdateMp4SupportInput,
  updateMasterAccess,
  updateMp4Support,
} from '../../lambdas/core/usecases/asset-files.js';
import { messagesFor } from '../../lambdas/core/usecases/notify.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryAssetFiles } from './asset-files-fakes.js';
import { InMemoryMediaRepository, InMemoryObjects, preparingAsset, RecordingRunner } from './fakes.js';

/** A ready 640x360 asset with audio, as the transcoder leaves it. */
const readyAsset = (overrides: Partial<AssetRecord> = {}): AssetRecord =>
  preparingAsset({
    status: 'ready',
    duration: 4,
    renditions: ['360p'],
    tracks: [
      { id: 'v', type: 'video', max_width: 640, max_height: 360, max_frame_rate: 30, duration: 4 },
      { id: 'a', type: 'audio', max_channels: 2, duration: 4, primary: true },
    ],
    ...overrides,
  });

let media: InMemoryMediaRepository;
let files: InMemoryAssetFiles;
let runner: RecordingRunner;
let objects: InMemoryObjects;
let ctx: AssetFilesContext;

async function seed(asset: AssetRecord) {
  await media.createAsset(asset);
}

const stored = async () => (await media.getAsset('asset1')) as AssetRecord;

beforeEach(() => {
  media = new InMemoryMediaRepository();
  files = new InMemoryAssetFiles(media);
  runner = new RecordingRunner();
  objects = new InMemoryObjects();
  ctx = { env: 'env1', media, files, runner, objects, outputBucket: 'out' };
});

describe('static renditions after creation', () => {
  it('records the file preparing and starts a task that remuxes it from the stored rung', async () => {
    await seed(readyAsset());
    const file = await createStaticRendition('asset1', { resolution: 'highest', passthrough: 'p' }, ctx);
    expect(file).toMatchObject({ name: 'highest.mp4', ext: 'mp4', status: 'preparing', passthrough: 'p' });
    expect((await stored()).static_renditions).toEqual([file]);
    expect(runner.jobs).toEqual([
      expect.objectContaining({ assetId: 'asset1', mode: 'static_renditions', staticRenditions: ['highest'] }),
    ]);
  });

  it('records a resolution the asset has no rung for as skipped, and starts no task', async () => {
    await seed(readyAsset());
    expect((await createStaticRendition('asset1', { resolution: '1080p' }, ctx)).status).toBe('skipped');
    await seed(readyAsset({ id: 'silent', tracks: [] }));
    expect((await createStaticRendition('silent', { resolution: 'audio-only' }, ctx)).status).toBe('skipped');
    expect(runner.jobs).toEqual([]);
  });

  it('refuses a second file of a resolution, and an asset that is not ready, by name', async () => {
    await seed(readyAsset());
    await createStaticRendition('asset1', { resolution: 'highest' }, ctx);
    await expect(createStaticRendition('asset1', { resolution: 'highest' }, ctx)).rejects.toThrow(
      'resolution: the asset already has a highest static rendition',
    );
    await seed(preparingAsset({ id: 'busy' }));
    await expect(createStaticRendition('busy', { resolution: 'highest' }, ctx)).rejects.toThrow(
      'the asset is preparing',
    );
    await expect(createStaticRendition('other', { resolution: 'highest' }, ctx)).rejects.toThrow('not found');
  });

  it('undoes the record when the runner cannot do such a task, and errors it when starting failed', async () => {
    await seed(readyAsset());
    runner.failWith = new ValidationError(['static_renditions: is not supported by this deployment']);
    await expect(createStaticRendition('asset1', { resolution: 'highest' }, ctx)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect((await stored()).static_renditions).toEqual([]);
    runner.failWith = new Error('RunTask failed');
    await expect(createStaticRendition('asset1', { resolution: 'highest' }, ctx)).rejects.toThrow('RunTask');
    expect((await stored()).static_renditions?.map((f) => f.status)).toEqual(['errored']);
  });

  it('deletes a file and its object; an unknown id is not found', async () => {
    await seed(readyAsset());
    const file = await createStaticRendition('asset1', { resolution: 'highest' }, ctx);
    await files.record('asset1', [{ resolution: 'highest', status: 'ready' }]);
    await deleteStaticRendition('asset1', file.id, ctx);
    expect((await stored()).static_renditions).toEqual([]);
    expect(objects.deleted).toEqual(['out/assets/asset1/highest.mp4']);
    await expect(deleteStaticRendition('asset1', file.id, ctx)).rejects.toThrow('not found');
  });

  it('refuses to delete a file still being written, so create/delete in a loop cannot start task after task', async () => {
    await seed(readyAsset());
    const file = await createStaticRendition('asset1', { resolution: 'highest' }, ctx);
    await expect(deleteStaticRendition('asset1', file.id, ctx)).rejects.toThrow(
      'static rendition: highest.mp4 is still being prepared; delete it once it is ready or errored',
    );
    await expect(createStaticRendition('asset1', { resolution: 'highest' }, ctx)).rejects.toThrow('already has');
    expect(runner.jobs).toHaveLength(1);
    expect((await stored()).static_renditions?.map((f) => f.status)).toEqual(['preparing']);
    expect(objects.deleted).toEqual([]);
    // Once settled it goes as before.
    await files.record('asset1', [{ resolution: 'highest', status: 'ready' }]);
    await deleteStaticRendition('asset1', file.id, ctx);
    expect((await stored()).static_renditions).toEqual([]);
  });

  it('PUT mp4-support adds what the value names, removes what it no longer names, and refuses standard', async () => {
    await seed(readyAsset());
    const asked = await updateMp4Support('asset1', { mp4_support: 'audio-only,capped-1080p' }, ctx);
    expect(asked).toMatchObject({
      mp4_support: 'audio-only,capped-1080p',
      static_renditions: { status: 'preparing', files: [] },
    });
    expect((await stored()).static_renditions?.map((f) => f.name)).toEqual(['highest.mp4', 'audio.m4a']);
    expect(runner.jobs.at(-1)?.staticRenditions).toEqual(['highest', 'audio-only']);
    await files.record('asset1', [{ resolution: 'highest', status: 'ready' }]);

    const asset = await updateMp4Support('asset1', { mp4_support: 'audio-only' }, ctx);
    expect(asset.mp4_support).toBe('audio-only');
    expect((await stored()).static_renditions?.map((f) => f.name)).toEqual(['audio.m4a']);
    expect(objects.deleted).toEqual(['out/assets/asset1/highest.mp4']);
    await files.record('asset1', [{ resolution: 'audio-only', status: 'ready' }]);
    expect((await updateMp4Support('asset1', { mp4_support: 'none' }, ctx)).mp4_support).toBe('none');
    expect((await stored()).static_renditions).toEqual([]);

    expect(() => parseOrThrow(UpdateMp4SupportInput, { mp4_support: 'standard' })).toThrow(
      'mp4_support: standard is deprecated by Mux and not offered here',
    );
  });
});

describe('PUT mp4-support capped-1080p', () => {
  /** A ready asset made with max_resolution_tier 2160p from a source of the given top rung. */
  const tiered = (renditions: string[], overrides: Partial<AssetRecord> = {}) =>
    readyAsset({ max_resolution_tier: '2160p', renditions, ...overrides });
  const fourK = ['360p', '480p', '720p', '1080p', '1440p', '2160p'];

  it('on a ladder above 1080p makes the 1080p file, served as capped-1080p.mp4, not highest', async () => {
    await seed(tiered(fourK));
    const asset = await updateMp4Support('asset1', { mp4_support: 'capped-1080p' }, ctx);
    expect(asset).toMatchObject({ mp4_support: 'capped-1080p', static_renditions: { status: 'preparing', files: [] } });
    expect((await stored()).static_renditions?.map((f) => [f.name, f.resolution])).toEqual([['1080p.mp4', '1080p']]);
    expect(runner.jobs).toEqual([expect.objectContaining({ mode: 'static_renditions', staticRenditions: ['1080p'] })]);
    expect(staticFileNamed((await stored()).static_renditions, 'capped-1080p.mp4')?.name).toBe('1080p.mp4');
    expect(JSON.stringify(asset)).not.toContain('fromMp4Support');
    // Settled, the aggregate status is the file's, listed by Mux's name; none removes it.
    await files.record('asset1', [{ resolution: '1080p', status: 'ready', width: 1920, height: 1080 }]);
    expect(toMuxAsset(await stored()).static_renditions).toEqual({
      status: 'ready',
      files: [{ name: 'capped-1080p.mp4', ext: 'mp4', width: 1920, height: 1080 }],
    });
    expect(await updateMp4Support('asset1', { mp4_support: 'none' }, ctx)).toMatchObject({ mp4_support: 'none' });
    expect(objects.deleted).toEqual(['out/assets/asset1/1080p.mp4']);
  });

  it("follows the asset's stored ladder, not max_resolution_tier alone: a 720p source made with 2160p gets highest", async () => {
    await seed(tiered(['360p', '480p', '720p']));
    await updateMp4Support('asset1', { mp4_support: 'capped-1080p' }, ctx);
    expect((await stored()).static_renditions?.map((f) => f.name)).toEqual(['highest.mp4']);
    expect(runner.jobs.at(-1)?.staticRenditions).toEqual(['highest']);
  });

  it('refuses mp4_support on an asset with files of the Static Renditions API, and those on one with its files', async () => {
    // Mux: "You may not enable both static_renditions and the deprecated mp4_support".
    await seed(readyAsset());
    await createStaticRendition('asset1', { resolution: 'highest', passthrough: 'mine' }, ctx);
    await files.record('asset1', [{ resolution: 'highest', status: 'ready' }]);
    await expect(updateMp4Support('asset1', { mp4_support: 'capped-1080p' }, ctx)).rejects.toThrow(
      'mp4_support: the asset has static renditions made with the Static Renditions API',
    );
    expect((await stored()).static_renditions?.map((f) => [f.name, f.passthrough])).toEqual([['highest.mp4', 'mine']]);
    expect(runner.jobs).toHaveLength(1); // the create's task alone

    await seed(readyAsset({ id: 'asset2' }));
    await updateMp4Support('asset2', { mp4_support: 'audio-only' }, ctx);
    await expect(createStaticRendition('asset2', { resolution: 'highest' }, ctx)).rejects.toThrow(
      'resolution: the asset has MP4s made by mp4_support',
    );
    await files.record('asset2', [{ resolution: 'audio-only', status: 'ready' }]);
    // Its files are not the Static Renditions API's to delete by id (Mux gives them none): none removes them.
    const made = (await media.getAsset('asset2'))?.static_renditions?.[0];
    await expect(deleteStaticRendition('asset2', made?.id ?? '', ctx)).rejects.toBeInstanceOf(NotFoundError);
    await updateMp4Support('asset2', { mp4_support: 'none' }, ctx);
    expect((await createStaticRendition('asset2', { resolution: 'highest' }, ctx)).name).toBe('highest.mp4');
  });

  it('keeps one kind of files in the versioned rewrite itself, so two requests racing cannot mix them', () => {
    const api = newStaticRenditionFile('asset1', { resolution: '360p' });
    const capped = newStaticRenditionFile('asset1', { resolution: 'highest' }, true);
    expect(() => withAddedFiles([api], [capped])).toThrow('mp4_support: the asset has static renditions');
    expect(() => withAddedFiles([capped], [api])).toThrow('resolution: the asset has MP4s made by mp4_support');
    // Of the other kind at the same resolution too: what to do, not only that it exists.
    const apiHighest = newStaticRenditionFile('asset1', { resolution: 'highest' });
    expect(() => withAddedFiles([capped], [apiHighest])).toThrow('resolution: the asset has MP4s made by mp4_support');
    expect(() => withAddedFiles([api], [api])).toThrow(AlreadyExistsError);
    expect(withAddedFiles([api], [newStaticRenditionFile('asset1', { resolution: 'audio-only' })])).toHaveLength(2);
  });

  it('none leaves the files it never made (the Static Renditions API) alone', async () => {
    await seed(readyAsset());
    await createStaticRendition('asset1', { resolution: 'highest' }, ctx);
    await files.record('asset1', [{ resolution: 'highest', status: 'ready' }]);
    const asset = await updateMp4Support('asset1', { mp4_support: 'none' }, ctx);
    expect(asset.static_renditions?.files.map((f) => f.name)).toEqual(['highest.mp4']);
    expect(objects.deleted).toEqual([]);
  });

  it("a capped MP4 the asset's transcode still writes is the one asked for, whichever rung it was recorded at", async () => {
    // Made with 2160p: recorded as 1080p until the task, which found a 720p source, settles it as highest.
    const [capped] = staticRenditionsFor('asset1', { mp4_support: 'capped-1080p', max_resolution_tier: '2160p' })
      .static_renditions as StaticRenditionFile[];
    await seed(tiered(['360p', '480p', '720p'], { static_renditions: [capped as StaticRenditionFile] }));
    await updateMp4Support('asset1', { mp4_support: 'capped-1080p' }, ctx);
    expect((await stored()).static_renditions?.map((f) => [f.name, f.status])).toEqual([['1080p.mp4', 'preparing']]);
    expect(runner.jobs).toEqual([]);
  });

  it('replaces a settled capped MP4 at a rung above 1080p (recorded before this rule) with the 1080p file', async () => {
    const old = { ...newStaticRenditionFile('asset1', { resolution: 'highest' }, true), status: 'ready' as const };
    await seed(tiered(fourK, { static_renditions: [old] }));
    await updateMp4Support('asset1', { mp4_support: 'capped-1080p' }, ctx);
    expect((await stored()).static_renditions?.map((f) => f.name)).toEqual(['1080p.mp4']);
    expect(objects.deleted).toEqual(['out/assets/asset1/highest.mp4']);
    expect(runner.jobs.at(-1)?.staticRenditions).toEqual(['1080p']);
  });
});

describe('master access', () => {
  it('temporary makes the master preparing and starts one task; asking again while it is made starts none', async () => {
    await seed(readyAsset());
    const asset = await updateMasterAccess('asset1', { master_access: 'temporary' }, ctx);
    expect(asset).toMatchObject({ master_access: 'temporary', master: { status: 'preparing' } });
    expect(runner.jobs).toEqual([expect.objectContaining({ assetId: 'asset1', mode: 'master' })]);
    await updateMasterAccess('asset1', { master_access: 'temporary' }, ctx);
    expect(runner.jobs).toHaveLength(1);
  });

  it('none removes the master and its file; the asset reports none and no master', async () => {
    await seed(readyAsset({ master_access: 'temporary', master: { status: 'ready', url: 'u', expires_at: 5 } }));
    const asset = await updateMasterAccess('asset1', { master_access: 'none' }, ctx);
    expect(asset.master_access).toBe('none');
    expect(asset).not.toHaveProperty('master');
    expect(objects.deleted).toEqual(['out/assets/asset1/master.mp4']);
  });

  it('none is refused while the master is being made, so temporary/none in a loop starts one task, not many', async () => {
    await seed(readyAsset());
    for (let i = 0; i < 3; i++) {
      await updateMasterAccess('asset1', { master_access: 'temporary' }, ctx);
      await expect(updateMasterAccess('asset1', { master_access: 'none' }, ctx)).rejects.toThrow(
        'master_access: the master is still being prepared; set none once it is ready or errored',
      );
    }
    expect(runner.jobs).toHaveLength(1);
    expect((await stored()).master).toEqual({ status: 'preparing' });
    expect(objects.deleted).toEqual([]);
  });

  it('a master that could not start is errored; one the runner cannot make is undone', async () => {
    await seed(readyAsset());
    runner.failWith = new Error('RunTask failed');
    await expect(updateMasterAccess('asset1', { master_access: 'temporary' }, ctx)).rejects.toThrow('RunTask');
    expect((await stored()).master).toEqual({ status: 'errored' });
    runner.failWith = new ValidationError(['master: is not supported by this deployment']);
    await expect(updateMasterAccess('asset1', { master_access: 'temporary' }, ctx)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await stored()).toMatchObject({ master_access: 'none' });
    expect((await stored()).master).toBeUndefined();
  });

  it('the sweep removes masters past their expiry, object and record, and keeps the others', async () => {
    await seed(readyAsset({ master_access: 'temporary', master: { status: 'ready', url: 'u', expires_at: 100 } }));
    await seed(readyAsset({ id: 'fresh', master_access: 'temporary', master: { status: 'ready', expires_at: 999 } }));
    const expired = await expireMasters({ files, objects, outputBucket: 'out', now: () => 500_000 });
    expect(expired).toEqual(['asset1']);
    expect(await stored()).toMatchObject({ master_access: 'none' });
    expect((await media.getAsset('fresh'))?.master?.status).toBe('ready');
    expect(objects.deleted).toEqual(['out/assets/asset1/master.mp4']);
  });
});

describe('their events', () => {
  const change = (before: AssetRecord, after: AssetRecord) =>
    messagesFor({ kind: 'asset', eventId: 'e1', at: new Date(0), before, after }).map((e) => ({
      type: e.message.type,
      object: e.message.object,
      id: e.message.id,
    }));

  it('a static rendition is created, settles and goes, with its own object and no video.asset.updated', () => {
    const file = {
      id: 'sr1',
      type: 'standard' as const,
      resolution: 'highest' as const,
      name: 'highest.mp4',
      ext: 'mp4' as const,
      status: 'preparing' as const,
    };
    const none = readyAsset();
    const preparing = readyAsset({ static_renditions: [file] });
    const ready = readyAsset({ static_renditions: [{ ...file, status: 'ready' }] });
    expect(change(none, preparing)).toEqual([
      {
        type: 'video.asset.static_rendition.created',
        object: { type: 'static_rendition', id: 'sr1' },
        id: 'e1:sr1:static_rendition.created',
      },
    ]);
    expect(change(preparing, ready).map((e) => e.type)).toEqual(['video.asset.static_rendition.ready']);
    expect(change(ready, none).map((e) => e.type)).toEqual(['video.asset.static_rendition.deleted']);
    // Deleting the asset tells that alone.
    expect(change(ready, { ...ready, status: 'deleted' }).map((e) => e.type)).toEqual(['video.asset.deleted']);
  });

  it("mp4_support's files have no events of their own: its aggregate status has static_renditions.*, the asset as data", () => {
    const file = {
      ...{ id: 'sr1', type: 'standard' as const, resolution: 'highest' as const, name: 'highest.mp4' },
      ...{ ext: 'mp4' as const, status: 'preparing' as const, fromMp4Support: true as const },
    };
    const audio = { ...file, id: 'sr2', resolution: 'audio-only' as const, name: 'audio.m4a', ext: 'm4a' as const };
    const none = readyAsset();
    const preparing = readyAsset({ static_renditions: [file, audio] });
    const oneReady = readyAsset({ static_renditions: [{ ...file, status: 'ready' }, audio] });
    const ready = readyAsset({
      static_renditions: [
        { ...file, status: 'ready' },
        { ...audio, status: 'ready' },
      ],
    });
    expect(change(none, preparing)).toEqual([
      {
        type: 'video.asset.static_renditions.preparing',
        object: { type: 'asset', id: 'asset1' },
        id: 'e1:asset1:static_renditions.preparing',
      },
    ]);
    // One file ready while the other is not: still preparing, nothing to tell.
    expect(change(preparing, oneReady)).toEqual([]);
    expect(change(oneReady, ready).map((e) => e.type)).toEqual(['video.asset.static_renditions.ready']);
    expect(change(ready, none).map((e) => e.type)).toEqual(['video.asset.static_renditions.deleted']);
    expect(change(ready, { ...ready, status: 'deleted' }).map((e) => e.type)).toEqual(['video.asset.deleted']);
    const [event] = messagesFor({ kind: 'asset', eventId: 'e1', at: new Date(0), before: oneReady, after: ready });
    expect(event?.message.data).toMatchObject({
      id: 'asset1',
      mp4_support: 'audio-only,capped-1080p',
      static_renditions: { status: 'ready', files: [{ name: 'capped-1080p.mp4' }, { name: 'audio.m4a' }] },
    });
    expect(JSON.stringify(event)).not.toContain('fromMp4Support');
  });

  it('an asset that fails settles its mp4_support files errored, told by static_renditions.errored', () => {
    const file = newStaticRenditionFile('asset1', { resolution: 'highest' }, true);
    const preparing = readyAsset({ status: 'preparing', static_renditions: [file] });
    const errored = { ...preparing, status: 'errored' as const };
    expect(change(preparing, errored).map((e) => e.type)).toEqual([
      'video.asset.errored',
      'video.asset.static_renditions.errored',
    ]);
    expect(toMuxAsset(errored).static_renditions).toEqual({ status: 'errored', files: [] });
  });

  it('gives every event of one change its own id, the master and mp4_support both preparing at creation', () => {
    const file = newStaticRenditionFile('asset1', { resolution: 'highest' }, true);
    const created = readyAsset({
      status: 'preparing',
      master_access: 'temporary',
      master: { status: 'preparing' },
      static_renditions: [file],
    });
    const events = messagesFor({ kind: 'asset', eventId: 'e1', at: new Date(0), after: created });
    expect(events.map((e) => e.message.type)).toEqual([
      'video.asset.created',
      'video.asset.static_renditions.preparing',
      'video.asset.master.preparing',
    ]);
    expect(new Set(events.map((e) => e.message.id)).size).toBe(events.length);
  });

  it('the master goes preparing, ready and deleted, the asset as data', () => {
    const none = readyAsset();
    const preparing = readyAsset({ master_access: 'temporary', master: { status: 'preparing' } });
    const ready = readyAsset({ master_access: 'temporary', master: { status: 'ready', url: 'u', expires_at: 9 } });
    expect(change(none, preparing)).toEqual([
      {
        type: 'video.asset.master.preparing',
        object: { type: 'asset', id: 'asset1' },
        id: 'e1:asset1:master.preparing',
      },
    ]);
    expect(change(preparing, ready).map((e) => e.type)).toEqual(['video.asset.master.ready']);
    expect(change(ready, none).map((e) => e.type)).toEqual(['video.asset.master.deleted']);
    const [event] = messagesFor({ kind: 'asset', eventId: 'e1', at: new Date(0), before: preparing, after: ready });
    // Mux's master has a status and a URL; when it expires is not part of it.
    expect(event?.message.data).toMatchObject({ id: 'asset1', master: { status: 'ready', url: 'u' } });
    expect(JSON.stringify(event?.message.data)).not.toContain('expires_at');
  });
});
