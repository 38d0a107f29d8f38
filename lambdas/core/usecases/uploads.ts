import { z } from 'zod';
import { NotFoundError, TransitionError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { uploadObjectKey } from '../domain/layout.js';
import { type MuxUpload, toMuxUpload, type UploadRecord } from '../domain/media.js';
import type { MediaRepository, UploadUrls } from '../ports.js';
import {
  AssetMetaInput,
  LegacyPlaybackPolicy,
  Passthrough,
  PlaybackPolicyInput,
  withPlaybackPolicies,
} from './assets.js';
import { type ListQuery, listBody, pageOf } from './listing.js';

/** Mux's `new_asset_settings` as far as Gamma supports it; unknown fields are rejected, not ignored. */
export const NewAssetSettingsInput = z
  .strictObject({
    playback_policies: z.array(PlaybackPolicyInput).max(5, { error: 'must name at most 5 policies' }).optional(),
    passthrough: Passthrough.optional(),
    max_resolution_tier: z.enum(['1080p', '1440p', '2160p'], { error: 'must be 1080p, 1440p or 2160p' }).optional(),
    meta: AssetMetaInput.optional(),
    playback_policy: LegacyPlaybackPolicy.optional(),
  })
  .transform(withPlaybackPolicies);

/** The body of `POST /video/v1/uploads`. */
export const CreateUploadInput = z.strictObject({
  cors_origin: z.string().min(1).optional(),
  new_asset_settings: NewAssetSettingsInput.default({}),
  timeout: z
    .int({ error: 'must be a whole number of seconds' })
    .min(60, { error: 'must be between 60 and 604800 seconds' })
    .max(604800, { error: 'must be between 60 and 604800 seconds' })
    .optional(),
  test: z.boolean().optional(),
});
export type CreateUploadInput = z.output<typeof CreateUploadInput>;

export interface UploadsContext {
  /** The caller's environment: every read and write is scoped to it. */
  env: string;
  media: MediaRepository;
}

/** Creates a direct upload: a presigned PUT URL valid for `timeout` seconds, and the upload waiting for it. */
export async function createUpload(
  input: CreateUploadInput,
  ctx: UploadsContext & { urls: UploadUrls; defaultTimeout: number; now?: () => number },
): Promise<MuxUpload> {
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
  await ctx.media.putUpload(upload);
  return toMuxUpload(upload);
}

export async function getUpload(id: string, ctx: UploadsContext): Promise<MuxUpload> {
  const upload = await ctx.media.getUpload(id);
  if (!upload || upload.env !== ctx.env) throw new NotFoundError('upload', id);
  return toMuxUpload(upload);
}

export async function listUploads(query: ListQuery, ctx: UploadsContext) {
  const page = await pageOf((limit, cursor) => ctx.media.listUploads(ctx.env, limit, cursor), query);
  return listBody(page, toMuxUpload);
}

/**
 * waiting → cancelled. A file that still arrives afterwards is ignored by ingest: a cancelled upload never
 * becomes an asset.
 */
export async function cancelUpload(id: string, ctx: UploadsContext): Promise<MuxUpload> {
  await getUpload(id, ctx);
  return toMuxUpload(await ctx.media.transitionUpload(id, 'cancelled'));
}

/**
 * waiting → timed_out for every upload whose URL expired more than `graceSeconds` ago (a file PUT just before
 * expiry still gets its asset). Returns the ids it timed out; an upload that moved on meanwhile is left alone.
 */
export async function timeOutUploads(ctx: {
  media: MediaRepository;
  now?: () => number;
  /** @default 120 */
  graceSeconds?: number;
}): Promise<string[]> {
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  const grace = ctx.graceSeconds ?? 120;
  const expired = (await ctx.media.listWaitingUploads()).filter((u) => u.created_at + u.timeout + grace < now);
  const timedOut: string[] = [];
  for (const upload of expired) {
    try {
      await ctx.media.transitionUpload(upload.id, 'timed_out');
      timedOut.push(upload.id);
    } catch (err) {
      if (!(err instanceof TransitionError)) throw err;
    }
  }
  return timedOut;
}
