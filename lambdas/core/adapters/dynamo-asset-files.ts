/**
 * The asset item's downloadable files: its `static_renditions` list and its `master`. Split from
 * DynamoAssetRepository along that seam (same item, same MediaTable and named conditions): the transcoder and the
 * API write these after the asset is ready, nothing else does.
 *
 * The list is rewritten whole (read, change, write), so each write is guarded by `files_version`, a counter only
 * these writes move: two writers that read the same list cannot both write it, and the loser reads again.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError, TransitionError } from '../domain/errors.js';
import type { AssetRecord, MasterFile } from '../domain/media.js';
import {
  type StaticRenditionFile,
  type StaticRenditionOutcome,
  settleFiles,
  withAddedFiles,
  withoutFiles,
} from '../domain/static-renditions.js';
import type { MasterRemoval, MasterStore, StaticRenditionsStore } from '../ports.js';
import { when } from './asset-item.js';
import { and, type Expr } from './dynamo-expressions.js';
import { assetFromItem } from './media-items.js';
import { MediaTable } from './media-table.js';

type Item = Record<string, unknown>;

/** Rereads after a lost race at most this many times (each loser lost to a write that did complete). */
const MAX_LIST_WRITES = 8;

const versionIs = (version: number | undefined): Expr =>
  version === undefined
    ? { text: 'attribute_not_exists(files_version)' }
    : { text: 'files_version = :version', values: { ':version': version } };

const masterIs = (status: MasterFile['status']): Expr => ({
  text: 'master.#masterStatus = :masterStatus',
  names: { '#masterStatus': 'status' },
  values: { ':masterStatus': status },
});

export class DynamoAssetFiles implements StaticRenditionsStore, MasterStore {
  private readonly table: MediaTable;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.table = new MediaTable(doc, tableName);
  }

  async record(assetId: string, outcomes: readonly StaticRenditionOutcome[]): Promise<void> {
    await this.rewriteList(assetId, (files) => settleFiles(files, outcomes));
  }

  async addStaticRenditions(assetId: string, files: readonly StaticRenditionFile[]): Promise<AssetRecord> {
    return this.rewriteList(assetId, (stored) => withAddedFiles(stored, files));
  }

  async removeStaticRenditions(assetId: string, fileIds: readonly string[], settledOnly = false): Promise<AssetRecord> {
    return this.rewriteList(assetId, (stored) => withoutFiles(stored, fileIds, settledOnly));
  }

  async requestMaster(assetId: string): Promise<{ asset: AssetRecord; started: boolean }> {
    const written = await this.table.update(
      'asset',
      assetId,
      {
        text: 'SET master_access = :temporary, master = :master',
        values: { ':temporary': 'temporary', ':master': { status: 'preparing' } },
      },
      and(when.ready, {
        text: '(attribute_not_exists(master) OR master.#masterStatus = :errored)',
        names: { '#masterStatus': 'status' },
        values: { ':errored': 'errored' },
      }),
    );
    if (written.ok) return { asset: assetFromItem(written.item), started: true };
    if (written.old?.status !== 'ready') throw new TransitionError('asset', assetId, 'master preparing', ['ready']);
    return { asset: assetFromItem(written.old), started: false };
  }

  async settleMaster(assetId: string, master: MasterFile): Promise<void> {
    const written = await this.table.update(
      'asset',
      assetId,
      { text: 'SET master = :master', values: { ':master': master } },
      and(when.ready, masterIs('preparing')),
    );
    if (!written.ok) throw new TransitionError('asset', assetId, `master ${master.status}`, ['master preparing']);
  }

  async removeMaster(assetId: string, which: MasterRemoval = 'any'): Promise<AssetRecord | undefined> {
    const stillThatOne: Expr =
      which === 'any'
        ? { text: 'attribute_exists(master)' }
        : which === 'settled'
          ? {
              text: 'attribute_exists(master) AND master.#masterStatus <> :preparing',
              names: { '#masterStatus': 'status' },
              values: { ':preparing': 'preparing' },
            }
          : { text: 'master.expires_at = :expiresAt', values: { ':expiresAt': which.expiresAt } };
    const written = await this.table.update(
      'asset',
      assetId,
      { text: 'SET master_access = :none REMOVE master', values: { ':none': 'none' } },
      and(when.exists, when.notDeleted, stillThatOne),
    );
    return written.ok ? assetFromItem(written.item) : undefined;
  }

  async listExpiredMasters(now: number): Promise<AssetRecord[]> {
    const items = await this.table.scan(
      and({ text: 'kind = :asset', values: { ':asset': 'asset' } }, when.notDeleted, {
        text: 'master.expires_at < :now',
        values: { ':now': now },
      }),
    );
    return items.map(assetFromItem);
  }

  /** Reads the list, changes it and writes it back while the asset is ready and no other write came between. */
  private async rewriteList(
    assetId: string,
    change: (files: StaticRenditionFile[]) => StaticRenditionFile[],
  ): Promise<AssetRecord> {
    for (let attempt = 0; attempt < MAX_LIST_WRITES; attempt++) {
      const item = await this.table.get('asset', assetId);
      if (!item || item.status === 'deleted') throw new NotFoundError('asset', assetId);
      const version = typeof item.files_version === 'number' ? item.files_version : undefined;
      const files = change((item.static_renditions ?? []) as StaticRenditionFile[]);
      const written = await this.table.update(
        'asset',
        assetId,
        {
          text: 'SET static_renditions = :files, files_version = :next',
          values: { ':files': files, ':next': (version ?? 0) + 1 },
        },
        and(when.ready, versionIs(version)),
      );
      if (written.ok) return assetFromItem(written.item);
      if ((written.old as Item | undefined)?.status !== 'ready') {
        throw new TransitionError('asset', assetId, 'static renditions changed', ['ready']);
      }
    }
    throw new Error(`asset ${assetId}: the static renditions changed under ${MAX_LIST_WRITES} writes in a row`);
  }
}
