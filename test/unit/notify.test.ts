import { beforeEach, describe, expect, it } from 'vitest';
import { toMuxAsset, toMuxUpload } from '../../lambdas/core/domain/media.js';
import { type MediaChange, messageFor, notifyChange } from '../../lambdas/core/usecases/notify.js';
import { InMemoryConnections, preparingAsset, RecordingPusher, waitingUpload } from './fakes.js';

const at = new Date('2025-01-02T03:04:05.000Z');
const ready = { ...preparingAsset(), status: 'ready' as const, duration: 10 };
const assetReady: MediaChange = { eventId: 'ev1', at, kind: 'asset', before: preparingAsset(), after: ready };

describe('messageFor', () => {
  it("builds Mux's webhook envelope for a status change", () => {
    expect(messageFor(assetReady)?.message).toEqual({
      type: 'video.asset.ready',
      object: { type: 'asset', id: 'asset1' },
      id: 'ev1',
      created_at: '2025-01-02T03:04:05.000Z',
      environment: { id: 'env1' },
      data: toMuxAsset(ready),
    });
  });

  it('reports an upload by its new image, and a deletion by its old one', () => {
    const created = messageFor({ eventId: 'e', at, kind: 'upload', after: waitingUpload() });
    expect(created?.message).toMatchObject({ type: 'video.upload.created', data: toMuxUpload(waitingUpload()) });
    const deleted = messageFor({ eventId: 'e', at, kind: 'asset', before: ready });
    expect(deleted?.message).toMatchObject({ type: 'video.asset.deleted', data: toMuxAsset(ready) });
  });

  it('implies no event when the Mux view did not change (dispatch bookkeeping writes)', () => {
    expect(
      messageFor({ eventId: 'e', at, kind: 'asset', before: preparingAsset(), after: preparingAsset() }),
    ).toBeUndefined();
  });
});

describe('notifyChange', () => {
  let connections: InMemoryConnections;
  let pusher: RecordingPusher;
  beforeEach(async () => {
    connections = new InMemoryConnections();
    pusher = new RecordingPusher();
    const put = (connectionId: string, env: string, subscriptions: string[] = []) =>
      connections.put({ connectionId, env, connected_at: 1, subscriptions });
    await put('all', 'env1');
    await put('thisAsset', 'env1', ['asset1']);
    await put('itsUpload', 'env1', ['upload1']);
    await put('otherAsset', 'env1', ['asset2']);
    await put('otherEnv', 'env2');
  });

  it('sends to connections of the environment that want the asset or the upload it came from', async () => {
    const result = await notifyChange(assetReady, { connections, pusher });

    expect(result).toEqual({ types: ['video.asset.ready'], sent: 3, gone: 0, failed: 0 });
    expect(pusher.posted.map((p) => p.connectionId).sort()).toEqual(['all', 'itsUpload', 'thisAsset']);
    expect(pusher.posted[0]?.message).toEqual(messageFor(assetReady)?.message);
  });

  it('deletes connections that are gone and keeps going when a post fails', async () => {
    pusher.gone.add('thisAsset');
    pusher.failing.add('itsUpload');

    expect(await notifyChange(assetReady, { connections, pusher })).toEqual({
      types: ['video.asset.ready'],
      sent: 1,
      gone: 1,
      failed: 1,
    });
    expect([...connections.connections.keys()].sort()).toEqual(['all', 'itsUpload', 'otherAsset', 'otherEnv']);
  });

  it('closes and forgets a connection whose token has expired instead of sending to it', async () => {
    await connections.put({ connectionId: 'expired', env: 'env1', connected_at: 1, expires_at: 100 });
    await connections.put({ connectionId: 'later', env: 'env1', connected_at: 1, expires_at: 10_000 });
    const result = await notifyChange(assetReady, { connections, pusher, now: () => 5_000_000 });
    expect(pusher.posted.map((p) => p.connectionId).sort()).toEqual(['all', 'itsUpload', 'later', 'thisAsset']);
    expect(pusher.closed).toEqual(['expired']);
    expect(connections.connections.has('expired')).toBe(false);
    expect(result).toMatchObject({ sent: 4, gone: 1 });
  });

  it("leaves an upload's presigned url out of the push (a socket needs only video:read), not out of the event", async () => {
    const created: MediaChange = { eventId: 'e', at, kind: 'upload', after: waitingUpload() };
    await notifyChange(created, { connections, pusher });
    const pushed = pusher.posted.find((p) => p.connectionId === 'itsUpload')?.message;
    const { url: _url, ...withoutUrl } = toMuxUpload(waitingUpload());
    expect(pushed).toMatchObject({ type: 'video.upload.created', data: withoutUrl });
    expect(pushed).not.toHaveProperty('data.url');
    expect(messageFor(created)?.message.data).toHaveProperty('url', waitingUpload().url);
  });

  it('sends nothing for a change that implies no event', async () => {
    const unchanged: MediaChange = {
      eventId: 'e',
      at,
      kind: 'asset',
      before: preparingAsset(),
      after: preparingAsset(),
    };
    expect(await notifyChange(unchanged, { connections, pusher })).toEqual({ types: [], sent: 0, gone: 0, failed: 0 });
    expect(pusher.posted).toEqual([]);
  });
});
