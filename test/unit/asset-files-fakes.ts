/** An in-memory DynamoAssetFiles over the fake media repository's assets (same guards: ready asset, master states). */
import { NotFoundError, TransitionError } from '../../lambdas/core/domain/errors.js';
import type { AssetRecord, MasterFile } from '../../lambdas/core/domain/media.js';
import {
  type StaticRenditionFile,
  type StaticRenditionOutcome,
  settleFiles,
  withAddedFiles,
  withoutFiles,
} from '../../lambdas/core/domain/static-renditions.js';
import type { MasterRemoval, MasterStore, StaticRenditionsStore } from '../../lambdas/core/ports.js';
import type { InMemoryMediaRepository } from './fakes.js';

export class InMemoryAssetFiles implements StaticRenditionsStore, MasterStore {
  constructor(private readonly media: InMemoryMediaRepository) {}

  private ready(assetId: string): AssetRecord {
    const asset = this.media.assets.get(assetId)?.asset;
    if (!asset || asset.status === 'deleted') throw new NotFoundError('asset', assetId);
    if (asset.status !== 'ready') throw new TransitionError('asset', assetId, 'files changed', ['ready']);
    return asset;
  }

  private rewrite(assetId: string, change: (files: StaticRenditionFile[]) => StaticRenditionFile[]): AssetRecord {
    const asset = this.ready(assetId);
    asset.static_renditions = change(asset.static_renditions ?? []);
    return structuredClone(asset);
  }

  async record(assetId: string, outcomes: readonly StaticRenditionOutcome[]): Promise<void> {
    this.rewrite(assetId, (files) => settleFiles(files, outcomes));
  }

  async addStaticRenditions(assetId: string, files: readonly StaticRenditionFile[]): Promise<AssetRecord> {
    return this.rewrite(assetId, (stored) => withAddedFiles(stored, files));
  }

  async removeStaticRenditions(assetId: string, fileIds: readonly string[], settledOnly = false): Promise<AssetRecord> {
    return this.rewrite(assetId, (stored) => withoutFiles(stored, fileIds, settledOnly));
  }

  async requestMaster(assetId: string): Promise<{ asset: AssetRecord; started: boolean }> {
    const asset = this.ready(assetId);
    if (asset.master && asset.master.status !== 'errored') return { asset: structuredClone(asset), started: false };
    asset.master_access = 'temporary';
    asset.master = { status: 'preparing' };
    return { asset: structuredClone(asset), started: true };
  }

  async settleMaster(assetId: string, master: MasterFile): Promise<void> {
    const asset = this.ready(assetId);
    if (asset.master?.status !== 'preparing') throw new TransitionError('asset', assetId, 'master', ['preparing']);
    asset.master = master;
  }

  async removeMaster(assetId: string, which: MasterRemoval = 'any'): Promise<AssetRecord | undefined> {
    const asset = this.media.assets.get(assetId)?.asset;
    if (!asset?.master || asset.status === 'deleted') return undefined;
    if (which === 'settled' && asset.master.status === 'preparing') return undefined;
    if (typeof which === 'object' && asset.master.expires_at !== which.expiresAt) return undefined;
    delete asset.master;
    asset.master_access = 'none';
    return structuredClone(asset);
  }

  async listExpiredMasters(now: number): Promise<AssetRecord[]> {
    return [...this.media.assets.values()]
      .map((s) => s.asset)
      .filter((a) => a.status !== 'deleted' && a.master?.expires_at !== undefined && a.master.expires_at < now)
      .map((a) => structuredClone(a));
  }
}
