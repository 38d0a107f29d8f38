import { isDeepStrictEqual } from 'node:util';
import { type MasterEventType, masterEvent } from '../domain/master.js';
import {
  type AssetRecord,
  eventFor,
  type MediaEventType,
  type MuxAsset,
  type MuxUpload,
  toMuxAsset,
  toMuxUpload,
  type UploadRecord,
} from '../domain/media.js';
import {
  type Mp4SupportEventType,
  mp4SupportEvent,
  type StaticRenditionEventData,
  type StaticRenditionEventType,
  staticRenditionEvents,
} from '../domain/static-rendition-events.js';
import { type TrackEventData, type TrackEventType, trackEvents } from '../domain/track-events.js';
import type { ConnectionRecord, ConnectionRepository, Pusher } from '../ports.js';

/** One stored change of an upload or asset, as the table's stream reports it. */
export type MediaChange = { eventId: string; at: Date } & (
  | { kind: 'upload'; before?: UploadRecord; after?: UploadRecord }
  | { kind: 'asset'; before?: AssetRecord; after?: AssetRecord }
);

/**
 * Mux's webhook envelope, as the stream implies it; the fan-out adds the environment's name and each delivery its
 * `attempts`, and the WebSocket gets it without an upload's `url` (`forSocket`).
 */
export interface MediaEventMessage {
  type: MediaEventType | TrackEventType | StaticRenditionEventType | Mp4SupportEventType | MasterEventType;
  object: { type: 'upload' | 'asset' | 'track' | 'static_rendition'; id: string };
  /** The stream record's id: the same change always has the same event id, so clients can drop repeats. */
  id: string;
  created_at: string;
  environment: { id: string };
  data: MuxUpload | MuxAsset | TrackEventData | StaticRenditionEventData;
}

/** One event a change implies; `ids[0]` is the upload or asset it belongs to (what orders its deliveries). */
export type MediaEvent = { message: MediaEventMessage; env: string; ids: string[] };

/**
 * Every event a change implies: the upload's or asset's own, then one per text or alternate audio track that
 * appeared, settled or went (`video.asset.track.*`, track-events.ts; every track goes when the asset is deleted),
 * one per static rendition of the Static Renditions API (`video.asset.static_rendition.*`), mp4_support's
 * (`video.asset.static_renditions.*`) and the master's (`video.asset.master.*`). A change to these alone is told by
 * their own events, not also as `video.asset.updated`.
 */
export function messagesFor(change: MediaChange): MediaEvent[] {
  if (change.kind === 'upload') return [messageFor(change)].filter((e) => e !== undefined);
  const own = ownEventOf(change);
  const record = change.after ?? change.before;
  if (!record) return own ? [own] : [];
  const event = (
    type: MediaEventMessage['type'],
    object: MediaEventMessage['object'],
    data: MediaEventMessage['data'],
  ) => ({
    env: record.env,
    ids: [record.id, ...(record.upload_id ? [record.upload_id] : [])],
    message: {
      type,
      object,
      // One stream record can imply several events: each gets its own id, the same on every retry. The type is
      // whole in it (less `video.asset.`): the master's and mp4_support's events share the asset as their object
      // and their last word (`preparing`), and one id for two events would have the FIFO queue drop one.
      id: `${change.eventId}:${object.id}:${type.replace(/^video\.asset\./, '')}`,
      created_at: change.at.toISOString(),
      environment: { id: record.env },
      data,
    },
  });
  // A deleted asset's tracks go with it (Mux sends `video.asset.track.deleted` for each): the tombstone keeps them
  // in its item, so they are read as gone from the change that deletes it, and never told again after.
  const live = (asset?: AssetRecord) => (asset?.status === 'deleted' ? undefined : asset);
  const tracks = trackEvents(live(change.before), live(change.after), record.id).map(({ type, track }) =>
    event(type, { type: 'track', id: track.id }, track),
  );
  const files = staticRenditionEvents(change.before, change.after, record.id).map(({ type, file }) =>
    event(type, { type: 'static_rendition', id: file.id }, file),
  );
  // The master's and mp4_support's events carry the asset, as Mux's do.
  const ofAsset = (type: MasterEventType | Mp4SupportEventType | undefined) =>
    type && change.after ? [event(type, { type: 'asset', id: record.id }, toMuxAsset(change.after))] : [];
  const mp4Support = ofAsset(mp4SupportEvent(change.before, change.after));
  const master = ofAsset(masterEvent(change.before, change.after));
  return [...(own ? [own] : []), ...tracks, ...files, ...mp4Support, ...master];
}

/** The asset's own event, unless the change touched only what has events of its own (tracks, files, master). */
function ownEventOf(change: MediaChange & { kind: 'asset' }): MediaEvent | undefined {
  const {
    text_tracks: _t,
    audio_tracks: _a,
    static_renditions: _s,
    master: _m,
    ...before
  } = change.before ?? ({} as AssetRecord);
  const {
    text_tracks: _t2,
    audio_tracks: _a2,
    static_renditions: _s2,
    master: _m2,
    ...after
  } = change.after ?? ({} as AssetRecord);
  const onlyTheirs =
    change.before &&
    change.after &&
    change.before.status === change.after.status &&
    isDeepStrictEqual(
      { ...toMuxAsset(before as AssetRecord), master_access: undefined },
      { ...toMuxAsset(after as AssetRecord), master_access: undefined },
    );
  return onlyTheirs ? undefined : messageFor(change);
}

/**
 * The event a change implies, or undefined when it implies none (e.g. an internal bookkeeping write that leaves
 * the Mux representation as it was).
 */
export function messageFor(change: MediaChange): MediaEvent | undefined {
  const view =
    change.kind === 'upload'
      ? { before: change.before && toMuxUpload(change.before), after: change.after && toMuxUpload(change.after) }
      : { before: change.before && toMuxAsset(change.before), after: change.after && toMuxAsset(change.after) };
  const record = change.after ?? change.before;
  const data = view.after ?? view.before;
  if (!record || !data || isDeepStrictEqual(view.before, view.after)) return undefined;
  const type = eventFor(change.kind, change.before, change.after);
  if (!type) return undefined;
  const uploadId = change.kind === 'asset' ? (change.after ?? change.before)?.upload_id : undefined;
  return {
    env: record.env,
    // Who may want it: subscribers of the object, and for an asset also those of the upload it came from
    // (a browser that just uploaded knows only the upload id).
    ids: uploadId ? [record.id, uploadId] : [record.id],
    message: {
      type,
      object: { type: change.kind, id: record.id },
      id: change.eventId,
      created_at: change.at.toISOString(),
      environment: { id: record.env },
      data,
    },
  };
}

/**
 * A message as a WebSocket gets it: an upload without its presigned `url`. A socket needs only video:read, and the
 * url is a capability to create an asset, which needs video:write (so the API shows it only to such a caller:
 * `uploadView`); the client that made the upload has it from the API. Webhooks carry it, as Mux's do.
 */
function forSocket(message: MediaEventMessage) {
  if (message.object.type !== 'upload' || !('url' in message.data)) return message;
  const { url: _url, ...data } = message.data;
  return { ...message, data };
}

const wants = (connection: ConnectionRecord, ids: string[]) =>
  !connection.subscriptions?.length || ids.some((id) => connection.subscriptions?.includes(id));

export interface NotifyResult {
  types: MediaEventMessage['type'][];
  sent: number;
  /** Connections found closed, and deleted. */
  gone: number;
  /** Posts that failed otherwise. Pushes are best effort (webhooks are the reliable channel), so not retried. */
  failed: number;
}

/** Pushes the events a change implies to every connection of its environment that wants them, in order. */
export async function notifyChange(
  change: MediaChange,
  ctx: { connections: ConnectionRepository; pusher: Pusher; now?: () => number },
): Promise<NotifyResult> {
  const events = messagesFor(change);
  const first = events[0];
  if (!first) return { types: [], sent: 0, gone: 0, failed: 0 };
  const now = (ctx.now ?? Date.now)() / 1000;
  const open = await ctx.connections.listByEnv(first.env);
  // A socket whose token has expired is closed, not told: an expired token stops working on the socket as in the API.
  const expired = open.filter((c) => c.expires_at !== undefined && c.expires_at <= now);
  const connections = open.filter((c) => !expired.includes(c));
  const results: PromiseSettledResult<'sent' | 'gone'>[] = await Promise.allSettled(
    expired.map(async ({ connectionId }) => {
      await ctx.pusher.close(connectionId);
      await ctx.connections.delete(connectionId);
      return 'gone' as const;
    }),
  );
  for (const event of events) {
    const targets = connections.filter((c) => wants(c, event.ids));
    const message = forSocket(event.message);
    results.push(
      ...(await Promise.allSettled(
        targets.map(async ({ connectionId }) => {
          const outcome = await ctx.pusher.post(connectionId, message);
          if (outcome === 'gone') await ctx.connections.delete(connectionId);
          return outcome;
        }),
      )),
    );
  }
  const count = (outcome: 'sent' | 'gone') =>
    results.filter((r) => r.status === 'fulfilled' && r.value === outcome).length;
  return {
    types: events.map((e) => e.message.type),
    sent: count('sent'),
    gone: count('gone'),
    failed: results.filter((r) => r.status === 'rejected').length,
  };
}
