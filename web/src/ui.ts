/** Shared pieces of the interface: status badges, thumbnails, toasts, copy buttons, the confirm dialog. */
import type { Asset } from './api.js';
import { type DashboardConfig, thumbnailUrl } from './config.js';
import { h, ICONS, icon } from './dom.js';
import { LOCALES, type Locale, locale, type MessageKey, t, useLocale } from './i18n/index.js';

export type Status = Asset['status'] | 'waiting' | 'uploading' | 'failed' | 'cancelled';

export const statusBadge = (status: Status) =>
  h('span', { class: `badge badge-${status}`, dataset: { status } }, t(`status.${status}` satisfies MessageKey));

export const assetTitle = (asset: Asset) => asset.meta?.title?.trim() || t('ui.untitled');

/** The public playback id, the one the dashboard can play and show. */
export const publicPlaybackId = (asset: Asset) => asset.playback_ids?.find((p) => p.policy === 'public')?.id;

/**
 * Whether the asset has pictures: thumbnails, storyboard and poster exist only for a video track. An audio-only
 * asset's image URLs answer 404, so the dashboard does not ask for them (the browser would log each as an error).
 */
export const hasVideo = (asset: Asset) => asset.tracks?.some((t) => t.type === 'video') ?? false;

/** "1080p · HD · 1920×1080": what a person wants to know about resolution. */
export function resolution(asset: Asset): string {
  const video = asset.tracks?.find((t) => t.type === 'video');
  if (video?.max_width && video.max_height) return `${video.max_height}p`;
  if (asset.max_stored_resolution === 'Audio only') return t('ui.audioOnly');
  return asset.resolution_tier ?? asset.max_stored_resolution ?? '—';
}

/**
 * A thumbnail that falls back to a neutral tile when the image is not there (yet, or at all). Only a ready asset
 * with video has one: the image is not asked for otherwise.
 */
export function thumbnail(config: DashboardConfig, asset: Asset | undefined, width = 320): HTMLElement {
  const frame = h('div', { class: 'thumb', 'aria-hidden': 'true' }, icon(ICONS.film));
  const playbackId = asset && asset.status === 'ready' && hasVideo(asset) ? publicPlaybackId(asset) : undefined;
  if (playbackId) {
    const img = h('img', { alt: '', loading: 'lazy', decoding: 'async', src: thumbnailUrl(config, playbackId, width) });
    img.addEventListener('load', () => frame.classList.add('has-image'));
    img.addEventListener('error', () => img.remove());
    frame.appendChild(img);
  }
  if (asset?.status === 'preparing') frame.classList.add('is-preparing');
  return frame;
}

let toastRegion: HTMLElement | undefined;
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  if (!toastRegion) {
    toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(toastRegion);
  }
  const el = h('div', { class: `toast toast-${kind}` }, message);
  toastRegion.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/** Announces a change to screen readers without moving focus. */
let announcer: HTMLElement | undefined;
export function announce(message: string): void {
  if (!announcer) {
    announcer = h('div', { class: 'sr-only', 'aria-live': 'polite' });
    document.body.appendChild(announcer);
  }
  announcer.textContent = message;
}

export function copyButton(text: () => string, label: string): HTMLButtonElement {
  const button = h(
    'button',
    { class: 'button small ghost', type: 'button', 'aria-label': label },
    icon(ICONS.copy),
    t('ui.copy'),
  );
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      toast(t('ui.copied'));
    } catch {
      toast(t('ui.copyBlocked'), 'error');
    }
  });
  return button;
}

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). Resolves true on confirm. */
export function confirmDialog(options: { title: string; body: string; confirm: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { class: 'button ghost', type: 'button', value: 'cancel' }, t('ui.cancel'));
    const ok = h('button', { class: 'button danger', type: 'submit', value: 'confirm' }, options.confirm);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'dialog-title' }, options.title),
        h('p', null, options.body),
        h('div', { class: 'dialog-actions' }, cancel, ok),
      ),
    );
    cancel.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** The language menu: the dashboard's languages, each by its own name; `onChange` runs once the new one is loaded. */
export function languageSelect(onChange: () => void): HTMLLabelElement {
  const select = h(
    'select',
    { class: 'language', id: 'language' },
    ...Object.entries(LOCALES).map(([value, name]) =>
      h('option', { value, lang: value, selected: value === locale() }, name),
    ),
  );
  select.addEventListener('change', async () => {
    await useLocale(select.value as Locale);
    onChange();
  });
  return h(
    'label',
    { class: 'language-field', for: 'language' },
    h('span', { class: 'sr-only' }, t('app.language')),
    select,
  );
}
