/**
 * The asset list: uploads in flight at the top (waiting, with progress and cancel), then the assets of the page,
 * updated live from the WebSocket (preparing → ready / errored) without reloading. Search and the status filter
 * apply to the rows shown; pages follow the API's cursor.
 */
import { type ListItem, listRow } from './asset-rows.js';
import type { AssetStore } from './asset-store.js';
import type { DashboardConfig } from './config.js';
import { h, ICONS, icon, KeyedList, replace } from './dom.js';
import { ago } from './format.js';
import { assetTitle } from './ui.js';
import { MP4_DOWNLOAD_KEY, type UploadQueue, uploadSettings } from './upload.js';

type Filter = 'all' | 'waiting' | 'preparing' | 'ready' | 'errored';

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

  const rows = new KeyedList<ListItem>(list, (first) => listRow(config, queue, first));

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
    const wanted: Array<[string, ListItem]> = [];
    if (store.page === 1) {
      for (const item of pendingUploads()) {
        // An upload in flight is an asset-to-be in Mux's `waiting` state.
        if (!matches(item.title, item.upload?.id ?? '', 'waiting')) continue;
        wanted.push([`u:${item.key}`, { kind: 'upload', item }]);
      }
    }
    for (const asset of store.assets) {
      if (!matches(assetTitle(asset), asset.id, asset.status)) continue;
      wanted.push([`a:${asset.id}`, { kind: 'asset', asset }]);
    }
    rows.set(wanted);

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

/** "Also make an MP4 download": a choice for the next uploads, remembered in this browser. */
function mp4Choice() {
  const box = h('input', { type: 'checkbox', id: 'mp4-download', checked: uploadSettings().mp4Download });
  box.addEventListener('change', () => localStorage.setItem(MP4_DOWNLOAD_KEY, String(box.checked)));
  return h('label', { class: 'muted small choice', for: 'mp4-download' }, box, ' Also make an MP4 download');
}
