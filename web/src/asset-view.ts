/**
 * One asset: the player (when ready), its metadata, playback ids with a copyable URL and embed snippet, editing of
 * title and passthrough, and deletion with confirmation. An errored asset shows why. Live events keep it current.
 */
import { ApiError, type Asset, type GammaApi } from './api.js';
import { type DashboardConfig, playbackUrl, storyboardUrl, thumbnailUrl } from './config.js';
import { h, ICONS, icon, replace } from './dom.js';
import { bytes, createdAt, dateTime, number, spokenDuration } from './format.js';
import { API_TEXT_LANGUAGE, type MessageKey, t } from './i18n/index.js';
import { createPlayer, type Player } from './player.js';
import { textTracksCard, textTracksOf } from './text-tracks-card.js';
import {
  assetTitle,
  confirmDialog,
  copyButton,
  hasVideo,
  publicPlaybackId,
  resolution,
  statusBadge,
  toast,
} from './ui.js';

export function embedSnippet(playbackId: string): string {
  const src = new URL(`embed.html?playback_id=${playbackId}`, location.href.split('#')[0]).href;
  return `<iframe src="${src}" style="width:100%;aspect-ratio:16/9;border:0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`;
}

export function assetView(ctx: { config: DashboardConfig; api: GammaApi; id: string; onDeleted(asset: Asset): void }): {
  element: HTMLElement;
  update(asset: Asset): void;
  dispose(): void;
} {
  const { config, api, id } = ctx;
  const heading = h('h1', { tabIndex: -1 }, t('app.loading'));
  const badge = h('span');
  const stage = h('div', { class: 'stage' });
  const side = h('div', { class: 'side' });
  const element = h(
    'section',
    { class: 'view asset-view' },
    h('a', { class: 'back link', href: '#/' }, icon(ICONS.back), t('asset.back')),
    h('div', { class: 'view-header' }, h('div', { class: 'title-line' }, heading, badge)),
    h('div', { class: 'asset-layout' }, h('div', { class: 'main-col' }, stage), side),
  );

  let asset: Asset | undefined;
  let player: Player | undefined;
  let playerFor: string | undefined;

  function renderStage(a: Asset) {
    const playbackId = publicPlaybackId(a);
    if (a.status === 'ready' && playbackId) {
      // A text track that turns ready or goes away changes the master playlist: the player loads it again.
      const ready = textTracksOf(a)
        .filter((tt) => tt.status === 'ready')
        .map((tt) => tt.id);
      const key = [playbackId, ...ready].join(' ');
      if (playerFor === key) return;
      player?.destroy();
      player = createPlayer({
        // Keyed on the ready tracks, so the master is not the copy cached before the change (config.ts).
        src: playbackUrl(config, playbackId, ready),
        // Pictures only of a video: an audio-only asset's storyboard and thumbnail answer 404 (ui.ts `hasVideo`).
        ...(hasVideo(a) && {
          storyboard: storyboardUrl(config, playbackId),
          poster: thumbnailUrl(config, playbackId, 1280),
        }),
        title: assetTitle(a),
      });
      playerFor = key;
      replace(stage, player.element);
      return;
    }
    player?.destroy();
    player = undefined;
    playerFor = undefined;
    if (a.status === 'errored') {
      replace(
        stage,
        h(
          'div',
          { class: 'stage-message errored', role: 'alert' },
          h('h2', null, t('asset.cannotProcess')),
          ...(a.errors?.messages?.length
            ? a.errors.messages.map((m) => h('p', { lang: API_TEXT_LANGUAGE }, m))
            : [h('p', null, t('asset.noReason'))]),
          a.errors?.type && h('p', { class: 'muted small' }, t('asset.errorType', { type: a.errors.type })),
        ),
      );
    } else if (a.status === 'ready') {
      replace(stage, h('div', { class: 'stage-message' }, h('p', null, t('asset.noPublicId'))));
    } else {
      replace(
        stage,
        h(
          'div',
          { class: 'stage-message preparing' },
          h('div', { class: 'spinner', 'aria-hidden': 'true' }),
          h('h2', null, t('asset.preparingTitle')),
          h('p', { class: 'muted' }, t('asset.preparingBody')),
        ),
      );
    }
  }

  function renderSide(a: Asset) {
    const video = a.tracks?.find((t) => t.type === 'video');
    const audio = a.tracks?.find((t) => t.type === 'audio');
    const created = createdAt(a.created_at);
    const facts: Array<[string, Node | string]> = [
      [t('assets.colStatus'), statusBadge(a.status)],
      [t('assets.colDuration'), spokenDuration(a.duration)],
      [
        t('assets.colResolution'),
        a.status === 'ready'
          ? `${resolution(a)}${video?.max_width ? ` · ${video.max_width}×${video.max_height}` : ''}`
          : '—',
      ],
      [t('asset.quality'), quality(a)],
      [t('asset.frameRate'), a.max_stored_frame_rate ? t('asset.fps', { fps: number(a.max_stored_frame_rate) }) : '—'],
      [t('asset.aspectRatio'), a.aspect_ratio ?? '—'],
      [
        t('asset.audio'),
        audio
          ? audio.max_channels
            ? t('asset.channels', { count: audio.max_channels })
            : t('asset.audioTrack')
          : a.status === 'ready'
            ? t('asset.none')
            : '—',
      ],
      [t('assets.colCreated'), h('time', { dateTime: created.toISOString() }, dateTime(created))],
      [t('asset.assetId'), idWithCopy(a.id, t('asset.copyAssetId'))],
      ...(a.upload_id ? ([[t('asset.uploadId'), h('code', null, a.upload_id)]] as Array<[string, Node]>) : []),
      ...(a.passthrough ? ([[t('asset.passthrough'), h('code', null, a.passthrough)]] as Array<[string, Node]>) : []),
    ];
    const details = card(
      t('asset.details'),
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    );

    const playback = card(
      t('asset.playback'),
      ...(a.playback_ids?.length
        ? a.playback_ids.map((p) => {
            const url = playbackUrl(config, p.id);
            const snippet = embedSnippet(p.id);
            return h(
              'div',
              { class: 'playback-id' },
              h(
                'div',
                { class: 'pid-line' },
                h('code', null, p.id),
                h('span', { class: 'pill' }, t(`asset.policy.${p.policy}`)),
              ),
              copyField(t('asset.playbackUrl'), t('asset.copyPlaybackUrl'), url, `playback-url-${p.id}`),
              p.policy === 'public' &&
                copyField(t('asset.embedCode'), t('asset.copyEmbedCode'), snippet, `embed-code-${p.id}`, true),
            );
          })
        : [h('p', { class: 'muted' }, t('asset.noPlaybackIds'))]),
    );

    const sections: HTMLElement[] = [details, playback, textTracksCard(a, api, tracksChanged)];
    const downloads = downloadsCard(config, a);
    if (downloads) sections.push(downloads);
    if (api.supports('updateAsset')) sections.push(editForm(a));
    if (api.supports('deleteAsset')) sections.push(dangerZone(a));
    replace(side, ...sections);
  }

  function editForm(a: Asset) {
    const title = h('input', { id: 'edit-title', value: a.meta?.title ?? '', maxLength: 512, autocomplete: 'off' });
    const passthrough = h('input', {
      id: 'edit-passthrough',
      value: a.passthrough ?? '',
      maxLength: 255,
      autocomplete: 'off',
    });
    const save = h('button', { class: 'button primary', type: 'submit' }, t('asset.save'));
    const status = h('p', { class: 'form-status', role: 'status' });
    const form = h(
      'form',
      { class: 'edit-form', 'aria-label': t('asset.editForm') },
      h('label', { for: 'edit-title' }, t('assets.colTitle')),
      title,
      h('label', { for: 'edit-passthrough' }, t('asset.passthrough')),
      passthrough,
      h('p', { class: 'muted small' }, t('asset.passthroughHint')),
      h('div', { class: 'form-actions' }, save, status),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      save.disabled = true;
      status.textContent = t('asset.saving');
      status.classList.remove('error-text');
      try {
        const updated = await api.updateAsset(a.id, { passthrough: passthrough.value, meta: { title: title.value } });
        update(updated);
        toast(t('asset.saved'));
      } catch (err) {
        status.textContent = (err as Error).message;
        status.classList.add('error-text');
        if (!api.supports('updateAsset')) form.closest('.card')?.remove();
      } finally {
        save.disabled = false;
        if (!status.classList.contains('error-text')) status.textContent = '';
      }
    });
    return card(t('asset.edit'), form);
  }

  function dangerZone(a: Asset) {
    const remove = h('button', { class: 'button danger', type: 'button' }, t('asset.deleteButton'));
    const status = h('p', { class: 'error-text small', role: 'alert' });
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: t('asset.deleteConfirmTitle'),
        body: t('asset.deleteConfirmBody', { title: assetTitle(a) }),
        confirm: t('asset.deleteButton'),
      });
      if (!ok) return remove.focus();
      remove.disabled = true;
      try {
        await api.deleteAsset(a.id);
        toast(t('asset.deleted', { title: assetTitle(a) }));
        ctx.onDeleted(a);
      } catch (err) {
        remove.disabled = false;
        status.textContent = (err as Error).message;
        if (!api.supports('deleteAsset')) remove.remove();
      }
    });
    return card(t('asset.delete'), h('p', { class: 'muted small' }, t('asset.deleteHint')), remove, status);
  }

  /** After adding or deleting a track from its card (focus is in the side panel, which `update` leaves alone). */
  function tracksChanged(next: Asset) {
    update(next);
    renderSide(next);
    side.querySelector<HTMLElement>('.text-tracks-card h2')?.focus();
  }

  function update(next: Asset) {
    asset = next;
    heading.textContent = assetTitle(next);
    document.title = t('app.pageTitle', { title: assetTitle(next) });
    replace(badge, statusBadge(next.status));
    renderStage(next);
    // Keep the edit form's text while someone types in it; otherwise re-render the side panel.
    if (!side.contains(document.activeElement) || document.activeElement === document.body) renderSide(next);
  }

  api
    .getAsset(id)
    .then((a) => {
      update(a);
      heading.focus();
    })
    .catch((err: Error) => {
      heading.textContent = err instanceof ApiError && err.status === 404 ? t('asset.notFound') : t('asset.loadFailed');
      replace(stage, h('div', { class: 'alert', role: 'alert' }, err.message));
    });

  return {
    element,
    update: (a) => {
      if (a.id === id && (!asset || JSON.stringify(a) !== JSON.stringify(asset))) update(a);
    },
    dispose() {
      player?.destroy();
    },
  };
}

/** The asset's MP4/M4A downloads (static renditions), linked through its first public playback id. */
function downloadsCard(config: DashboardConfig, a: Asset) {
  const files = a.static_renditions?.files ?? [];
  if (files.length === 0) return undefined;
  const publicId = publicPlaybackId(a);
  return card(
    t('asset.downloads'),
    h(
      'ul',
      { class: 'downloads' },
      ...files.map((f) => {
        const size = f.filesize ? ` · ${bytes(Number(f.filesize))}` : '';
        // A file of mp4_support has no status of its own (Mux lists those once ready, under one aggregate status).
        const fileStatus = f.status ?? 'ready';
        const status = t(`asset.download.${fileStatus}` satisfies MessageKey);
        const dims = f.width && f.height ? ` · ${f.width}×${f.height}` : '';
        const label =
          fileStatus === 'ready' && publicId
            ? h('a', { href: `${config.streamUrl}/${publicId}/${f.name}`, download: f.name }, f.name)
            : h('code', null, f.name);
        return h('li', null, label, h('span', { class: 'muted small' }, ` ${status}${dims}${size}`));
      }),
    ),
  );
}

/** "UHD · 2160p tier": the stored quality and Mux's resolution tier. */
function quality(a: Asset): string {
  if (!a.max_stored_resolution) return '—';
  const stored = a.max_stored_resolution === 'Audio only' ? t('ui.audioOnly') : a.max_stored_resolution;
  return a.resolution_tier ? t('asset.qualityTier', { quality: stored, tier: a.resolution_tier }) : stored;
}

function card(title: string, ...children: Array<Node | false>) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', null, title), ...children);
}

function idWithCopy(value: string, label: string) {
  return h(
    'span',
    { class: 'id-copy' },
    h('code', null, value),
    copyButton(() => value, label),
  );
}

function copyField(label: string, copyLabel: string, value: string, id: string, multiline = false) {
  const field = multiline
    ? h('textarea', { id, readOnly: true, rows: 3, value, spellcheck: false })
    : h('input', { id, readOnly: true, value });
  field.addEventListener('focus', () => field.select());
  return h(
    'div',
    { class: 'copy-field' },
    h('label', { for: id }, label),
    h(
      'div',
      { class: 'copy-row' },
      field,
      copyButton(() => value, copyLabel),
    ),
  );
}
