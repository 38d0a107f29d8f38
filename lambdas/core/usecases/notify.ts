import { isDeepStrictEqual } from 'node:util';
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
import type { ConnectionRecord, ConnectionRepository, Pusher } from '../ports.js';

/** One stored change of an upload or asset, as the table's stream reports it. */
export type MediaChange = { eventId: string; at: Date } & (
  | { kind: 'upload'; before?: UploadRecord; after?: UploadRecord }
  | { kind: 'asset'; before?: AssetRecord; after?: AssetRecord }
);

/** Mux's webhook envelope; the same message goes over the WebSocket. */
export interface MediaEventMessage {
  type: MediaEventType;
  object: { type: 'upload' | 'asset'; id: string };
  /** The stream record's id: the same change always has the same event id, so clients can drop repeats. */
  id: string;
  created_at: string;
  environment: { id: string };
  data: MuxUpload | MuxAsset;
}

/**
 * The event a change implies, or undefined when it implies none (e.g. an internal bookkeeping write that leaves
 * the Mux representation as it was).
 */
export function messageFor(
  change: MediaChange,
): { message: MediaEventMessage; env: string; ids: string[] } | undefined {
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

const wants = (connection: ConnectionRecord, ids: string[]) =>
  !connection.subscriptions?.length || ids.some((id) => connection.subscriptions?.includes(id));

export interface NotifyResult {
  type?: MediaEventType;
  sent: number;
  /** Connections found closed, and deleted. */
  gone: number;
  /** Posts that failed otherwise. Pushes are best effort (webhooks are the reliable channel), so not retried. */
  failed: number;
}

/** Pushes the event a change implies to every connection of its environment that wants it. */
export async function notifyChange(
  change: MediaChange,
  ctx: { connections: ConnectionRepository; pusher: Pusher },
): Promise<NotifyResult> {
  const event = messageFor(change);
  if (!event) return { sent: 0, gone: 0, failed: 0 };
  const targets = (await ctx.connections.listByEnv(event.env)).filter((c) => wants(c, event.ids));
  const results = await Promise.allSettled(
    targets.map(async ({ connectionId }) => {
      const outcome = await ctx.pusher.post(connectionId, event.message);
      if (outcome === 'gone') await ctx.connections.delete(connectionId);
      return outcome;
    }),
  );
  const count = (outcome: 'sent' | 'gone') =>
    results.filter((r) => r.status === 'fulfilled' && r.value === outcome).length;
  return {
    type: event.message.type,
    sent: count('sent'),
    gone: count('gone'),
    failed: results.filter((r) => r.status === 'rejected').length,
  };
}
