import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FargateRunner } from '../../lambdas/core/adapters/ecs-runner.js';
import { derivedId } from '../../lambdas/core/domain/ids.js';
import {
  assetIdForUpload,
  DISPATCH_CLAIM_MAX_SECONDS,
  DispatchPendingError,
  type IngestContext,
  ingestObject,
} from '../../lambdas/core/usecases/ingest.js';
import { claimTimeOf } from '../../lambdas/handlers/invocation.js';
import { InMemoryMediaRepository, InMemoryObjects, preparingAsset, RecordingRunner, waitingUpload } from './fakes.js';

/** A Lambda context with `ms` left. */
const invocation = (ms: number) => ({ getRemainingTimeInMillis: () => ms }) as unknown as Context;

const object = { bucket: 'ingest', key: 'uploads/upload1' };

/**
 * Two racing deliveries: one dispatches; the other finds the claim held, and is consumed if the winner has recorded
 * its job by then, or comes back later (DispatchPendingError) if not. Both are correct.
 */
function expectOneDispatched(racing: PromiseSettledResult<Awaited<ReturnType<typeof ingestObject>>>[]): void {
  const won = racing.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'dispatched');
  expect(won).toHaveLength(1);
  const lost = racing.find((r) => !won.includes(r));
  if (lost?.status === 'rejected') expect(lost.reason).toBeInstanceOf(DispatchPendingError);
  else expect(lost?.value.outcome).toBe('already_dispatched');
}
const assetId = assetIdForUpload('upload1');

let media: InMemoryMediaRepository;
let runner: RecordingRunner;
let ctx: IngestContext;
let objects: InMemoryObjects;

beforeEach(async () => {
  media = new InMemoryMediaRepository();
  runner = new RecordingRunner();
  objects = new InMemoryObjects();
  ctx = {
    media,
    runner,
    ingestBucket: 'ingest',
    outputBucket: 'output',
    maxUploadBytes: 5000,
    objects,
    now: () => 1_700_000_500_000,
  };
  await media.putUpload(
    waitingUpload({
      new_asset_settings: {
        playback_policies: ['public', 'signed'],
        passthrough: 'order-7',
        max_resolution_tier: '1440p',
        meta: { title: 'Clip' },
      },
    }),
  );
});

describe('ingestObject', () => {
  it('creates the preparing asset from the upload settings, links the upload and starts one job', async () => {
    const result = await ingestObject(object, ctx);

    expect(result).toEqual({ outcome: 'dispatched', jobId: `task/${assetId}/1` });
    expect(await media.getAsset(assetId)).toEqual({
      id: assetId,
      env: 'env1',
      status: 'preparing',
      created_at: 1_700_000_500,
      upload_id: 'upload1',
      source: object,
      playback_ids: [
        { id: derivedId('playback', `${assetId}:0`), policy: 'public' },
        { id: derivedId('playback', `${assetId}:1`), policy: 'signed' },
      ],
      passthrough: 'order-7',
      meta: { title: 'Clip' },
      max_resolution_tier: '1440p',
    });
    expect(await media.getUpload('upload1')).toMatchObject({ status: 'asset_created', asset_id: assetId });
    expect(runner.jobs).toEqual([{ assetId, source: object, outputBucket: 'output', maxResolutionTier: '1440p' }]);
    expect(media.assets.get(assetId)?.jobId).toBe(`task/${assetId}/1`);
    expect(await media.getPlaybackId(derivedId('playback', `${assetId}:1`))).toMatchObject({ asset_id: assetId });
  });

  it('handles the same event twice with one asset and one job', async () => {
    await ingestObject(object, ctx);
    const second = await ingestObject(object, ctx);

    expect(second.outcome).toBe('already_dispatched');
    expect(media.assets.size).toBe(1);
    expect(runner.jobs).toHaveLength(1);
  });

  it('starts one job when two deliveries race', async () => {
    expectOneDispatched(await Promise.allSettled([ingestObject(object, ctx), ingestObject(object, ctx)]));
    expect(media.assets.size).toBe(1);
    expect(runner.jobs).toHaveLength(1);
  });

  it('releases the claim and rethrows when the runner refuses, so the retried message dispatches', async () => {
    runner.failWith = new Error('RunTask failed: RESOURCE:MEMORY');
    await expect(ingestObject(object, ctx)).rejects.toThrow('RESOURCE:MEMORY');
    expect(media.assets.get(assetId)?.claimedUntil).toBeUndefined();

    runner.failWith = undefined;
    expect((await ingestObject(object, ctx)).outcome).toBe('dispatched');
    expect(runner.jobs).toHaveLength(1);
  });

  it('leaves the message to come back when the claim holder died with its job refused and its claim unreleased', async () => {
    // The emulator went down mid-dispatch: RunTask failed, and so did the release of the claim.
    runner.failWith = new Error('connect ECONNREFUSED');
    media.releaseDispatch = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    await expect(ingestObject(object, ctx)).rejects.toThrow('ECONNREFUSED');
    runner.failWith = undefined;
    // Redelivered at once (the batch failed): the claim still holds, no job is recorded, so not consumed.
    await expect(ingestObject(object, ctx)).rejects.toThrow(/has started no job yet/);
    // Redelivered after the visibility timeout (3 min), past the claim.
    media.clock += DISPATCH_CLAIM_MAX_SECONDS + 1;
    expect((await ingestObject(object, ctx)).outcome).toBe('dispatched');
    expect(runner.jobs).toHaveLength(1);
  });

  it('takes over a claim whose holder died before starting the job once it is stale', async () => {
    await media.createAsset(preparingAsset({ id: assetId, source: object }));
    await media.claimDispatch(assetId, DISPATCH_CLAIM_MAX_SECONDS); // its holder then died

    // While the claim holds, the delivery is not consumed: it comes back after the visibility timeout.
    await expect(ingestObject(object, ctx)).rejects.toBeInstanceOf(DispatchPendingError);
    media.clock += DISPATCH_CLAIM_MAX_SECONDS + 1;
    expect((await ingestObject(object, ctx)).outcome).toBe('dispatched');
    expect(runner.jobs).toHaveLength(1);
  });

  it('holds a claim only as long as its holder could run, so the next delivery takes over a dead one', async () => {
    await media.createAsset(preparingAsset({ id: assetId, source: object }));
    // An ingest invocation with 30 s left claimed (held 30 s and a 30 s margin), then died before starting the job.
    const hold = claimTimeOf(invocation(30_000));
    expect(hold.claimSeconds?.()).toBe(60);
    await media.claimDispatch(assetId, hold.claimSeconds?.() as number);
    media.clock += 60;
    const pending = ingestObject(object, { ...ctx, ...hold });
    await expect(pending).rejects.toBeInstanceOf(DispatchPendingError);
    await expect(pending).rejects.toMatchObject({ claimedUntil: media.clock }); // it comes back just after
    media.clock += 1;
    expect((await ingestObject(object, { ...ctx, ...hold })).outcome).toBe('dispatched');
    expect(runner.jobs).toHaveLength(1);
    expect(claimTimeOf(invocation(1_200)).claimSeconds?.()).toBe(32);
    expect(claimTimeOf(invocation(-5)).claimSeconds?.()).toBe(30); // past its deadline: the margin alone
    expect(claimTimeOf(undefined)).toEqual({}); // no context: the 15 minutes any Lambda may run
  });

  it('reads the hold when the claim is taken, not when the invocation began', async () => {
    await media.createAsset(preparingAsset({ id: assetId, source: object }));
    let left = 900_000;
    const hold = claimTimeOf({ getRemainingTimeInMillis: () => left } as unknown as Context);
    left = 60_000; // 14 minutes spent before the claim (an input URL's download)
    await ingestObject(object, { ...ctx, ...hold });
    expect((await media.getPreparing(assetId))?.claimedUntil).toBe(media.clock + 60 + 30);
  });

  it('does not dispatch an asset that has already finished', async () => {
    await ingestObject(object, ctx);
    await media.markErrored(assetId, { type: 'invalid_input', messages: ['no video'] });

    expect((await ingestObject(object, ctx)).outcome).toBe('asset_finished');
    expect(runner.jobs).toHaveLength(1);
  });

  it.each(['cancelled', 'errored', 'timed_out'] as const)(
    'acknowledges a file for a %s upload without an asset',
    async (to) => {
      await media.transitionUpload('upload1', to);

      expect(await ingestObject(object, ctx)).toEqual({ outcome: 'upload_closed' });
      expect(media.assets.size).toBe(0);
    },
  );

  it('takes a file of exactly the size limit', async () => {
    expect((await ingestObject({ ...object, size: 5000 }, ctx)).outcome).toBe('dispatched');
    expect(objects.deleted).toEqual([]);
  });

  it('pins the asset to the object of its event; a later PUT to the upload URL changes nothing', async () => {
    const first = { ...object, versionId: 'v1', etag: 'e1', size: 100 };
    expect((await ingestObject(first, ctx)).outcome).toBe('dispatched');
    const pinned = { bucket: 'ingest', key: 'uploads/upload1', versionId: 'v1', etag: 'e1' };
    expect((await media.getAsset(assetId))?.source).toEqual(pinned);
    expect(runner.jobs.map((job) => job.source)).toEqual([pinned]);
    // A second PUT (another version), also one over the size limit: no delete, no new job, the upload stays linked.
    for (const second of [
      { ...object, versionId: 'v2', etag: 'e2', size: 100 },
      { ...object, versionId: 'v3', etag: 'e3', size: 9999 },
    ]) {
      expect(await ingestObject(second, ctx)).toEqual({ outcome: 'source_pinned' });
    }
    expect(objects.deleted).toEqual([]);
    expect(await media.getUpload('upload1')).toMatchObject({ status: 'asset_created', asset_id: assetId });
    expect((await media.getAsset(assetId))?.source).toEqual(pinned);
    expect(runner.jobs).toHaveLength(1);
    // The first event redelivered is still the asset's own.
    expect((await ingestObject(first, ctx)).outcome).toBe('already_dispatched');
  });

  it('pins by ETag where the bucket keeps no versions', async () => {
    await ingestObject({ ...object, etag: 'e1' }, ctx);
    expect(await ingestObject({ ...object, etag: 'e2', size: 9999 }, ctx)).toEqual({ outcome: 'source_pinned' });
    expect(objects.deleted).toEqual([]);
  });

  it('hands the pin to a Fargate task, so the transcoder and its chunk tasks read that version', async () => {
    const client = new ECSClient({ region: 'eu-west-1' });
    const ecs = mockClient(client);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }] });
    const fargate = new FargateRunner(client, {
      cluster: 'c',
      taskDefinition: 't',
      containerName: 'transcoder',
      subnets: ['s'],
      securityGroups: ['g'],
    });
    await fargate.start({ assetId, source: { ...object, versionId: 'v1', etag: 'e1' }, outputBucket: 'output' });
    const environment =
      ecs.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment;
    expect(environment).toEqual(
      expect.arrayContaining([
        { name: 'SOURCE_VERSION_ID', value: 'v1' },
        { name: 'SOURCE_ETAG', value: 'e1' },
      ]),
    );
  });

  it('errors the upload of a file over the size limit, deletes the file, and creates no asset (also when redelivered)', async () => {
    const big = { ...object, size: 5001 };
    expect(await ingestObject(big, ctx)).toEqual({ outcome: 'too_large' });
    expect(await ingestObject(big, ctx)).toEqual({ outcome: 'too_large' });

    const upload = await media.getUpload('upload1');
    expect(upload?.status).toBe('errored');
    expect(upload?.error).toEqual({
      type: 'invalid_input',
      message: 'The file is 5001 bytes; this deployment accepts files up to 5000 bytes.',
    });
    expect(objects.deleted).toEqual(['ingest/uploads/upload1', 'ingest/uploads/upload1']);
    expect(media.assets.size).toBe(0);
    expect(runner.jobs).toEqual([]);
  });

  it.each([
    ['a key outside uploads/', { bucket: 'ingest', key: 'other/upload1' }],
    ['an upload nobody created', { bucket: 'ingest', key: 'uploads/unknown' }],
    ['another bucket', { bucket: 'elsewhere', key: 'uploads/upload1' }],
  ])('ignores %s', async (_, other) => {
    expect(await ingestObject(other, ctx)).toEqual({ outcome: 'not_an_upload' });
    expect(media.assets.size).toBe(0);
    expect(runner.jobs).toHaveLength(0);
  });

  it('rethrows when the upload was linked to another asset between its read and its transition', async () => {
    /** Serves the upload as it was before another writer linked it. */
    class StaleFirstRead extends InMemoryMediaRepository {
      private reads = 0;
      override async getUpload(id: string) {
        return this.reads++ === 0 ? waitingUpload() : super.getUpload(id);
      }
    }
    const stale = new StaleFirstRead();
    await stale.putUpload(waitingUpload());
    await stale.transitionUpload('upload1', 'asset_created', { asset_id: 'someOtherAsset' });

    await expect(ingestObject(object, { ...ctx, media: stale })).rejects.toThrow('cannot move to asset_created');
    expect(runner.jobs).toHaveLength(0);
  });
});

describe('ingestObject with the Fargate runner', () => {
  const ecs = mockClient(ECSClient);
  beforeEach(() => {
    ecs.reset();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/gamma/abc' }], failures: [] });
  });

  it('calls RunTask once for the same S3 event delivered twice, and once for two racing deliveries', async () => {
    const fargate = new FargateRunner(new ECSClient({ region: 'eu-west-1' }), {
      cluster: 'cluster',
      taskDefinition: 'taskdef',
      containerName: 'transcoder',
      subnets: ['subnet-1'],
      securityGroups: ['sg-1'],
    });
    const withFargate = { ...ctx, runner: fargate };

    await ingestObject(object, withFargate);
    await ingestObject(object, withFargate);
    await media.putUpload(waitingUpload({ id: 'upload2' }));
    const second = { bucket: 'ingest', key: 'uploads/upload2' };
    expectOneDispatched(
      await Promise.allSettled([ingestObject(second, withFargate), ingestObject(second, withFargate)]),
    );

    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(2);
    expect(media.assets.size).toBe(2);
    expect(media.assets.get(assetId)?.jobId).toBe('arn:aws:ecs:eu-west-1:1:task/gamma/abc');
  });
});
