import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { entriesDiff } from '../../lambdas/core/domain/search.js';
import type { AssetSearchIndex, Page, SearchHit } from '../../lambdas/core/ports.js';
import type { InMemoryMediaRepository } from './fakes.js';

/** The index over an in-memory repository, kept by `sync` like the real one (sorted entries, prefix range). */
export class InMemorySearch implements AssetSearchIndex {
  readonly entries = new Map<string, { env: string; key: string; id: string }>();
  constructor(private readonly media: InMemoryMediaRepository) {}
  async sync(before: AssetRecord | undefined, after: AssetRecord | undefined) {
    const { put, remove } = entriesDiff(before, after);
    const asset = (after ?? before) as AssetRecord;
    for (const e of remove) this.entries.delete(`${asset.id}#${e.field}#${e.value}`);
    for (const e of put)
      this.entries.set(`${asset.id}#${e.field}#${e.value}`, { env: asset.env, key: e.value, id: asset.id });
  }
  async find(env: string, query: string, limit: number, cursor?: string): Promise<Page<SearchHit>> {
    const all = [...this.entries.values()]
      .filter((e) => e.env === env && e.key.startsWith(query))
      .sort((a, b) => `${a.key}\u0001${a.id}`.localeCompare(`${b.key}\u0001${b.id}`));
    const start = cursor === undefined ? 0 : Number(cursor);
    const items = all.slice(start, start + limit).map((e, i) => ({ id: e.id, after: String(start + i + 1) }));
    return { items, ...(start + limit < all.length && { next: String(start + limit) }) };
  }
  async getAssets(ids: string[]) {
    return (await Promise.all(ids.map((id) => this.media.getAsset(id)))).filter((a) => a !== undefined);
  }
  async listByStatus(env: string, status: AssetRecord['status'], limit: number, cursor?: string) {
    const page = await this.media.listAssets(env, limit, cursor);
    return { ...page, items: page.items.filter((a) => a.status === status) };
  }
}
