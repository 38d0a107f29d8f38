import { NotFoundError } from '../domain/errors.js';
import { type MuxAsset, toMuxAsset } from '../domain/media.js';
import type { MediaRepository } from '../ports.js';
import { type ListQuery, listBody, pageOf } from './listing.js';

export interface AssetsContext {
  /** The caller's environment: an asset of another environment is not found. */
  env: string;
  media: MediaRepository;
}

export async function getAsset(id: string, ctx: AssetsContext): Promise<MuxAsset> {
  const asset = await ctx.media.getAsset(id);
  if (!asset || asset.env !== ctx.env) throw new NotFoundError('asset', id);
  return toMuxAsset(asset);
}

export async function listAssets(query: ListQuery, ctx: AssetsContext) {
  const page = await pageOf((limit, cursor) => ctx.media.listAssets(ctx.env, limit, cursor), query);
  return listBody(page, toMuxAsset);
}
