/**
 * The player's track menus: captions (the master playlist's SUBTITLES renditions, shown by the browser's own text
 * track rendering, which hls.js feeds) and audio (its AUDIO renditions, offered when there is more than one to
 * choose from). Both are plain selects, so the keyboard and screen readers work with them.
 */
import Hls from 'hls.js';
import { h, replace } from './dom.js';
import { t } from './i18n/index.js';

const OFF = '-1';

/** A track's label: its NAME (the master playlist's words for it), else its language. */
const label = (track: { name?: string; lang?: string }, fallback: string) => track.name || track.lang || fallback;

export function trackMenus(hls: Hls): { captions: HTMLSelectElement; audio: HTMLSelectElement } {
  const captions = h('select', { class: 'captions', 'aria-label': t('player.captions'), hidden: true });
  const audio = h('select', { class: 'audio-tracks', 'aria-label': t('player.audioTrack'), hidden: true });
  // Captions stay off until the viewer picks a track (or the playlist marks one DEFAULT).
  hls.subtitleDisplay = true;

  const fillCaptions = () => {
    const tracks = hls.subtitleTracks;
    replace(
      captions,
      h('option', { value: OFF, selected: hls.subtitleTrack < 0 }, t('player.captionsOff')),
      ...tracks.map((track, i) =>
        h(
          'option',
          { value: String(i), selected: i === hls.subtitleTrack },
          label(track, t('player.captionsTrack', { n: i + 1 })),
        ),
      ),
    );
    captions.hidden = tracks.length === 0;
  };
  const fillAudio = () => {
    const tracks = hls.audioTracks;
    replace(
      audio,
      ...tracks.map((track, i) =>
        h(
          'option',
          { value: String(i), selected: i === hls.audioTrack },
          label(track, t('player.audioTrackN', { n: i + 1 })),
        ),
      ),
    );
    audio.hidden = tracks.length < 2;
  };

  hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, fillCaptions);
  hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, fillCaptions);
  hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, fillAudio);
  hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, fillAudio);
  captions.addEventListener('change', () => {
    hls.subtitleTrack = Number(captions.value);
  });
  audio.addEventListener('change', () => {
    hls.audioTrack = Number(audio.value);
  });
  return { captions, audio };
}
