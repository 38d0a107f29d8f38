/**
 * Mux's test assets are deleted after 24 hours. The sweeper (every 10 minutes) finds those past their life and
 * deletes each as `DELETE /video/v1/assets/{id}` does: marked deleted (so the `video.asset.deleted` webhook goes out
 * from the table's stream), playback ids removed, then its files.
 */
import { TEST_ASSET_LIFETIME_SECONDS } from '../domain/clips.js';
import { TransitionError } from '../domain/errors.js';
import type { MediaObjects, MediaRepository, TestAssetExpiry } from '../ports.js';
import { deleteAssetAndFiles } from './assets.js';

export interface TestAssetSweepContext {
  media: MediaRepository;
  expiry: TestAssetExpiry;
  objects: MediaObjects;
  outputBucket: string;
  now?: () => number;
}

/** Deletes every test asset older than its lifetime; returns their ids. One that fails is left for the next sweep. */
export async function deleteExpiredTestAssets(ctx: TestAssetSweepContext): Promise<string[]> {
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  const deleted: string[] = [];
  for (const id of await ctx.expiry.listExpiredTests(now - TEST_ASSET_LIFETIME_SECONDS)) {
    try {
      await deleteAssetAndFiles(id, ctx);
      deleted.push(id);
    } catch (err) {
      // Deleted meanwhile (by its owner): nothing left to do.
      if (!(err instanceof TransitionError)) throw err;
    }
  }
  return deleted;
}
