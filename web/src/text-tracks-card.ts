/**
 * The asset page's subtitles card: the asset's text tracks (name, language, closed captions, status and, for an
 * errored one, why) with a delete button each, and a form that adds one from a WebVTT or SRT URL (Mux's
 * `POST /video/v1/assets/{id}/tracks`). The API prepares a track within the request, so the asset read after it
 * shows the track settled.
 */
import type { Asset, GammaApi } from './api.js';
import { h } from './dom.js';
import { API_TEXT_LANGUAGE, t } from './i18n/index.js';
import { confirmDialog, statusBadge, toast } from './ui.js';

interface TextTrack {
  id: string;
  name?: string;
  language_code?: string;
  closed_captions?: boolean;
  text_source?: string;
  status: 'preparing' | 'ready' | 'errored';
  error?: { messages?: string[] };
}

/** The asset's text tracks, in the order the API lists them. */
export const textTracksOf = (a: Asset): TextTrack[] =>
  (a.tracks ?? []).filter((track) => track.type === 'text') as unknown as TextTrack[];

export function textTracksCard(a: Asset, api: GammaApi, changed: (asset: Asset) => void): HTMLElement {
  const tracks = textTracksOf(a);
  const list = tracks.length
    ? h('ul', { class: 'text-tracks' }, ...tracks.map((track) => trackRow(a, track, api, changed)))
    : h('p', { class: 'muted small' }, t('tracks.none'));
  const sections = [list, a.status === 'ready' && api.supports('textTracks') && addForm(a, api, changed)];
  return h(
    'section',
    { class: 'card', 'aria-label': t('tracks.title') },
    h('h2', null, t('tracks.title')),
    ...sections,
  );
}

function trackRow(a: Asset, track: TextTrack, api: GammaApi, changed: (asset: Asset) => void) {
  const name = track.name ?? track.language_code ?? track.id;
  const remove = h('button', { class: 'button ghost small', type: 'button' }, t('tracks.delete'));
  remove.setAttribute('aria-label', t('tracks.deleteNamed', { name }));
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: t('tracks.deleteConfirmTitle'),
      body: t('tracks.deleteConfirmBody', { name }),
      confirm: t('tracks.delete'),
    });
    if (!ok) return remove.focus();
    remove.disabled = true;
    try {
      await api.deleteTextTrack(a.id, track.id);
      toast(t('tracks.deleted', { name }));
      changed(await api.getAsset(a.id));
    } catch (err) {
      remove.disabled = false;
      toast((err as Error).message, 'error');
    }
  });
  const facts = [
    track.language_code,
    track.closed_captions && t('tracks.closedCaptions'),
    track.text_source === 'generated_vod' && t('tracks.generated'),
  ].filter(Boolean);
  return h(
    'li',
    { class: 'text-track', dataset: { trackId: track.id } },
    h('div', { class: 'text-track-line' }, h('strong', null, name), statusBadge(track.status), remove),
    h('span', { class: 'muted small' }, facts.join(' · ')),
    ...(track.status === 'errored'
      ? (track.error?.messages ?? []).map((m) => h('p', { class: 'error-text small', lang: API_TEXT_LANGUAGE }, m))
      : []),
  );
}

function addForm(a: Asset, api: GammaApi, changed: (asset: Asset) => void) {
  const url = h('input', {
    id: 'track-url',
    type: 'url',
    required: true,
    autocomplete: 'off',
    placeholder: 'https://…/subtitles.vtt',
  });
  const language = h('input', {
    id: 'track-language',
    required: true,
    autocomplete: 'off',
    maxLength: 35,
    placeholder: 'en',
  });
  const name = h('input', { id: 'track-name', autocomplete: 'off', maxLength: 255 });
  const captions = h('input', { id: 'track-cc', type: 'checkbox' });
  const add = h('button', { class: 'button primary', type: 'submit' }, t('tracks.add'));
  const status = h('p', { class: 'form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'edit-form track-form', 'aria-label': t('tracks.addForm') },
    h('label', { for: 'track-url' }, t('tracks.url')),
    url,
    h('p', { class: 'muted small' }, t('tracks.urlHint')),
    h('label', { for: 'track-language' }, t('tracks.language')),
    language,
    h('label', { for: 'track-name' }, t('tracks.name')),
    name,
    h('label', { class: 'small choice', for: 'track-cc' }, captions, ` ${t('tracks.closedCaptionsChoice')}`),
    h('div', { class: 'form-actions' }, add, status),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    add.disabled = true;
    status.textContent = t('tracks.adding');
    status.classList.remove('error-text');
    try {
      const track = await api.addTextTrack(a.id, {
        url: url.value.trim(),
        language_code: language.value.trim(),
        ...(name.value.trim() && { name: name.value.trim() }),
        closed_captions: captions.checked,
      });
      toast(t('tracks.added', { name: track.name ?? language.value }));
      status.textContent = '';
      changed(await api.getAsset(a.id));
    } catch (err) {
      status.textContent = (err as Error).message;
      status.classList.add('error-text');
    } finally {
      add.disabled = false;
    }
  });
  return form;
}
