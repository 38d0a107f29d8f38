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

export const playbackUrl = (config: DashboardConfig, playbackId: string) => `${config.streamUrl}/${playbackId}.m3u8`;
export const thumbnailUrl = (config: DashboardConfig, playbackId: string, width = 320) =>
  `${config.imageUrl ?? config.streamUrl}/${playbackId}/thumbnail.jpg?width=${width}`;
export const storyboardUrl = (config: DashboardConfig, playbackId: string) =>
  `${config.imageUrl ?? config.streamUrl}/${playbackId}/storyboard.vtt`;
