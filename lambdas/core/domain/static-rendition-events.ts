/**
 * The static rendition events one stored change of an asset implies (Mux's names, from the SDK's webhook types).
 * A file of the Static Renditions API has its own, `video.asset.static_rendition.*`: a file that appears is
 * `created` (and `ready`/`skipped`/`errored` too if it arrived so), one that settles says how, one that goes is
 * `deleted`, with the file and its `asset_id` as data. The files of the deprecated `mp4_support` have none of their
 * own (no id, no status): their aggregate status has `video.asset.static_renditions.*`, with the asset as data. Pure.
 */
import { mp4SupportStatus, type StaticRenditionFile, toMuxStaticRenditionFile } from './static-renditions.js';

export type StaticRenditionEventType =
  | 'video.asset.static_rendition.created'
  | 'video.asset.static_rendition.ready'
  | 'video.asset.static_rendition.skipped'
  | 'video.asset.static_rendition.errored'
  | 'video.asset.static_rendition.deleted';

export type StaticRenditionEventData = ReturnType<typeof toMuxStaticRenditionFile> & { asset_id: string };

export type Mp4SupportEventType =
  | 'video.asset.static_renditions.preparing'
  | 'video.asset.static_renditions.ready'
  | 'video.asset.static_renditions.errored'
  | 'video.asset.static_renditions.deleted';

const ownFiles = (asset: { static_renditions?: StaticRenditionFile[] } | undefined) =>
  (asset?.static_renditions ?? []).filter((f) => !f.fromMp4Support);

export function staticRenditionEvents(
  before: { static_renditions?: StaticRenditionFile[] } | undefined,
  after: { static_renditions?: StaticRenditionFile[]; status?: string } | undefined,
  assetId: string,
): { type: StaticRenditionEventType; file: StaticRenditionEventData }[] {
  const old = new Map(ownFiles(before).map((f) => [f.id, f]));
  // A deleted asset's files go with it; Mux tells that by `video.asset.deleted` alone.
  const now = after?.status === 'deleted' ? [] : ownFiles(after);
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

/**
 * The `video.asset.static_renditions.*` event of a change, if any: `mp4_support`'s aggregate status moved (to
 * `preparing`, `ready` or `errored`, the asset's failure included), or its files went (`deleted`: `none`). Nothing
 * for a deleted asset.
 */
export function mp4SupportEvent(
  before: { static_renditions?: StaticRenditionFile[]; status?: string } | undefined,
  after: { static_renditions?: StaticRenditionFile[]; status?: string } | undefined,
): Mp4SupportEventType | undefined {
  if (after?.status === 'deleted') return undefined;
  const was = mp4SupportStatus(before?.static_renditions, before?.status);
  const now = mp4SupportStatus(after?.static_renditions, after?.status);
  if (now === was) return undefined;
  return now === undefined ? 'video.asset.static_renditions.deleted' : `video.asset.static_renditions.${now}`;
}
