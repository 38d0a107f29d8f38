/**
 * The asset list: uploads in flight at the top (waiting, with progress and cancel), then the assets of the page,
 * updated live from the WebSocket (preparing → ready / errored) without reloading. Search and the status filter
 * apply to the rows shown; pages follow the API's cursor.
 */
import type { Asset, GammaApi } from './api.js';
import type { DashboardConfig } from './config.js';
import { h, ICONS, icon, replace } from './dom.js';
import { ago, bytes, createdAt, dateTime, duration } from './format.js';
import type { LiveEvent } from './live.js';
import { assetTitle, resolution, statusBadge, thumbnail, toast } from './ui.js';
import { MP4_DOWNLOAD_KEY, type UploadItem, type UploadQueue, uploadSettings } from './upload.js';

const PAGE_SIZE = 25;

/** The page of assets on screen, kept current by live events. Emits `change`. */
export class AssetStore extends EventTarget {
  assets: Asset[] = [];
  loading = false;
  error?: string;
  nextCursor?: string;
  /** Cursors of the pages before this one; empty on the first page. */
  private previous: Array<string | undefined> = [];
  private cursor?: string;

  constructor(private readonly api: GammaApi) {
    super();
  }

  get page() {
    return this.previous.length + 1;
  }

  async load(cursor = this.cursor): Promise<void> {
    this.loading = true;
    this.changed();
    try {
      const page = await this.api.listAssets({ limit: PAGE_SIZE, cursor });
      this.cursor = cursor;
      this.assets = page.data.filter((a) => a.status !== 'deleted');
      this.nextCursor = page.next_cursor;
      this.error = undefined;
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.loading = false;
    this.changed();
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

type Filter = 'all' | 'waiting' | 'preparing' | 'ready' | 'errored';

interface Row {
  el: HTMLElement;
  signature: string;
  update?(): void;
}

export function assetsView(ctx: { config: DashboardConfig; store: AssetStore; queue: UploadQueue }): {
  element: HTMLElement;
  dispose(): void;
} {
  const { config, store, queue } = ctx;
  let query = '';
  let filter: Filter = 'all';

  const fileInput = h('input', {
    type: 'file',
    multiple: true,
    accept: 'video/*,audio/*,.mkv,.mov,.mxf',
    class: 'sr-only',
    id: 'file-input',
  });
  fileInput.addEventListener('change', () => {
    if (fileInput.files?.length) queue.add(Array.from(fileInput.files));
    fileInput.value = '';
  });
  const uploadButton = h('label', { class: 'button primary', for: 'file-input' }, icon(ICONS.upload), 'Upload video');
  // The label is the visible control; keyboard users reach the (visually hidden) input itself.
  fileInput.addEventListener('focus', () => uploadButton.classList.add('focus'));
  fileInput.addEventListener('blur', () => uploadButton.classList.remove('focus'));

  const search = h('input', {
    type: 'search',
    id: 'asset-search',
    placeholder: 'Search by title or ID',
    autocomplete: 'off',
  });
  search.addEventListener('input', () => {
    query = search.value.trim().toLowerCase();
    render();
  });
  const status = h(
    'select',
    { id: 'status-filter' },
    ...(['all', 'waiting', 'preparing', 'ready', 'errored'] as const).map((value) =>
      h('option', { value }, value === 'all' ? 'All statuses' : value[0]?.toUpperCase() + value.slice(1)),
    ),
  );
  status.addEventListener('change', () => {
    filter = status.value as Filter;
    render();
  });

  const list = h('ul', { class: 'asset-list', 'aria-label': 'Assets' });
  const empty = h('div', { class: 'empty', hidden: true });
  const summary = h('p', { class: 'muted summary', 'aria-live': 'polite' });
  const prev = h('button', { class: 'button ghost', type: 'button', onclick: () => store.prev() }, 'Previous');
  const next = h('button', { class: 'button ghost', type: 'button', onclick: () => store.next() }, 'Next');
  const pageLabel = h('span', { class: 'muted' });
  const errorBox = h('div', { class: 'alert', role: 'alert', hidden: true });

  const dropzone = h(
    'section',
    { class: 'dropzone', 'aria-label': 'Upload' },
    icon(ICONS.upload),
    h(
      'p',
      null,
      h('strong', null, 'Drop video files here'),
      ' or ',
      h('label', { for: 'file-input', class: 'link' }, 'choose files'),
    ),
    h(
      'p',
      { class: 'muted small' },
      'Several at once; each goes straight to storage and starts processing when it lands.',
    ),
    mp4Choice(),
  );

  const element = h(
    'section',
    { class: 'view assets-view' },
    h(
      'div',
      { class: 'view-header' },
      h('div', null, h('h1', null, 'Assets'), summary),
      h('div', { class: 'header-actions' }, fileInput, uploadButton),
    ),
    dropzone,
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { class: 'field grow' }, h('span', { class: 'sr-only' }, 'Search assets'), search),
      h('label', { class: 'field' }, h('span', { class: 'sr-only' }, 'Filter by status'), status),
    ),
    errorBox,
    h(
      'div',
      { class: 'list-head', 'aria-hidden': 'true' },
      h('span'),
      h('span', null, 'Title'),
      h('span', null, 'Status'),
      h('span', null, 'Duration'),
      h('span', null, 'Resolution'),
      h('span', null, 'Created'),
    ),
    list,
    empty,
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, pageLabel, next),
  );

  // Drag and drop anywhere on the view.
  let dragDepth = 0;
  element.addEventListener('dragenter', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    dragDepth++;
    element.classList.add('dragging');
  });
  element.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  element.addEventListener('dragleave', () => {
    if (--dragDepth <= 0) element.classList.remove('dragging');
  });
  element.addEventListener('drop', (e) => {
    e.preventDefault();
    dragDepth = 0;
    element.classList.remove('dragging');
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (files.length) queue.add(files);
  });

  const rows = new Map<string, Row>();

  /** Uploads not yet represented by an asset row. */
  const pendingUploads = () =>
    queue.items.filter((item) => {
      if (item.state === 'cancelled') return false;
      const assetId = item.upload?.asset_id;
      return !(assetId && store.find(assetId)) && !store.assets.some((a) => a.upload_id === item.upload?.id);
    });

  function matches(title: string, id: string, rowStatus: string) {
    if (filter !== 'all' && rowStatus !== filter) return false;
    return !query || title.toLowerCase().includes(query) || id.toLowerCase().includes(query);
  }

  function render() {
    const wanted: Array<[string, () => Row]> = [];
    if (store.page === 1) {
      for (const item of pendingUploads()) {
        // An upload in flight is an asset-to-be in Mux's `waiting` state.
        if (!matches(item.title, item.upload?.id ?? '', 'waiting')) continue;
        wanted.push([`u:${item.key}`, () => uploadRow(item)]);
      }
    }
    for (const asset of store.assets) {
      if (!matches(assetTitle(asset), asset.id, asset.status)) continue;
      wanted.push([`a:${asset.id}`, () => assetRow(config, asset)]);
    }
    // Keyed reconciliation: unchanged rows stay in place, so focus and images survive live updates.
    const keep = new Set(wanted.map(([key]) => key));
    for (const [key, row] of rows) {
      if (!keep.has(key)) {
        row.el.remove();
        rows.delete(key);
      }
    }
    let cursor: ChildNode | null = list.firstChild;
    for (const [key, make] of wanted) {
      let row = rows.get(key);
      const fresh = make();
      if (row && row.signature !== fresh.signature && !row.update) {
        if (cursor === row.el) cursor = row.el.nextSibling;
        row.el.remove();
        row = undefined;
      }
      if (row) row.update?.();
      else {
        row = fresh;
        rows.set(key, row);
      }
      if (row.el === cursor) cursor = cursor.nextSibling;
      else list.insertBefore(row.el, cursor);
    }

    const total = store.assets.length;
    const shown = wanted.length;
    empty.hidden = shown > 0 || store.loading;
    replace(
      empty,
      total === 0 && queue.items.length === 0 && store.page === 1
        ? h(
            'div',
            null,
            h('h2', null, 'No videos yet'),
            h('p', { class: 'muted' }, 'Upload a file and it will appear here, then play as soon as it is ready.'),
          )
        : h('p', { class: 'muted' }, 'Nothing matches this search or filter.'),
    );
    summary.textContent = store.loading
      ? 'Loading…'
      : `${total} ${total === 1 ? 'asset' : 'assets'} on this page${query || filter !== 'all' ? `, ${shown} shown` : ''}`;
    prev.disabled = store.page === 1 || store.loading;
    next.disabled = !store.nextCursor || store.loading;
    pageLabel.textContent = `Page ${store.page}`;
    errorBox.hidden = !store.error;
    errorBox.textContent = store.error ? `The assets could not be loaded: ${store.error}` : '';
    dropzone.classList.toggle('compact', total > 0 || queue.items.length > 0);
  }

  function uploadRow(item: UploadItem): Row {
    const bar = h('progress', {
      max: item.file.size || 1,
      value: item.sent,
      'aria-label': `Upload progress of ${item.file.name}`,
    });
    const detail = h('span', { class: 'muted small' });
    const badge = h('span');
    const actions = h('div', { class: 'row-actions' });
    const el = h(
      'li',
      { class: 'asset-row upload-row', dataset: { upload: String(item.key) } },
      thumbnail(config, undefined),
      h(
        'div',
        { class: 'cell-title' },
        h('span', { class: 'title' }, item.title),
        h('div', { class: 'upload-progress' }, bar, detail),
      ),
      badge,
      h('span', { class: 'cell-muted' }, '—'),
      h('span', { class: 'cell-muted' }, bytes(item.file.size)),
      actions,
    );
    const update = () => {
      bar.value = item.sent;
      const pct = item.file.size ? Math.floor((item.sent / item.file.size) * 100) : 0;
      const text: Record<UploadItem['state'], string> = {
        queued: 'Queued',
        uploading: item.sent
          ? `${item.parts?.resumed ? 'Resumed · ' : ''}${pct}% · ${bytes(item.sent)} of ${bytes(item.file.size)}` +
            (item.parts ? ` · ${item.parts.done} of ${item.parts.total} parts` : '')
          : 'Starting…',
        processing: 'Uploaded · waiting for processing to start',
        failed: item.error ?? 'Upload failed',
        cancelled: 'Cancelled',
      };
      detail.textContent = text[item.state];
      detail.classList.toggle('error-text', item.state === 'failed');
      bar.hidden = item.state === 'failed';
      replace(badge, statusBadge(item.state === 'failed' ? 'failed' : 'waiting'));
      const wantActions = item.state === 'failed' ? 'failed' : item.state === 'processing' ? 'none' : 'active';
      if (actions.dataset.mode !== wantActions) {
        actions.dataset.mode = wantActions;
        replace(
          actions,
          wantActions === 'active' &&
            h(
              'button',
              {
                class: 'button small ghost',
                type: 'button',
                onclick: () => queue.cancel(item),
                'aria-label': `Cancel upload of ${item.file.name}`,
              },
              'Cancel',
            ),
          wantActions === 'failed' &&
            h(
              'button',
              {
                class: 'button small',
                type: 'button',
                onclick: () => queue.retry(item),
                'aria-label': `Retry upload of ${item.file.name}`,
              },
              icon(ICONS.retry),
              'Retry',
            ),
          wantActions === 'failed' &&
            h(
              'button',
              {
                class: 'button small ghost',
                type: 'button',
                onclick: () => queue.dismiss(item),
                'aria-label': `Dismiss ${item.file.name}`,
              },
              'Dismiss',
            ),
        );
      }
    };
    update();
    return { el, signature: `u${item.key}`, update };
  }

  const onChange = () => render();
  store.addEventListener('change', onChange);
  queue.addEventListener('change', onChange);
  const clock = setInterval(() => {
    for (const time of list.querySelectorAll<HTMLTimeElement>('time[data-ago]')) {
      time.textContent = ago(new Date(time.dateTime));
    }
  }, 30_000);
  render();
  return {
    element,
    dispose() {
      store.removeEventListener('change', onChange);
      queue.removeEventListener('change', onChange);
      clearInterval(clock);
    },
  };
}

function assetRow(config: DashboardConfig, asset: Asset): Row {
  const created = createdAt(asset.created_at);
  const el = h(
    'li',
    { class: 'asset-row', dataset: { asset: asset.id, status: asset.status } },
    thumbnail(config, asset),
    h(
      'div',
      { class: 'cell-title' },
      h('a', { class: 'title', href: `#/assets/${asset.id}` }, assetTitle(asset)),
      h('code', { class: 'id' }, asset.id),
      asset.status === 'errored' &&
        h('span', { class: 'error-text small' }, asset.errors?.messages?.[0] ?? 'Processing failed'),
    ),
    statusBadge(asset.status),
    h('span', { class: 'cell-muted', 'aria-label': 'Duration' }, duration(asset.duration)),
    h('span', { class: 'cell-muted', 'aria-label': 'Resolution' }, asset.status === 'ready' ? resolution(asset) : '—'),
    h(
      'time',
      { class: 'cell-muted', dateTime: created.toISOString(), title: dateTime(created), dataset: { ago: '' } },
      ago(created),
    ),
  );
  // The whole row opens the asset; the title link is what keyboard and screen-reader users reach.
  el.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('a, button')) return;
    location.hash = `#/assets/${asset.id}`;
  });
  return { el, signature: JSON.stringify(asset) };
}

export function reportUploadEvents(queue: UploadQueue, event: LiveEvent): void {
  if (event.object.type !== 'upload') return;
  const item = queue.byUploadId(event.object.id);
  if (!item) return;
  item.upload = { ...item.upload, ...event.data } as UploadItem['upload'];
  if (event.type === 'video.upload.errored' || event.type === 'video.upload.timed_out') {
    item.state = 'failed';
    item.error =
      event.type === 'video.upload.timed_out'
        ? 'The upload URL expired before the file arrived.'
        : 'The upload failed.';
    toast(`${item.file.name}: ${item.error}`, 'error');
  }
  queue.dispatchEvent(new Event('change'));
}

/** "Also make an MP4 download": a choice for the next uploads, remembered in this browser. */
function mp4Choice() {
  const box = h('input', { type: 'checkbox', id: 'mp4-download', checked: uploadSettings().mp4Download });
  box.addEventListener('change', () => localStorage.setItem(MP4_DOWNLOAD_KEY, String(box.checked)));
  return h('label', { class: 'muted small choice', for: 'mp4-download' }, box, ' Also make an MP4 download');
}
