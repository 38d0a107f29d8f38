import { InvalidInputError, TransitionError } from '../domain/errors.js';
import { derivedId } from '../domain/ids.js';
import { uploadIdFromKey } from '../domain/layout.js';
import { type AssetRecord, dispatchedByInputFetch, type SourceObject, type UploadRecord } from '../domain/media.js';
import { transcodeJobKey } from '../domain/static-renditions.js';
import type { InputQueue, MediaObjects, MediaRepository, TranscodeJob, TranscodeRunner } from '../ports.js';
import { assetFieldsFrom } from './asset-settings.js';
import { uploadInputFields } from './upload-inputs.js';

/**
 * The longest a dispatch claim is held (no Lambda runs longer than 15 minutes): where the caller does not say how
 * long it can still run (`ClaimTime`), and how long an asset preparing without a job waits for the sweeper.
 */
export const DISPATCH_CLAIM_MAX_SECONDS = 15 * 60;

/**
 * How long a dispatch claim taken here is held: the time the caller's invocation has left (its handler reads it from
 * the Lambda context), so a claim whose holder died is taken over by the next delivery rather than after 15 minutes.
 */
export interface ClaimTime {
  /**
   * The hold of a claim taken now, asked when it is taken: the invocation may have spent minutes before (an input
   * URL's download), and its claim must still end with it. @default DISPATCH_CLAIM_MAX_SECONDS
   */
  claimSeconds?: () => number;
}

/** The hold of a dispatch claim taken now (`ClaimTime`). */
export const claimHold = (ctx: ClaimTime) => ctx.claimSeconds?.() ?? DISPATCH_CLAIM_MAX_SECONDS;

/** The asset of a direct upload: derived from the upload id, so every attempt finds the same one. */
export const assetIdForUpload = (uploadId: string) => derivedId('asset', uploadId);

export interface IngestContext extends ClaimTime {
  media: MediaRepository;
  runner: TranscodeRunner;
  /** Direct uploads arrive here; an event about any other bucket is not ours to act on. */
  ingestBucket: string;
  outputBucket: string;
  /** The largest file accepted: a larger one errors its upload and is deleted (MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Deletes a refused file. */
  objects: Pick<MediaObjects, 'deleteObject'>;
  /**
   * The input fetch function's queue: an asset whose upload named watermark images goes there to fetch them, and
   * is dispatched from there (url-inputs.ts `fetchInput`).
   */
  inputs?: InputQueue;
  now?: () => number;
}

export type IngestOutcome =
  | 'not_an_upload' // another bucket, a key outside uploads/, or an upload we have no record of
  | 'upload_closed' // the upload was cancelled, errored or timed out before its file arrived
  | 'too_large' // the file is over the size limit: its upload is errored and the file deleted
  | 'source_pinned' // the upload's asset is made from an earlier object: a later PUT to its URL changes nothing
  | 'asset_finished' // the asset is already ready, errored or deleted
  | 'already_dispatched' // another attempt has started the job (one that holds the claim without a job: retried)
  | 'fetching_inputs' // its upload's watermark images are being fetched; the fetch function dispatches
  | 'job_refused' // the runner refused the job as one it cannot make: the asset is errored with the reason
  | 'dispatched';

/**
 * Turns a file that arrived in the ingest bucket into an asset and starts its transcode. Safe to run any number
 * of times for the same object, also concurrently: the asset id is derived, its creation is conditional, and only
 * the holder of the dispatch claim starts a job. Throws (so the message is retried) when the job could not start.
 * The asset is pinned to the object of the event that created it: an event about any other object under the same
 * key (a second PUT to the presigned URL) is ignored, and never deletes anything.
 */
export async function ingestObject(
  object: SourceObject & { /** Bytes, as the S3 event reports them. */ size?: number },
  ctx: IngestContext,
): Promise<{ outcome: IngestOutcome; jobId?: string }> {
  const uploadId = object.bucket === ctx.ingestBucket ? uploadIdFromKey(object.key) : undefined;
  const upload = uploadId === undefined ? undefined : await ctx.media.getUpload(uploadId);
  if (!upload) return { outcome: 'not_an_upload' };
  if (upload.status === 'asset_created' && upload.asset_id) {
    const existing = await ctx.media.getAsset(upload.asset_id);
    if (existing && !sameObject(existing.source, object)) return { outcome: 'source_pinned' };
  }
  if (object.size !== undefined && object.size > ctx.maxUploadBytes) {
    await refuseTooLarge(upload, object.size, ctx);
    await ctx.objects.deleteObject(object.bucket, object.key);
    return { outcome: 'too_large' };
  }
  if (upload.status !== 'waiting' && upload.status !== 'asset_created') return { outcome: 'upload_closed' };

  const { asset } = await ctx.media.createAsset(newAsset(upload, object, ctx.ingestBucket, (ctx.now ?? Date.now)()));
  await linkUpload(upload, asset.id, ctx.media);
  if (asset.status !== 'preparing') return { outcome: 'asset_finished' };
  if (dispatchedByInputFetch(asset)) {
    // Its watermark images are fetched first, by the function that fetches input URLs, which then dispatches.
    if (!ctx.inputs) throw new Error('This upload names watermark images, but ingest has no input queue to fetch them');
    // The message names the uploaded object for the log; the fetch function leaves an upload's source in place.
    await ctx.inputs.submit({ assetId: asset.id, url: `s3://${asset.source.bucket}/${asset.source.key}` });
    return { outcome: 'fetching_inputs' };
  }

  const dispatch = await dispatchTranscode(asset, ctx);
  return dispatch.outcome === 'refused' ? { outcome: 'job_refused' } : dispatch;
}

/**
 * Another delivery holds the asset's dispatch claim and no job is recorded: it may be starting the job, or it may
 * have died holding the claim (its RunTask failed while DynamoDB was down too, so the claim could not be released;
 * an emulator restart did exactly that). Thrown so that the message comes back once the claim has ended (the handler
 * sets when: handlers/dispatch-pending.ts): by then a live holder has recorded its job (`already_dispatched`) and a
 * dead one's claim is free (this delivery dispatches). Consuming the message left the asset to the sweeper, 10
 * minutes and more.
 */
export class DispatchPendingError extends Error {
  /** @param claimedUntil Unix seconds when the claim ends: the message should come back just after. */
  constructor(
    readonly assetId: string,
    readonly claimedUntil?: number,
  ) {
    super(`Asset ${assetId}: another delivery holds the dispatch claim and has started no job yet; retried later`);
    this.name = 'DispatchPendingError';
  }
}

export type DispatchResult =
  | { outcome: 'dispatched'; jobId: string }
  | { outcome: 'already_dispatched' } // another dispatch has started the job
  | { outcome: 'refused' }; // the input or the job refused as invalid: the asset is errored with the reason

/**
 * Starts the transcode of a preparing asset once: claims the dispatch (guarded, so racing deliveries start one
 * job), runs `prepare` under the claim (an input URL's fetch: one delivery downloads it, and a redelivery finds the
 * claim before downloading again), starts the job, records it. An `InvalidInputError` from either (a URL that gives
 * no file; a job this deployment's transcoder cannot make, such as a clip under MediaConvert) errors the asset with
 * its reason, since no retry can mend it; any other failure releases the claim and throws, to be retried.
 * Throws `DispatchPendingError` when another dispatch holds the claim and has recorded no job yet.
 */
export async function dispatchTranscode(
  asset: AssetRecord,
  ctx: ClaimTime & {
    media: Pick<MediaRepository, 'claimDispatch' | 'releaseDispatch' | 'recordJob' | 'markErrored' | 'getPreparing'>;
    runner: TranscodeRunner;
    outputBucket: string;
  },
  prepare?: () => Promise<void>,
): Promise<DispatchResult> {
  if (!(await ctx.media.claimDispatch(asset.id, claimHold(ctx)))) {
    const pending = await ctx.media.getPreparing(asset.id);
    if (pending && pending.jobId === undefined) throw new DispatchPendingError(asset.id, pending.claimedUntil);
    return { outcome: 'already_dispatched' };
  }
  let jobId: string;
  try {
    await prepare?.();
    ({ jobId } = await ctx.runner.start(transcodeJobFor(asset, ctx.outputBucket)));
  } catch (err) {
    await ctx.media.releaseDispatch(asset.id);
    if (!(err instanceof InvalidInputError)) throw err;
    try {
      await ctx.media.markErrored(asset.id, { type: 'invalid_input', messages: [err.message] });
    } catch (transition) {
      if (!(transition instanceof TransitionError)) throw transition; // deleted meanwhile
    }
    return { outcome: 'refused' };
  }
  await ctx.media.recordJob(asset.id, jobId);
  return { outcome: 'dispatched', jobId };
}

/** The transcode of an asset, as every dispatch (the first, and each retry) starts it. */
export function transcodeJobFor(asset: AssetRecord, outputBucket: string): TranscodeJob {
  return {
    assetId: asset.id,
    source: asset.source,
    outputBucket,
    ...(asset.max_resolution_tier && { maxResolutionTier: asset.max_resolution_tier }),
    ...(asset.static_renditions?.length && { staticRenditions: asset.static_renditions.map(transcodeJobKey) }),
    ...(asset.video_quality && { videoQuality: asset.video_quality }),
    ...(asset.normalize_audio && { normalizeAudio: true }),
    ...(asset.master_access === 'temporary' && { masterAccess: 'temporary' }),
    ...(asset.test && { test: true }),
    ...(asset.clip && { clip: asset.clip }),
    ...(asset.overlays?.length && {
      overlays: asset.overlays.map(({ bucket, key, settings }) => ({ bucket, key, settings })),
    }),
  };
}

/**
 * Whether an event is about the object an asset was pinned to: the same version, or (on a bucket without versions)
 * the same ETag. An asset pinned to neither (made before pinning) matches any, as it did then.
 */
function sameObject(pinned: SourceObject, object: SourceObject): boolean {
  if (pinned.versionId !== undefined) return pinned.versionId === object.versionId;
  if (pinned.etag !== undefined) return pinned.etag === object.etag;
  return true;
}

function newAsset(upload: UploadRecord, source: SourceObject, ingestBucket: string, nowMs: number): AssetRecord {
  const id = assetIdForUpload(upload.id);
  const settings = upload.new_asset_settings;
  return {
    id,
    env: upload.env,
    status: 'preparing',
    created_at: Math.floor(nowMs / 1000),
    upload_id: upload.id,
    source: {
      bucket: source.bucket,
      key: source.key,
      ...(source.versionId && { versionId: source.versionId }),
      ...(source.etag && { etag: source.etag }),
    },
    playback_ids: (settings.playback_policies ?? []).map((policy, i) => ({
      id: derivedId('playback', `${id}:${i}`),
      policy,
    })),
    ...assetFieldsFrom(id, settings, upload.test),
    ...uploadInputFields(settings, id, ingestBucket, nowMs),
  };
}

/**
 * waiting → errored for a file over the limit (a single PUT cannot be refused by its presigned URL). An upload that
 * moved on meanwhile (cancelled, or errored by an earlier delivery of the same event) is left as it is.
 */
async function refuseTooLarge(upload: UploadRecord, size: number, ctx: IngestContext): Promise<void> {
  try {
    await ctx.media.transitionUpload(upload.id, 'errored', {
      error: {
        type: 'invalid_input',
        message: `The file is ${size} bytes; this deployment accepts files up to ${ctx.maxUploadBytes} bytes.`,
      },
    });
  } catch (err) {
    if (!(err instanceof TransitionError)) throw err;
  }
}

/** waiting → asset_created; finding it already linked to this asset (an earlier attempt) is success too. */
async function linkUpload(upload: UploadRecord, assetId: string, media: MediaRepository): Promise<void> {
  if (upload.status === 'asset_created' && upload.asset_id === assetId) return;
  try {
    await media.transitionUpload(upload.id, 'asset_created', { asset_id: assetId });
  } catch (err) {
    if (!(err instanceof TransitionError)) throw err;
    const current = await media.getUpload(upload.id);
    if (current?.status !== 'asset_created' || current.asset_id !== assetId) throw err;
  }
}
