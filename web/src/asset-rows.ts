/**
 * The rows of the asset list: an upload in flight (progress, cancel, retry) and an asset. Each is built once for
 * its key and then updated in place from newer data (`KeyedList`), so a live event changes a few text nodes.
 */
import type { Asset } from './api.js';
import type { DashboardConfig } from './config.js';
import { h, ICONS, icon, type KeyedRow, replace, setText } from './dom.js';
import { ago, bytes, createdAt, dateTime, duration, percent } from './format.js';
import { API_TEXT_LANGUAGE, t } from './i18n/index.js';
import { assetTitle, publicPlaybackId, resolution, statusBadge, thumbnail } from './ui.js';
import type { UploadItem, UploadQueue } from './upload.js';

/** What a row of the list shows: an upload not yet represented by an asset, or an asset. */
export type ListItem = { kind: 'upload'; item: UploadItem } | { kind: 'asset'; asset: Asset };

export function listRow(config: DashboardConfig, queue: UploadQueue, first: ListItem): KeyedRow<ListItem> {
  if (first.kind === 'upload') {
    const row = uploadRow(config, queue, first.item);
    return { el: row.el, update: (next) => next.kind === 'upload' && row.update(next.item) };
  }
  const row = assetRow(config, first.asset);
  return { el: row.el, update: (next) => next.kind === 'asset' && row.update(next.asset) };
}

function uploadRow(config: DashboardConfig, queue: UploadQueue, item: UploadItem): KeyedRow<UploadItem> {
  const bar = h('progress', {
    max: item.file.size || 1,
    'aria-label': t('upload.progressLabel', { name: item.file.name }),
  });
  const detail = h('span', { class: 'muted small' });
  const badge = h('span', { class: 'cell-status' });
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
  const button = (label: string, aria: string, onclick: () => void, kind = 'ghost', glyph?: string) =>
    h(
      'button',
      { class: `button small ${kind}`, type: 'button', onclick, 'aria-label': aria },
      glyph && icon(glyph),
      label,
    );

  const update = () => {
    bar.value = item.sent;
    const text: Record<UploadItem['state'], () => string> = {
      queued: () => t('upload.queued'),
      uploading: () => (item.sent ? progressText(item) : t('upload.starting')),
      processing: () => t('upload.processing'),
      failed: () => item.error ?? t('status.failed'),
      cancelled: () => t('status.cancelled'),
    };
    setText(detail, text[item.state]());
    detail.classList.toggle('error-text', item.state === 'failed');
    bar.hidden = item.state === 'failed';
    const status = item.state === 'failed' ? 'failed' : 'waiting';
    if (badge.dataset.status !== status) {
      badge.dataset.status = status;
      replace(badge, statusBadge(status));
    }
    const mode = item.state === 'failed' ? 'failed' : item.state === 'processing' ? 'none' : 'active';
    if (actions.dataset.mode === mode) return;
    actions.dataset.mode = mode;
    const name = item.file.name;
    replace(
      actions,
      mode === 'active' && button(t('ui.cancel'), t('upload.cancelLabel', { name }), () => queue.cancel(item)),
      mode === 'failed' &&
        button(t('upload.retry'), t('upload.retryLabel', { name }), () => queue.retry(item), '', ICONS.retry),
      mode === 'failed' && button(t('upload.dismiss'), t('upload.dismissLabel', { name }), () => queue.dismiss(item)),
    );
  };
  update();
  return { el, update };
}

/** "Resumed · 42% · 12.3 MB of 29.1 MB · 2 of 3 parts". */
function progressText(item: UploadItem): string {
  const sent = t('upload.sent', {
    percent: percent(item.file.size ? Math.floor((item.sent / item.file.size) * 100) / 100 : 0),
    sent: bytes(item.sent),
    total: bytes(item.file.size),
  });
  const parts = item.parts && t('upload.parts', { done: item.parts.done, total: item.parts.total });
  return [item.parts?.resumed && t('upload.resumed'), sent, parts].filter(Boolean).join(' · ');
}

/** What an asset's thumbnail shows: its public playback id's image once ready, otherwise a tile for its status. */
const picture = (a: Asset) => (a.status === 'ready' ? `ready:${publicPlaybackId(a)}` : a.status);

function assetRow(config: DashboardConfig, first: Asset): KeyedRow<Asset> {
  let asset = first;
  const title = h('a', { class: 'title', href: `#/assets/${asset.id}` });
  const problem = h('span', { class: 'error-text small' });
  const badge = h('span', { class: 'cell-status' });
  const length = h('span', { class: 'cell-muted', 'aria-label': t('assets.colDuration') });
  const size = h('span', { class: 'cell-muted', 'aria-label': t('assets.colResolution') });
  const created = createdAt(asset.created_at);
  const time = h(
    'time',
    { class: 'cell-muted', dateTime: created.toISOString(), title: dateTime(created), dataset: { ago: '' } },
    ago(created),
  );
  let thumb = thumbnail(config, asset);
  const el = h(
    'li',
    { class: 'asset-row', dataset: { asset: asset.id } },
    thumb,
    h('div', { class: 'cell-title' }, title, h('code', { class: 'id' }, asset.id), problem),
    badge,
    length,
    size,
    time,
  );
  // The whole row opens the asset; the title link is what keyboard and screen-reader users reach.
  el.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('a, button')) return;
    location.hash = `#/assets/${asset.id}`;
  });

  const update = (next: Asset) => {
    const before = asset;
    asset = next;
    setText(title, assetTitle(next));
    problem.hidden = next.status !== 'errored';
    const reason = next.status === 'errored' ? next.errors?.messages?.[0] : undefined;
    problem.lang = reason ? API_TEXT_LANGUAGE : '';
    setText(problem, next.status === 'errored' ? (reason ?? t('assets.processingFailed')) : '');
    setText(length, duration(next.duration));
    setText(size, next.status === 'ready' ? resolution(next) : '—');
    if (el.dataset.status !== next.status) {
      el.dataset.status = next.status;
      replace(badge, statusBadge(next.status));
    }
    // A new thumbnail only when there is another picture to show (the asset became ready, or changed playback id).
    if (picture(before) !== picture(next)) {
      const fresh = thumbnail(config, next);
      thumb.replaceWith(fresh);
      thumb = fresh;
    }
  };
  update(first);
  return { el, update };
}
