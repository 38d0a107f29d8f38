/**
 * The asset list: uploads in flight at the top (waiting, with progress and cancel), then the assets of the page,
 * updated live from the WebSocket (preparing → ready / errored) without reloading. Search (3+ characters) and the
 * status filter go to the API, over the whole environment; pages follow the API's cursor. A token without
 * video:write sees no upload controls.
 */

import type { Asset } from './api.js';
import { type ListItem, listRow } from './asset-rows.js';
import type { AssetStore } from './asset-store.js';
import type { DashboardConfig } from './config.js';
import { h, ICONS, icon, KeyedList, replace } from './dom.js';
import { ago, number } from './format.js';
import { t, tNodes } from './i18n/index.js';
import { assetTitle } from './ui.js';
import { MP4_DOWNLOAD_KEY, type UploadQueue, uploadSettings } from './upload.js';

type Filter = 'all' | 'waiting' | 'preparing' | 'ready' | 'errored';

/** The API searches from this many characters (lambdas/core/domain/search.ts MIN_SEARCH_LENGTH). */
const MIN_SEARCH_LENGTH = 3;
const SEARCH_DELAY_MS = 300;

export function assetsView(ctx: {
  config: DashboardConfig;
  store: AssetStore;
  queue: UploadQueue;
  canUpload: boolean;
}): {
  element: HTMLElement;
  dispose(): void;
} {
  const { config, store, queue } = ctx;
  let query = store.query.search ?? '';
  let filter: Filter = (store.query.status as Filter | undefined) ?? 'all';
  let typing: ReturnType<typeof setTimeout> | undefined;
  /** The whole environment is searched and filtered by the API; uploads in flight are matched here. */
  const askApi = () =>
    store.setQuery({
      ...(query.length >= MIN_SEARCH_LENGTH && { search: query }),
      ...(filter !== 'all' && filter !== 'waiting' && { status: filter }),
    });

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
  const uploadButton = h(
    'label',
    { class: 'button primary', for: 'file-input' },
    icon(ICONS.upload),
    t('assets.upload'),
  );
  // The label is the visible control; keyboard users reach the (visually hidden) input itself.
  fileInput.addEventListener('focus', () => uploadButton.classList.add('focus'));
  fileInput.addEventListener('blur', () => uploadButton.classList.remove('focus'));

  const search = h('input', {
    type: 'search',
    id: 'asset-search',
    placeholder: t('assets.searchPlaceholder'),
    autocomplete: 'off',
  });
  search.value = query;
  search.addEventListener('input', () => {
    query = search.value.trim().toLowerCase();
    render();
    clearTimeout(typing);
    typing = setTimeout(askApi, SEARCH_DELAY_MS);
  });
  const status = h(
    'select',
    { id: 'status-filter' },
    ...(['all', 'waiting', 'preparing', 'ready', 'errored'] as const).map((value) =>
      h('option', { value }, value === 'all' ? t('assets.allStatuses') : t(`status.${value}`)),
    ),
  );
  status.value = filter;
  status.addEventListener('change', () => {
    filter = status.value as Filter;
    render();
    askApi();
  });

  const list = h('ul', { class: 'asset-list', 'aria-label': t('assets.title') });
  const empty = h('div', { class: 'empty', hidden: true });
  const summary = h('p', { class: 'muted summary', 'aria-live': 'polite' });
  const prev = h(
    'button',
    { class: 'button ghost', type: 'button', onclick: () => store.prev() },
    t('assets.previous'),
  );
  const next = h('button', { class: 'button ghost', type: 'button', onclick: () => store.next() }, t('assets.next'));
  const pageLabel = h('span', { class: 'muted' });
  const errorBox = h('div', { class: 'alert', role: 'alert', hidden: true });

  const dropzone = h(
    'section',
    { class: 'dropzone', 'aria-label': t('assets.uploadRegion') },
    icon(ICONS.upload),
    h(
      'p',
      null,
      ...tNodes('assets.dropHint', {
        drop: h('strong', null, t('assets.dropFiles')),
        choose: h('label', { for: 'file-input', class: 'link' }, t('assets.chooseFiles')),
      }),
    ),
    h('p', { class: 'muted small' }, t('assets.dropDetail')),
    mp4Choice(),
  );

  const element = h(
    'section',
    { class: 'view assets-view' },
    h(
      'div',
      { class: 'view-header' },
      h('div', null, h('h1', null, t('assets.title')), summary),
      ctx.canUpload && h('div', { class: 'header-actions' }, fileInput, uploadButton),
    ),
    ctx.canUpload && dropzone,
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { class: 'field grow' }, h('span', { class: 'sr-only' }, t('assets.search')), search),
      h('label', { class: 'field' }, h('span', { class: 'sr-only' }, t('assets.filter')), status),
    ),
    errorBox,
    h(
      'div',
      { class: 'list-head', 'aria-hidden': 'true' },
      h('span'),
      h('span', null, t('assets.colTitle')),
      h('span', null, t('assets.colStatus')),
      h('span', null, t('assets.colDuration')),
      h('span', null, t('assets.colResolution')),
      h('span', null, t('assets.colCreated')),
    ),
    list,
    empty,
    h('nav', { class: 'pager', 'aria-label': t('assets.pages') }, prev, pageLabel, next),
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
    if (files.length && ctx.canUpload) queue.add(files);
  });

  const rows = new KeyedList<ListItem>(list, (first) => listRow(config, queue, first));

  /** Uploads not yet represented by an asset row. */
  const pendingUploads = () =>
    queue.items.filter((item) => {
      if (item.state === 'cancelled') return false;
      const upload = item.upload;
      if (!upload) return true;
      // An asset made from a URL has no upload_id: compare only once the upload exists.
      return !(upload.asset_id && store.find(upload.asset_id)) && !store.assets.some((a) => a.upload_id === upload.id);
    });

  function matches(title: string, id: string, rowStatus: string) {
    if (filter !== 'all' && rowStatus !== filter) return false;
    return !query || title.toLowerCase().includes(query) || id.toLowerCase().includes(query);
  }
  /** An asset row: the API already applied a search it was given (external ids, passthrough… match there). */
  const assetMatches = (asset: Asset) =>
    filter === 'all' || asset.status === filter
      ? store.query.search !== undefined || matches(assetTitle(asset), asset.id, asset.status)
      : false;

  function render() {
    const wanted: Array<[string, ListItem]> = [];
    if (store.page === 1) {
      for (const item of pendingUploads()) {
        // An upload in flight is an asset-to-be in Mux's `waiting` state.
        if (!matches(item.title, item.upload?.id ?? '', 'waiting')) continue;
        wanted.push([`u:${item.key}`, { kind: 'upload', item }]);
      }
    }
    for (const asset of store.assets) {
      if (!assetMatches(asset)) continue;
      wanted.push([`a:${asset.id}`, { kind: 'asset', asset }]);
    }
    rows.set(wanted);

    const total = store.assets.length;
    const shown = wanted.length;
    empty.hidden = shown > 0 || store.loading;
    // Nothing yet only where nothing was asked for: a search the API answered with no asset matches nothing.
    const unfiltered = !query && filter === 'all';
    const nothing = unfiltered && total === 0 && queue.items.length === 0 && store.page === 1 ? 'none-yet' : 'no-match';
    if (!empty.hidden && empty.dataset.kind !== nothing) {
      empty.dataset.kind = nothing;
      replace(
        empty,
        nothing === 'none-yet'
          ? h('div', null, h('h2', null, t('assets.emptyTitle')), h('p', { class: 'muted' }, t('assets.emptyBody')))
          : h('p', { class: 'muted' }, t('assets.noMatch')),
      );
    }
    summary.textContent = store.loading
      ? t('app.loading')
      : query || filter !== 'all'
        ? t('assets.summaryFiltered', { count: total, shown: number(shown) })
        : t('assets.summary', { count: total });
    prev.disabled = store.page === 1 || store.loading;
    next.disabled = !store.nextCursor || store.loading;
    pageLabel.textContent = t('assets.page', { page: number(store.page) });
    errorBox.hidden = !store.error;
    errorBox.textContent = store.error ? t('assets.loadFailed', { reason: store.error }) : '';
    dropzone.classList.toggle('compact', total > 0 || queue.items.length > 0);
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
      clearTimeout(typing);
    },
  };
}

/** "Also make an MP4 download": a choice for the next uploads, remembered in this browser. */
function mp4Choice() {
  const box = h('input', { type: 'checkbox', id: 'mp4-download', checked: uploadSettings().mp4Download });
  box.addEventListener('change', () => localStorage.setItem(MP4_DOWNLOAD_KEY, String(box.checked)));
  return h('label', { class: 'muted small choice', for: 'mp4-download' }, box, ` ${t('assets.mp4Download')}`);
}
