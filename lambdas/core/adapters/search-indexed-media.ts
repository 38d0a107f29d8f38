import type { AssetSearchIndex, MediaRepository } from '../ports.js';

/**
 * A media repository that keeps the asset search index in step with every asset it creates, edits or deletes, so
 * each handler that writes assets (API, ingest, URL fetch) gets the index by wrapping its repository, and no use case
 * has to remember it. The index is written after the asset: an edit whose index write fails leaves a stale entry,
 * which searches skip (they re-check each asset), and the next edit repairs.
 */
export function withSearchIndex(media: MediaRepository, search: AssetSearchIndex): MediaRepository {
  // Every other method is the repository's own (the prototype chain), called on the repository itself.
  const indexed: Pick<MediaRepository, 'createAsset' | 'updateAsset' | 'deleteAsset'> = {
    async createAsset(asset) {
      const result = await media.createAsset(asset);
      // Also when it existed already: a retry after a failed index write completes it, as with playback ids.
      await search.sync(undefined, result.asset);
      return result;
    },
    async updateAsset(id, patch, unset) {
      const before = await media.getAsset(id);
      const after = await media.updateAsset(id, patch, unset);
      await search.sync(before, after);
      return after;
    },
    async deleteAsset(id) {
      const deleted = await media.deleteAsset(id);
      // The deleted record's values say which entries exist; its status, that none stay.
      await search.sync(deleted, deleted);
      return deleted;
    },
  };
  return Object.assign(Object.create(media) as MediaRepository, indexed);
}
