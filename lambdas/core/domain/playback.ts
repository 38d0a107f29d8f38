/** Playback paths: `/{playbackId}.m3u8` serves the master playlist, rewritten to point at the asset's renditions. */
import { assetOutputPrefix } from './layout.js';

const PLAYBACK_PATH = /^\/([A-Za-z0-9]{8,64})\.m3u8$/;

/** The playback id a request path asks for, or undefined if the path is not a playback path. */
export function playbackIdFromPath(path: string): string | undefined {
  return PLAYBACK_PATH.exec(path)?.[1];
}

/**
 * The stored master playlist names renditions relative to itself (`720p/index.m3u8`). Served at
 * `/{playbackId}.m3u8`, those URIs must point into the asset's folder instead: `assets/{assetId}/720p/index.m3u8`,
 * still relative, so the same text works behind any host.
 */
export function rewriteMasterPlaylist(master: string, assetId: string): string {
  const prefix = `${assetOutputPrefix(assetId)}/`;
  return master
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) {
        return line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${isAbsolute(uri) ? uri : prefix + uri}"`);
      }
      return isAbsolute(line) ? line : prefix + line;
    })
    .join('\n');
}

const isAbsolute = (uri: string) => /^[a-z]+:\/\//i.test(uri) || uri.startsWith('/');
