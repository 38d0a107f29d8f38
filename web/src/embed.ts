/** The embeddable player (`embed.html?playback_id=…`), what the dashboard's embed snippet frames. */
import { loadConfig, playbackUrl, storyboardUrl, thumbnailUrl } from './config.js';
import { h, replace } from './dom.js';
import { t, useLocale } from './i18n/index.js';
import { createPlayer } from './player.js';

const root = document.getElementById('embed') as HTMLElement;
const playbackId = new URLSearchParams(location.search).get('playback_id') ?? '';

await useLocale();
if (!/^[A-Za-z0-9]{8,64}$/.test(playbackId)) {
  replace(root, h('p', { class: 'player-message', role: 'alert' }, t('player.noPlaybackId')));
} else {
  loadConfig()
    .then((config) => {
      const player = createPlayer({
        src: playbackUrl(config, playbackId),
        storyboard: storyboardUrl(config, playbackId),
        poster: thumbnailUrl(config, playbackId, 1280),
      });
      replace(root, player.element);
    })
    .catch((err: Error) => replace(root, h('p', { class: 'player-message', role: 'alert' }, err.message)));
}
