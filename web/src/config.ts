import type { TRACKS_VERSION_PARAMETER } from '../../lambdas/core/domain/playback-modifiers.js';
import { t } from './i18n/index.js';

/** The dashboard's runtime configuration: `config.json` beside index.html, written by the CDK or the local server. */
export interface DashboardConfig {
  /** Base of the Mux-compatible API (`{apiUrl}/video/v1/...`). */
  apiUrl: string;
  /** The live status WebSocket (`?token=id:secret`). */
  websocketUrl: string;
  /** Playback base: `{streamUrl}/{playbackId}.m3u8`. */
  streamUrl: string;
  /** Thumbnails and storyboards: `{imageUrl}/{playbackId}/thumbnail.jpg`. @default streamUrl */
  imageUrl?: string;
  /** Offered on the sign-in page of a local platform only. */
  devToken?: { id: string; secret: string };
}

export async function loadConfig(): Promise<DashboardConfig> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(t('app.configUnreachable', { status: res.status }));
  const config = (await res.json()) as DashboardConfig;
  for (const key of ['apiUrl', 'websocketUrl', 'streamUrl'] as const) {
    if (!config[key]) throw new Error(t('app.configIncomplete', { key }));
  }
  return config;
}

const TRACKS_VERSION: typeof TRACKS_VERSION_PARAMETER = 'tracks_version';

/**
 * The master playlist's URL. `readyTrackIds` (the asset's ready text tracks) become a short version in the query:
 * a master fetched after a track was added or deleted is then another URL than the one before, which the browser
 * and the distribution cached for 10 s (usecases/playback.ts), so the dashboard's rebuilt player shows the change
 * at once. A viewer elsewhere (the plain URL, an embed) gets the new track list within those 10 s, the next time
 * their player loads the master (a player that is already playing keeps the list it loaded).
 */
export function playbackUrl(config: DashboardConfig, playbackId: string, readyTrackIds: readonly string[] = []) {
  const url = `${config.streamUrl}/${playbackId}.m3u8`;
  return readyTrackIds.length === 0 ? url : `${url}?${TRACKS_VERSION}=${fnv1a(readyTrackIds.join(' '))}`;
}

/** FNV-1a, 32 bits, base 36: a short version that changes with the track ids (not a security measure). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}
export const thumbnailUrl = (config: DashboardConfig, playbackId: string, width = 320) =>
  `${config.imageUrl ?? config.streamUrl}/${playbackId}/thumbnail.jpg?width=${width}`;
export const storyboardUrl = (config: DashboardConfig, playbackId: string) =>
  `${config.imageUrl ?? config.streamUrl}/${playbackId}/storyboard.vtt`;
