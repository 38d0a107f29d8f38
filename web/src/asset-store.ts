/**
 * The page of assets on screen, kept current by live events, and the upload queue's view of upload events.
 */
import { ApiError, type Asset, type GammaApi } from './api.js';
import { t } from './i18n/index.js';
import type { LiveEvent } from './live.js';
import { toast } from './ui.js';
import type { UploadItem, UploadQueue } from './upload.js';

const PAGE_SIZE = 25;

/** The page of assets on screen, kept current by live events. Emits `change`. */
export class AssetStore extends EventTarget {
  assets: Asset[] = [];
  loading = false;
  error?: string;
  /** The API refused the token (revoked, or a wrong one): the person must sign in again. */
  unauthorized = false;
  nextCursor?: string;
  /** Cursors of the pages before this one; empty on the first page. */
  private previous: Array<string | undefined> = [];
  private cursor?: string;
  /** The search (3+ characters) and status the API filters the whole environment by; none: the plain list. */
  query: { search?: string; status?: string } = {};
  private loads = 0;

  constructor(private readonly api: GammaApi) {
    super();
  }

  get page() {
    return this.previous.length + 1;
  }

  async load(cursor = this.cursor): Promise<void> {
    this.loading = true;
    this.changed();
    // A later load (another search typed meanwhile) wins over one still in flight.
    const load = ++this.loads;
    try {
      const page = await this.api.listAssets({ limit: PAGE_SIZE, cursor, ...this.query });
      if (load !== this.loads) return;
      this.cursor = cursor;
      this.assets = page.data.filter((a) => a.status !== 'deleted');
      this.nextCursor = page.next_cursor;
      this.error = undefined;
    } catch (err) {
      this.error = (err as Error).message;
      this.unauthorized =
        err instanceof ApiError && (err.status === 401 || err.status === 403) && err.type !== 'forbidden';
    }
    this.loading = false;
    this.changed();
  }

  /** Lists from the first page again, filtered by the API. */
  setQuery(query: { search?: string; status?: string }) {
    if (query.search === this.query.search && query.status === this.query.status) return;
    this.query = query;
    this.previous = [];
    this.cursor = undefined;
    void this.load();
  }

  next() {
    if (!this.nextCursor) return;
    this.previous.push(this.cursor);
    void this.load(this.nextCursor);
  }

  prev() {
    if (this.previous.length === 0) return;
    void this.load(this.previous.pop());
  }

  find(id: string) {
    return this.assets.find((a) => a.id === id);
  }

  /** Applies a live event: new assets appear on the first page, changed ones update, deleted ones go. */
  apply(event: LiveEvent): void {
    if (event.object.type !== 'asset') return;
    const asset = event.data as Asset;
    const i = this.assets.findIndex((a) => a.id === asset.id);
    if (event.type === 'video.asset.deleted' || asset.status === 'deleted') {
      if (i >= 0) this.assets.splice(i, 1);
    } else if (i >= 0) this.assets[i] = asset;
    else if (this.page === 1) this.assets.unshift(asset);
    else return;
    this.changed();
  }

  remove(id: string) {
    this.assets = this.assets.filter((a) => a.id !== id);
    this.changed();
  }

  private changed() {
    this.dispatchEvent(new Event('change'));
  }
}

export function reportUploadEvents(queue: UploadQueue, event: LiveEvent): void {
  if (event.object.type !== 'upload') return;
  const item = queue.byUploadId(event.object.id);
  if (!item) return;
  item.upload = { ...item.upload, ...event.data } as UploadItem['upload'];
  if (event.type === 'video.upload.errored' || event.type === 'video.upload.timed_out') {
    item.state = 'failed';
    item.error = event.type === 'video.upload.timed_out' ? t('upload.expired') : t('upload.errored');
    toast(t('upload.problem', { name: item.file.name, problem: item.error }), 'error');
  }
  queue.dispatchEvent(new Event('change'));
}
