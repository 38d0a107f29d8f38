import { z } from 'zod';
import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { uploadObjectKey } from '../domain/layout.js';
import { type MuxUpload, toMuxUpload, type UploadRecord } from '../domain/media.js';
import type { MediaRepository, UploadUrls } from '../ports.js';
import { type ListQuery, listBody, pageOf } from './listing.js';

/** Mux's `new_asset_settings` as far as Gamma supports it; unknown fields are rejected, not ignored. */
const NewAssetSettings = z.strictObject({
  playback_policies: z
    .array(z.enum(['public', 'signed']))
    .max(5)
    .optional(),
  passthrough: z.string().max(255, { error: 'must be at most 255 characters' }).optional(),
  max_resolution_tier: z.enum(['1080p', '1440p', '2160p']).optional(),
  meta: z
    .strictObject({
      title: z.string().max(512).optional(),
      creator_id: z.string().max(128).optional(),
      external_id: z.string().max(128).optional(),
    })
    .optional(),
});

/** The body of `POST /video/v1/uploads`. */
export const CreateUploadInput = z.strictObject({
  cors_origin: z.string().min(1).optional(),
  new_asset_settings: NewAssetSettings.default({}),
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
