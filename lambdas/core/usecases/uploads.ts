import { z } from 'zod';
import { NotFoundError, TransitionError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { uploadObjectKey } from '../domain/layout.js';
import {
  type MultipartState,
  type MuxUpload,
  type NewAssetSettings,
  toMuxUpload,
  type UploadRecord,
} from '../domain/media.js';
import type { AddressPolicy, Resolve } from '../domain/url-safety.js';
import type { MediaRepository, MultipartUploads, SandboxWarmer, UploadUrls } from '../ports.js';
import { assetSettingsFields, normalizeSettings } from './asset-settings.js';
import { refuseUnderMediaConvert, type TranscoderKind } from './asset-work.js';
import { checkedInputs } from './input-tracks.js';
import { type ListQuery, listBody, pageOf } from './listing.js';
import { checkUploadInputs, UploadInputList } from './upload-inputs.js';

/**
 * Mux's `new_asset_settings` (asset-settings.ts). Its `inputs` (or older `input`) are the uploaded file's settings
 * and its watermark images and text and audio tracks, checked as an asset's inputs are (upload-inputs.ts).
 */
export const NewAssetSettingsInput = z
  .strictObject({
    ...assetSettingsFields,
    input: UploadInputList.optional(),
    inputs: UploadInputList.optional(),
  })
  .transform(({ input, inputs, ...settings }, ctx) => {
    if (input && inputs) ctx.addIssue({ code: 'custom', path: ['input'], message: 'cannot be given with inputs' });
    const list = inputs ?? input;
    if (list) checkedInputs(list, inputs ? 'inputs' : 'input', ctx, 'upload');
    const normalized: NewAssetSettings = normalizeSettings(settings, ctx);
    return { ...normalized, ...(list?.length && { inputs: list }) };
  });

/** `*`, or the origin (scheme, host, port; no path) of the page that will upload, as browsers send it. */
const CorsOrigin = z
  .string()
  .max(2048, { error: 'must be at most 2048 characters' })
  .refine((value) => value === '*' || isWebOrigin(value.replace(/\/$/, '')), {
    error: 'must be "*" or an origin such as https://example.com',
  });

function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** The body of `POST /video/v1/uploads`. */
export const CreateUploadInput = z.strictObject({
  cors_origin: CorsOrigin.optional(),
  new_asset_settings: NewAssetSettingsInput.default({}),
  timeout: z
    .int({ error: 'must be a whole number of seconds' })
    .min(60, { error: 'must be between 60 and 604800 seconds' })
    .max(604800, { error: 'must be between 60 and 604800 seconds' })
    .optional(),
  /** Test mode for the upload's asset (as `new_asset_settings.test`): 10 s, watermarked, deleted after a day. */
  test: z.boolean().optional(),
});
export type CreateUploadInput = z.output<typeof CreateUploadInput>;

export interface UploadsContext {
  /** The caller's environment: every read and write is scoped to it. */
  env: string;
  media: MediaRepository;
  /** Whether the caller holds video:write: only then does an upload it reads show its `url` (`uploadView`). */
  mayUpload?: boolean;
}

/** An upload as a read shows it: Mux's Upload, whose `url` is optional. */
export type UploadView = Omit<MuxUpload, 'url'> & Partial<Pick<MuxUpload, 'url'>>;

/**
 * The upload for a caller who reads it. Its presigned PUT `url` is a capability to create an asset (the file it
 * takes becomes one), which needs video:write: a caller without it (a `video:read` token) sees the upload without
 * its `url`, as it could not have created it. The `url` stays on uploads that no longer wait, as Mux's do.
 */
export function uploadView(upload: UploadRecord, mayUpload: boolean): UploadView {
  const view = toMuxUpload(upload);
  if (mayUpload) return view;
  const { url: _url, ...withoutUrl } = view;
  return withoutUrl;
}

/** Creates a direct upload: a presigned PUT URL valid for `timeout` seconds, and the upload waiting for it. */
export async function createUpload(
  input: CreateUploadInput,
  ctx: UploadsContext & {
    urls: UploadUrls;
    defaultTimeout: number;
    transcoder: TranscoderKind;
    resolve: Resolve;
    policy?: AddressPolicy;
    now?: () => number;
    /** Starts a transcode sandbox while the file is sent (absent where none would start cold). */
    warmer?: SandboxWarmer;
  },
): Promise<MuxUpload> {
  if (input.new_asset_settings.generate_shots) {
    refuseUnderMediaConvert(ctx.transcoder, 'new_asset_settings.generate_shots', 'shot detection');
  }
  await checkUploadInputs(input.new_asset_settings, ctx);
  const id = newId();
  const timeout = input.timeout ?? ctx.defaultTimeout;
  const upload: UploadRecord = {
    id,
    env: ctx.env,
    status: 'waiting',
    created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
    timeout,
    url: await ctx.urls.presignPut(uploadObjectKey(id), timeout),
    ...(input.cors_origin !== undefined && { cors_origin: input.cors_origin }),
    new_asset_settings: input.new_asset_settings,
    ...(input.test !== undefined && { test: input.test }),
  };
  await Promise.all([ctx.media.putUpload(upload), ctx.warmer?.warm()]);
  return toMuxUpload(upload);
}

export async function getUpload(id: string, ctx: UploadsContext): Promise<UploadView> {
  return uploadView(await uploadOf(id, ctx), ctx.mayUpload === true);
}

export async function listUploads(query: ListQuery, ctx: UploadsContext) {
  const page = await pageOf((limit, cursor) => ctx.media.listUploads(ctx.env, limit, cursor), query);
  return listBody(page, (upload) => uploadView(upload, ctx.mayUpload === true));
}

async function uploadOf(id: string, ctx: UploadsContext): Promise<UploadRecord> {
  const upload = await ctx.media.getUpload(id);
  if (!upload || upload.env !== ctx.env) throw new NotFoundError('upload', id);
  return upload;
}

/**
 * waiting → cancelled, and its multipart upload (if one was started) is aborted so S3 drops the parts. A file that
 * still arrives afterwards is ignored by ingest: a cancelled upload never becomes an asset.
 */
export async function cancelUpload(
  id: string,
  ctx: UploadsContext & { multipart: MultipartUploads },
): Promise<MuxUpload> {
  await uploadOf(id, ctx);
  const cancelled = await ctx.media.transitionUpload(id, 'cancelled');
  if (cancelled.multipart) await ctx.multipart.abort(uploadObjectKey(id), cancelled.multipart.upload_id);
  return toMuxUpload(cancelled);
}

// --- Multipart (Gamma's extension of direct uploads, for files over 5 GB and resumable transfers) ---

const MiB = 1024 ** 2;
/** S3's limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them, 5 TiB per object. */
export const S3_LIMITS = { minPart: 5 * MiB, maxPart: 5 * 1024 ** 3, maxParts: 10_000, maxObject: 5 * 1024 ** 4 };
/** Parts are at least this large unless the client asks otherwise: few requests, and a retry resends at most 16 MiB. */
export const DEFAULT_PART_SIZE = 16 * MiB;
/** Part URLs one request returns at most (a response stays small; clients ask again as they go). */
export const MAX_PART_URLS = 100;

/**
 * The part size for a file: the requested or default size, grown to whole MiB until the file fits in 10,000 parts
 * (525 MiB for 5 TiB).
 */
export function partSizeFor(size: number, requested = DEFAULT_PART_SIZE): number {
  const fitting = Math.ceil(size / S3_LIMITS.maxParts / MiB) * MiB;
  return Math.max(requested, fitting);
}

/** The byte count of part `n` (1-based) of a file of `size` bytes cut into `partSize` parts. */
export const partBytes = (size: number, partSize: number, n: number) => Math.min(partSize, size - (n - 1) * partSize);

/** The body of `POST /video/v1/uploads/{id}/parts`. */
export const StartMultipartInput = z.strictObject({
  size: z
    .int({ error: 'must be the file size in bytes' })
    .min(1, { error: 'must be at least 1 byte' })
    .max(S3_LIMITS.maxObject, { error: `must be at most ${S3_LIMITS.maxObject} bytes (5 TiB, S3's limit)` }),
  part_size: z
    .int({ error: 'must be a whole number of bytes' })
    .min(S3_LIMITS.minPart, { error: `must be at least ${S3_LIMITS.minPart} bytes (5 MiB)` })
    .max(S3_LIMITS.maxPart, { error: `must be at most ${S3_LIMITS.maxPart} bytes (5 GiB)` })
    .optional(),
  part_numbers: z
    .array(z.int().min(1, { error: 'must be at least 1' }).max(S3_LIMITS.maxParts, { error: 'must be at most 10000' }))
    .max(MAX_PART_URLS, { error: `must name at most ${MAX_PART_URLS} parts` })
    .optional(),
});
export type StartMultipartInput = z.output<typeof StartMultipartInput>;

/** The body of `POST /video/v1/uploads/{id}/complete`. */
export const CompleteMultipartInput = z.strictObject({
  parts: z
    .array(
      z.strictObject({
        part_number: z.int().min(1, { error: 'must be at least 1' }).max(S3_LIMITS.maxParts),
        etag: z.string().min(1, { error: 'must be the ETag S3 returned for the part' }),
      }),
    )
    .min(1, { error: 'must list the uploaded parts' })
    .max(S3_LIMITS.maxParts),
});
export type CompleteMultipartInput = z.output<typeof CompleteMultipartInput>;

export interface MultipartContext extends UploadsContext {
  multipart: MultipartUploads;
  /** The largest file accepted, in bytes (MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  now?: () => number;
}

/** What a client needs to send (or resume) a file part by part. */
export interface MultipartSession {
  id: string;
  size: number;
  part_size: number;
  part_count: number;
  /** Parts S3 already holds: skip them, and list them with their ETags when completing. */
  uploaded_parts: { part_number: number; etag: string; size: number }[];
  /** Presigned URLs of the parts asked for (or the first missing ones): PUT exactly `size` bytes to each. */
  part_urls: { part_number: number; size: number; url: string }[];
  /** Unix seconds when these URLs expire. */
  urls_expire_at: string;
}

/**
 * Starts the multipart upload of a waiting direct upload, or resumes it: the declared size (refused above the
 * configured limit) fixes the part size, S3's list of stored parts tells the client what to skip, and URLs are
 * issued only for part numbers within the declared size. Each call renews the upload's deadline.
 */
export async function startMultipart(
  id: string,
  input: StartMultipartInput,
  ctx: MultipartContext,
): Promise<MultipartSession> {
  if (input.size > ctx.maxUploadBytes) {
    throw new ValidationError([
      `size: the file is ${input.size} bytes; this deployment accepts files up to ${ctx.maxUploadBytes} bytes`,
    ]);
  }
  const upload = await ctx.media.getUpload(id);
  if (!upload || upload.env !== ctx.env) throw new NotFoundError('upload', id);
  if (upload.status !== 'waiting') throw new TransitionError('upload', id, 'multipart', ['waiting']);
  const key = uploadObjectKey(id);
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);

  let multipart = upload.multipart;
  if (multipart && multipart.size !== input.size) {
    throw new ValidationError([
      `size: this upload was started for a file of ${multipart.size} bytes; create a new upload for another file`,
    ]);
  }
  if (!multipart) {
    const partSize = partSizeFor(input.size, input.part_size);
    const created = await ctx.multipart.create(key);
    const stored = await ctx.media.recordMultipart(id, {
      upload_id: created,
      size: input.size,
      part_size: partSize,
      renewed_at: now,
    });
    // A concurrent start won the race: continue with its multipart upload and drop ours.
    if (stored.multipart?.upload_id !== created) await ctx.multipart.abort(key, created);
    multipart = stored.multipart;
    if (!multipart) throw new Error(`upload ${id} has no multipart upload after recording one`);
  } else {
    multipart = (await ctx.media.recordMultipart(id, { ...multipart, renewed_at: now })).multipart ?? multipart;
  }

  const partCount = Math.ceil(multipart.size / multipart.part_size);
  const uploaded = await storedParts(id, multipart, ctx.multipart);
  const beyond = (input.part_numbers ?? []).filter((n) => n > partCount);
  if (beyond.length > 0) {
    throw new ValidationError([
      `part_numbers: a file of ${multipart.size} bytes has ${partCount} parts; ${beyond.join(', ')} is beyond it`,
    ]);
  }
  const done = new Set(uploaded.map((p) => p.partNumber));
  const wanted =
    input.part_numbers ??
    Array.from({ length: partCount }, (_, i) => i + 1)
      .filter((n) => !done.has(n))
      .slice(0, MAX_PART_URLS);
  const { upload_id: uploadId, part_size: partSize, size } = multipart;
  return {
    id,
    size,
    part_size: partSize,
    part_count: partCount,
    uploaded_parts: uploaded.map((p) => ({ part_number: p.partNumber, etag: p.etag, size: p.size })),
    part_urls: await Promise.all(
      [...new Set(wanted)].map(async (n) => {
        const bytes = partBytes(size, partSize, n);
        return {
          part_number: n,
          size: bytes,
          url: await ctx.multipart.presignPart(key, uploadId, n, bytes, upload.timeout),
        };
      }),
    ),
    urls_expire_at: String(now + upload.timeout),
  };
}

/**
 * Completes a multipart upload once every part is stored: the client's list must name each part 1…N of the
 * declared size with the ETag S3 holds, and each stored part must have exactly its expected size (so the object
 * is the declared size, within the limit). S3 then creates the object and ingest takes it from there.
 */
export async function completeMultipart(
  id: string,
  input: CompleteMultipartInput,
  ctx: UploadsContext & { multipart: MultipartUploads },
): Promise<MuxUpload> {
  const upload = await ctx.media.getUpload(id);
  if (!upload || upload.env !== ctx.env) throw new NotFoundError('upload', id);
  if (upload.status !== 'waiting') throw new TransitionError('upload', id, 'complete', ['waiting']);
  const multipart = upload.multipart;
  if (!multipart) throw new ValidationError([`body: upload ${id} has no multipart upload; start one with /parts`]);
  const key = uploadObjectKey(id);
  const partCount = Math.ceil(multipart.size / multipart.part_size);
  const stored = new Map((await storedParts(id, multipart, ctx.multipart)).map((p) => [p.partNumber, p]));

  const problems: string[] = [];
  const named = new Set(input.parts.map((p) => p.part_number));
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !named.has(n));
  if (missing.length > 0 || named.size !== input.parts.length || input.parts.length !== partCount) {
    problems.push(
      `parts: must name each of the ${partCount} parts once` +
        (missing.length > 0 ? `; missing ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}` : ''),
    );
  }
  input.parts.forEach((part, i) => {
    const held = stored.get(part.part_number);
    if (!held) problems.push(`parts.${i}.part_number: part ${part.part_number} has not been uploaded`);
    else if (unquote(held.etag) !== unquote(part.etag)) {
      problems.push(`parts.${i}.etag: is not the ETag of the stored part ${part.part_number}`);
    } else if (held.size !== partBytes(multipart.size, multipart.part_size, part.part_number)) {
      problems.push(
        `parts.${i}: part ${part.part_number} holds ${held.size} bytes, not the ` +
          `${partBytes(multipart.size, multipart.part_size, part.part_number)} of a ${multipart.size}-byte file`,
      );
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);

  const parts = [...input.parts]
    .sort((a, b) => a.part_number - b.part_number)
    .map((p) => ({ partNumber: p.part_number, etag: stored.get(p.part_number)?.etag ?? p.etag }));
  await ctx.multipart.complete(key, multipart.upload_id, parts);
  return toMuxUpload(upload);
}

const unquote = (etag: string) => etag.replace(/^"|"$/g, '');

/** The parts S3 holds; a multipart upload S3 no longer knows (its lifecycle rule dropped it) is said in words. */
async function storedParts(id: string, multipart: MultipartState, parts: MultipartUploads) {
  try {
    return await parts.listParts(uploadObjectKey(id), multipart.upload_id);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new ValidationError([
      `body: the parts of upload ${id} are gone (storage drops unfinished multipart uploads after a while); create a new upload`,
    ]);
  }
}

/**
 * waiting → timed_out for every upload whose URL expired more than `graceSeconds` ago (a file PUT just before
 * expiry still gets its asset). Returns the ids it timed out; an upload that moved on meanwhile is left alone.
 */
export async function timeOutUploads(ctx: {
  media: MediaRepository;
  /** Aborts the S3 multipart upload of a timed-out upload, so its parts stop costing storage at once. */
  multipart: Pick<MultipartUploads, 'abort'>;
  now?: () => number;
  /** @default 120 */
  graceSeconds?: number;
}): Promise<string[]> {
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  const grace = ctx.graceSeconds ?? 120;
  // A multipart upload's deadline moves with each batch of part URLs (a large file may take longer than one timeout).
  const expired = (await ctx.media.listWaitingUploads()).filter(
    (u) => (u.multipart?.renewed_at ?? u.created_at) + u.timeout + grace < now,
  );
  const timedOut: string[] = [];
  for (const upload of expired) {
    try {
      const closed = await ctx.media.transitionUpload(upload.id, 'timed_out');
      if (closed.multipart) await ctx.multipart.abort(uploadObjectKey(upload.id), closed.multipart.upload_id);
      timedOut.push(upload.id);
    } catch (err) {
      if (!(err instanceof TransitionError)) throw err;
    }
  }
  return timedOut;
}
