/**
 * One asset: the player (when ready), its metadata, playback ids with a copyable URL and embed snippet, editing of
 * title and passthrough, and deletion with confirmation. An errored asset shows why. Live events keep it current.
 */
import { ApiError, type Asset, type GammaApi, type StaticRenditionFile } from './api.js';
import { type DashboardConfig, playbackUrl, storyboardUrl, thumbnailUrl } from './config.js';
import { h, ICONS, icon, replace } from './dom.js';
import { bytes, createdAt, dateTime, duration } from './format.js';
import { createPlayer, type Player } from './player.js';
import { assetTitle, confirmDialog, copyButton, publicPlaybackId, resolution, statusBadge, toast } from './ui.js';

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
  const heading = h('h1', { tabIndex: -1 }, 'Loading…');
  const badge = h('span');
  const stage = h('div', { class: 'stage' });
  const side = h('div', { class: 'side' });
  const element = h(
    'section',
    { class: 'view asset-view' },
    h('a', { class: 'back link', href: '#/' }, icon(ICONS.back), 'All assets'),
    h('div', { class: 'view-header' }, h('div', { class: 'title-line' }, heading, badge)),
    h('div', { class: 'asset-layout' }, h('div', { class: 'main-col' }, stage), side),
  );

  let asset: Asset | undefined;
  let player: Player | undefined;
  let playerFor: string | undefined;

  function renderStage(a: Asset) {
    const playbackId = publicPlaybackId(a);
    if (a.status === 'ready' && playbackId) {
      if (playerFor === playbackId) return;
      player?.destroy();
      player = createPlayer({
        src: playbackUrl(config, playbackId),
        storyboard: storyboardUrl(config, playbackId),
        poster: thumbnailUrl(config, playbackId, 1280),
        title: assetTitle(a),
      });
      playerFor = playbackId;
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
          h('h2', null, 'This video could not be processed'),
          ...(a.errors?.messages?.length ? a.errors.messages : ['No reason was recorded.']).map((m) => h('p', null, m)),
          a.errors?.type && h('p', { class: 'muted small' }, `Error type: ${a.errors.type}`),
        ),
      );
    } else if (a.status === 'ready') {
      replace(
        stage,
        h('div', { class: 'stage-message' }, h('p', null, 'This asset has no public playback ID to preview.')),
      );
    } else {
      replace(
        stage,
        h(
          'div',
          { class: 'stage-message preparing' },
          h('div', { class: 'spinner', 'aria-hidden': 'true' }),
          h('h2', null, 'Preparing your video'),
          h('p', { class: 'muted' }, 'It will play here as soon as it is ready — no need to reload.'),
        ),
      );
    }
  }

  function renderSide(a: Asset) {
    const video = a.tracks?.find((t) => t.type === 'video');
    const audio = a.tracks?.find((t) => t.type === 'audio');
    const created = createdAt(a.created_at);
    const facts: Array<[string, Node | string]> = [
      ['Status', statusBadge(a.status)],
      ['Duration', duration(a.duration)],
      [
        'Resolution',
        a.status === 'ready'
          ? `${resolution(a)}${video?.max_width ? ` · ${video.max_width}×${video.max_height}` : ''}`
          : '—',
      ],
      [
        'Quality',
        a.max_stored_resolution
          ? `${a.max_stored_resolution}${a.resolution_tier ? ` · ${a.resolution_tier} tier` : ''}`
          : '—',
      ],
      ['Frame rate', a.max_stored_frame_rate ? `${a.max_stored_frame_rate} fps` : '—'],
      ['Aspect ratio', a.aspect_ratio ?? '—'],
      [
        'Audio',
        audio
          ? `${audio.max_channels ?? '?'} channel${audio.max_channels === 1 ? '' : 's'}`
          : a.status === 'ready'
            ? 'None'
            : '—',
      ],
      ['Created', h('time', { dateTime: created.toISOString() }, dateTime(created))],
      ['Asset ID', idWithCopy(a.id, 'Copy asset ID')],
      ...(a.upload_id ? ([['Upload ID', h('code', null, a.upload_id)]] as Array<[string, Node]>) : []),
      ...(a.passthrough ? ([['Passthrough', h('code', null, a.passthrough)]] as Array<[string, Node]>) : []),
    ];
    const details = card(
      'Details',
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    );

    const playback = card(
      'Playback',
      ...(a.playback_ids?.length
        ? a.playback_ids.map((p) => {
            const url = playbackUrl(config, p.id);
            const snippet = embedSnippet(p.id);
            return h(
              'div',
              { class: 'playback-id' },
              h('div', { class: 'pid-line' }, h('code', null, p.id), h('span', { class: 'pill' }, p.policy)),
              copyField('Playback URL', url, `playback-url-${p.id}`),
              p.policy === 'public' && copyField('Embed code', snippet, `embed-code-${p.id}`, true),
            );
          })
        : [h('p', { class: 'muted' }, 'No playback IDs.')]),
    );

    const sections: HTMLElement[] = [details, playback];
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
    const save = h('button', { class: 'button primary', type: 'submit' }, 'Save changes');
    const status = h('p', { class: 'form-status', role: 'status' });
    const form = h(
      'form',
      { class: 'edit-form', 'aria-label': 'Edit asset' },
      h('label', { for: 'edit-title' }, 'Title'),
      title,
      h('label', { for: 'edit-passthrough' }, 'Passthrough'),
      passthrough,
      h(
        'p',
        { class: 'muted small' },
        'Passthrough is your own reference (up to 255 characters), returned with the asset and in its events.',
      ),
      h('div', { class: 'form-actions' }, save, status),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      save.disabled = true;
      status.textContent = 'Saving…';
      status.classList.remove('error-text');
      try {
        const updated = await api.updateAsset(a.id, { passthrough: passthrough.value, meta: { title: title.value } });
        update(updated);
        toast('Changes saved');
      } catch (err) {
        status.textContent = (err as Error).message;
        status.classList.add('error-text');
        if (!api.supports('updateAsset')) form.closest('.card')?.remove();
      } finally {
        save.disabled = false;
        if (!status.classList.contains('error-text')) status.textContent = '';
      }
    });
    return card('Edit', form);
  }

  function dangerZone(a: Asset) {
    const remove = h('button', { class: 'button danger', type: 'button' }, 'Delete asset');
    const status = h('p', { class: 'error-text small', role: 'alert' });
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Delete this asset?',
        body: `“${assetTitle(a)}” and its playback IDs will stop working for every viewer. This cannot be undone.`,
        confirm: 'Delete asset',
      });
      if (!ok) return remove.focus();
      remove.disabled = true;
      try {
        await api.deleteAsset(a.id);
        toast(`Deleted “${assetTitle(a)}”`);
        ctx.onDeleted(a);
      } catch (err) {
        remove.disabled = false;
        status.textContent = (err as Error).message;
        if (!api.supports('deleteAsset')) remove.remove();
      }
    });
    return card('Delete', h('p', { class: 'muted small' }, 'Removes the video and its renditions.'), remove, status);
  }

  function update(next: Asset) {
    asset = next;
    heading.textContent = assetTitle(next);
    document.title = `${assetTitle(next)} · Gamma`;
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
      heading.textContent =
        err instanceof ApiError && err.status === 404 ? 'Asset not found' : 'The asset could not be loaded';
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
  const words: Record<StaticRenditionFile['status'], string> = {
    preparing: 'Preparing…',
    ready: 'Ready',
    skipped: 'Not made: the video has no such rendition',
    errored: 'Could not be made',
  };
  return card(
    'Downloads',
    h(
      'ul',
      { class: 'downloads' },
      ...files.map((f) => {
        const size = f.filesize ? ` · ${bytes(Number(f.filesize))}` : '';
        const dims = f.width && f.height ? ` · ${f.width}×${f.height}` : '';
        const label =
          f.status === 'ready' && publicId
            ? h('a', { href: `${config.streamUrl}/${publicId}/${f.name}`, download: f.name }, f.name)
            : h('code', null, f.name);
        return h('li', null, label, h('span', { class: 'muted small' }, ` ${words[f.status]}${dims}${size}`));
      }),
    ),
  );
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

function copyField(label: string, value: string, id: string, multiline = false) {
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
      copyButton(() => value, `Copy ${label.toLowerCase()}`),
    ),
  );
}
