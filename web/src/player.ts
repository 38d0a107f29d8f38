/**
 * The player: hls.js on a <video>, with our own controls so that quality selection and storyboard scrubbing
 * previews (Mux's `storyboard.vtt`: time ranges → `image#xywh=x,y,w,h` tiles) sit where a viewer expects them.
 * Every control is a real button, select or range input, so it works with the keyboard and a screen reader.
 */
import Hls, { type ErrorData } from 'hls.js';
import { h, ICONS, icon, replace } from './dom.js';
import { duration as clock, number } from './format.js';
import { t } from './i18n/index.js';
import { trackMenus } from './player-tracks.js';

export interface PlayerOptions {
  src: string;
  /** WebVTT storyboard; previews are simply absent when it cannot be loaded. */
  storyboard?: string;
  poster?: string;
  title?: string;
  autoplay?: boolean;
}

export interface Player {
  element: HTMLElement;
  video: HTMLVideoElement;
  destroy(): void;
}

interface Tile {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export function createPlayer(options: PlayerOptions): Player {
  const video = h('video', { playsInline: true, preload: 'metadata', poster: options.poster ?? '' });
  video.setAttribute(
    'aria-label',
    options.title ? t('player.videoTitled', { title: options.title }) : t('player.video'),
  );
  const play = h('button', { class: 'ctl', type: 'button', 'aria-label': t('player.play') }, icon(ICONS.play));
  const seek = h('input', {
    type: 'range',
    class: 'seek',
    min: '0',
    max: '0',
    step: 'any',
    value: '0',
    'aria-label': t('player.seek'),
  });
  const time = h('span', { class: 'time', 'aria-live': 'off' }, '0:00 / 0:00');
  const quality = h(
    'select',
    { class: 'quality', 'aria-label': t('asset.quality'), disabled: true },
    h('option', { value: '-1' }, t('player.auto')),
  );
  const mute = h('button', { class: 'ctl', type: 'button', 'aria-label': t('player.mute') }, icon(ICONS.volume));
  const full = h(
    'button',
    { class: 'ctl', type: 'button', 'aria-label': t('player.fullScreen') },
    icon(ICONS.fullscreen),
  );
  const previewImage = h('div', { class: 'preview-image' });
  const previewTime = h('span', { class: 'preview-time' });
  const preview = h('div', { class: 'preview', hidden: true, 'aria-hidden': 'true' }, previewImage, previewTime);
  const message = h('div', { class: 'player-message', role: 'alert', hidden: true });
  const controls = h(
    'div',
    { class: 'controls' },
    play,
    h('div', { class: 'seek-wrap' }, seek, preview),
    time,
    quality,
    mute,
    full,
  );
  const element = h('div', { class: 'player', tabIndex: -1 }, video, message, controls);

  let hls: Hls | undefined;
  if (Hls.isSupported()) {
    hls = new Hls({ capLevelToPlayerSize: false });
    const menus = trackMenus(hls);
    quality.after(menus.captions, menus.audio);
    hls.on(Hls.Events.MANIFEST_PARSED, () => fillQualities());
    hls.on(Hls.Events.LEVEL_SWITCHED, () => fillQualities());
    let networkRetries = 0;
    hls.on(Hls.Events.ERROR, (_e, data: ErrorData) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && networkRetries++ < 2) hls?.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls?.recoverMediaError();
      else showMessage(t('player.cannotPlay', { details: data.details }));
    });
    hls.loadSource(options.src);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = options.src; // Safari plays HLS itself and picks the quality.
  } else {
    showMessage(t('player.noHls'));
  }
  if (options.autoplay) video.autoplay = true;

  function fillQualities() {
    if (!hls) return;
    const levels = hls.levels.map((level, index) => ({ index, height: level.height, bitrate: level.bitrate }));
    levels.sort((a, b) => b.height - a.height || b.bitrate - a.bitrate);
    const current = hls.levels[hls.currentLevel]?.height;
    const auto = hls.autoLevelEnabled;
    replace(
      quality,
      h(
        'option',
        { value: '-1', selected: auto },
        auto && current ? t('player.autoAt', { height: current }) : t('player.auto'),
      ),
      ...levels.map((l) =>
        h(
          'option',
          { value: String(l.index), selected: !auto && l.index === hls?.currentLevel },
          l.height ? `${l.height}p` : t('player.kbps', { rate: number(Math.round(l.bitrate / 1000)) }),
        ),
      ),
    );
    quality.disabled = levels.length < 2;
  }
  quality.addEventListener('change', () => {
    if (hls) hls.currentLevel = Number(quality.value);
  });

  const togglePlay = () => (video.paused || video.ended ? video.play().catch(() => {}) : video.pause());
  play.addEventListener('click', togglePlay);
  video.addEventListener('click', togglePlay);
  const syncPlay = () => {
    const paused = video.paused || video.ended;
    replace(play, icon(paused ? ICONS.play : ICONS.pause));
    play.setAttribute('aria-label', paused ? t('player.play') : t('player.pause'));
    element.classList.toggle('playing', !paused);
  };
  video.addEventListener('play', syncPlay);
  video.addEventListener('pause', syncPlay);
  video.addEventListener('ended', syncPlay);

  let scrubbing = false;
  const syncTime = () => {
    const total = Number.isFinite(video.duration) ? video.duration : 0;
    seek.max = String(total);
    if (!scrubbing) seek.value = String(video.currentTime);
    seek.style.setProperty('--progress', total ? `${(video.currentTime / total) * 100}%` : '0%');
    seek.setAttribute('aria-valuetext', t('player.position', { at: clock(video.currentTime), total: clock(total) }));
    time.textContent = `${clock(video.currentTime)} / ${clock(total)}`;
  };
  video.addEventListener('timeupdate', syncTime);
  video.addEventListener('durationchange', syncTime);
  video.addEventListener('loadedmetadata', syncTime);
  seek.addEventListener('input', () => {
    scrubbing = true;
    video.currentTime = Number(seek.value);
    showPreview(Number(seek.value));
  });
  seek.addEventListener('change', () => {
    scrubbing = false;
    hidePreviewSoon();
  });

  mute.addEventListener('click', () => {
    video.muted = !video.muted;
  });
  video.addEventListener('volumechange', () => {
    replace(mute, icon(video.muted ? ICONS.muted : ICONS.volume));
    mute.setAttribute('aria-label', video.muted ? t('player.unmute') : t('player.mute'));
  });
  full.addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void element.requestFullscreen?.().catch(() => {});
  });

  // Keyboard: space/k play-pause, arrows seek 5 s, m mute, f full screen — when focus is in the player but not
  // on a control that already uses those keys.
  element.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (target.matches('select, input, button') && !(target === play && e.key === 'k')) return;
    const actions: Record<string, () => void> = {
      ' ': togglePlay,
      k: togglePlay,
      ArrowLeft: () => (video.currentTime = Math.max(0, video.currentTime - 5)),
      ArrowRight: () => (video.currentTime = Math.min(video.duration || 0, video.currentTime + 5)),
      m: () => mute.click(),
      f: () => full.click(),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });

  // Storyboard previews over the seek bar.
  let tiles: Tile[] = [];
  if (options.storyboard) void loadStoryboard(options.storyboard).then((t) => (tiles = t));
  let hideTimer: ReturnType<typeof setTimeout> | undefined;
  function showPreview(at: number) {
    const total = video.duration;
    if (!Number.isFinite(total) || total <= 0) return;
    clearTimeout(hideTimer);
    const tile = tiles.find((t) => at >= t.start && at < t.end) ?? tiles[tiles.length - 1];
    previewImage.hidden = !tile;
    if (tile) {
      Object.assign(previewImage.style, {
        width: `${tile.w}px`,
        height: `${tile.h}px`,
        backgroundImage: `url("${tile.url}")`,
        backgroundPosition: `-${tile.x}px -${tile.y}px`,
      });
    }
    previewTime.textContent = clock(at);
    preview.hidden = false;
    const ratio = Math.min(1, Math.max(0, at / total));
    const half = (tile?.w ?? 48) / 2;
    const width = seek.clientWidth;
    preview.style.left = `${Math.min(width - half, Math.max(half, ratio * width))}px`;
  }
  function hidePreviewSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => (preview.hidden = true), 600);
  }
  seek.addEventListener('pointermove', (e) => {
    const rect = seek.getBoundingClientRect();
    showPreview(((e.clientX - rect.left) / rect.width) * (video.duration || 0));
  });
  seek.addEventListener('pointerleave', hidePreviewSoon);

  function showMessage(text: string) {
    message.textContent = text;
    message.hidden = false;
  }

  return {
    element,
    video,
    destroy() {
      hls?.destroy();
      video.removeAttribute('src');
      video.load();
    },
  };
}

/** Parses a storyboard WebVTT: each cue's text is `image-url#xywh=x,y,w,h`, relative to the VTT. */
export async function loadStoryboard(url: string): Promise<Tile[]> {
  try {
    const res = await fetch(url);
    if (!res.ok) return [];
    return parseStoryboard(await res.text(), url);
  } catch {
    return [];
  }
}

const seconds = (stamp: string) =>
  stamp
    .trim()
    .split(':')
    .reduce((total, part) => total * 60 + Number(part), 0);

export function parseStoryboard(vtt: string, base: string): Tile[] {
  const tiles: Tile[] = [];
  for (const block of vtt.replace(/\r/g, '').split(/\n\n+/)) {
    const lines = block.split('\n');
    const timing = lines.findIndex((l) => l.includes('-->'));
    const text = lines[timing + 1];
    if (timing < 0 || !text) continue;
    const [from = '', to = ''] = lines[timing]?.split('-->') ?? [];
    const m = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(text.trim());
    if (!m) continue;
    tiles.push({
      start: seconds(from),
      end: seconds(to.trim().split(/\s/)[0] ?? ''),
      url: new URL(m[1] ?? '', base).href,
      x: Number(m[2]),
      y: Number(m[3]),
      w: Number(m[4]),
      h: Number(m[5]),
    });
  }
  return tiles;
}
