/**
 * The `video.asset.static_rendition.*` events one stored change of an asset implies (Mux's names, from the SDK's
 * webhook types): a file that appears is `created` (and `ready`/`skipped`/`errored` too if it arrived so), one that
 * settles says how, one that goes is `deleted`. The data is the file with its `asset_id`, as Mux sends it. Pure.
 */
import { type StaticRenditionFile, toMuxStaticRenditionFile } from './static-renditions.js';

export type StaticRenditionEventType =
  | 'video.asset.static_rendition.created'
  | 'video.asset.static_rendition.ready'
  | 'video.asset.static_rendition.skipped'
  | 'video.asset.static_rendition.errored'
  | 'video.asset.static_rendition.deleted';

export type StaticRenditionEventData = ReturnType<typeof toMuxStaticRenditionFile> & { asset_id: string };

export function staticRenditionEvents(
  before: { static_renditions?: StaticRenditionFile[] } | undefined,
  after: { static_renditions?: StaticRenditionFile[]; status?: string } | undefined,
  assetId: string,
): { type: StaticRenditionEventType; file: StaticRenditionEventData }[] {
  const old = new Map((before?.static_renditions ?? []).map((f) => [f.id, f]));
  // A deleted asset's files go with it; Mux tells that by `video.asset.deleted` alone.
  const now = after?.status === 'deleted' ? [] : (after?.static_renditions ?? []);
  const data = (file: StaticRenditionFile): StaticRenditionEventData => ({
    ...toMuxStaticRenditionFile(file),
    asset_id: assetId,
  });
  const events: ReturnType<typeof staticRenditionEvents> = [];
  for (const file of now) {
    const previous = old.get(file.id);
    if (!previous) events.push({ type: 'video.asset.static_rendition.created', file: data(file) });
    if (previous?.status === file.status || file.status === 'preparing') continue;
    events.push({ type: `video.asset.static_rendition.${file.status}`, file: data(file) });
  }
  if (after?.status === 'deleted') return events;
  const kept = new Set(now.map((f) => f.id));
  for (const file of old.values()) {
    if (!kept.has(file.id)) events.push({ type: 'video.asset.static_rendition.deleted', file: data(file) });
  }
  return events;
}
