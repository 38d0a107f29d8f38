/**
 * The playback use cases: which assets `/{playbackId}.m3u8` serves (fast start included), signed for the asset's
 * folder; the rendition playlists under `/assets/` that hand the signature on to segments; the playlist rewriting.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { assetToItem } from '../../lambdas/core/adapters/media-items.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import {
  renditionPlaylistFromPath,
  rewriteMasterPlaylist,
  rewriteMediaPlaylist,
  signatureExpiry,
} from '../../lambdas/core/domain/playback.js';
import { resolvePlayback, resolveRenditionPlaylist, type TextObjects } from '../../lambdas/core/usecases/playback.js';
import { createPlaybackHandler } from '../../lambdas/handlers/playback.js';
import { grantOf, STREAM_URL, testSigner } from './cdn-keys.js';
import { conditionFailed } from './dynamo-condition.js';
import { InMemoryMediaRepository } from './fakes.js';

const signer = testSigner();

const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n';

function asset(status: AssetRecord['status'], policy: 'public' | 'signed' = 'public'): AssetRecord {
  return {
    id: 'asset1',
    env: 'dev',
    status,
    created_at: 1,
    source: { bucket: 'in', key: 'uploads/u1' },
    playback_ids: [{ id: 'playback1', policy }],
  };
}

async function resolve(record: AssetRecord, master: string | undefined) {
  const media = new InMemoryMediaRepository();
  await media.createAsset(record);
  const objects: TextObjects = {
    getText: async (_bucket, key) => (key === 'assets/asset1/master.m3u8' ? master : undefined),
  };
  return resolvePlayback('playback1', { media, objects, outputBucket: 'out', signer });
}

describe('resolvePlayback', () => {
  it('serves a ready asset with rendition URIs pointing into its folder, signed for a day', async () => {
    const result = await resolve(asset('ready'), MASTER);
    if (result.status !== 200) throw new Error(result.message);
    const [head, uri = ''] = result.playlist.split('\n').slice(1, 3);
    expect(head).toBe('#EXT-X-STREAM-INF:BANDWIDTH=1');
    const [path, query = ''] = uri.split('?');
    expect(path).toBe('assets/asset1/360p/index.m3u8');
    const grant = grantOf(query);
    expect(grant.resource).toBe(`${STREAM_URL}/assets/asset1/360p/*`);
    expect(grant.expiresAt - Date.now() / 1000).toBeGreaterThan(24 * 3600 - 5);
    expect(await signer.verify(`/${path}`, query)).toMatchObject({ ok: true });
  });

  it("signs each rendition's folder alone: a video signature opens no still, storyboard or preview frame", async () => {
    const master = `${MASTER}#EXT-X-MEDIA:TYPE=AUDIO,URI="audio/index.m3u8"\n720p/index.m3u8\n`;
    const result = await resolve(asset('ready'), master);
    if (result.status !== 200) throw new Error(result.message);
    const signed = result.playlist.match(/assets\/asset1\/[^\s"]+/g) ?? [];
    expect(signed.map((uri) => grantOf(uri.split('?')[1] ?? '').resource)).toEqual([
      `${STREAM_URL}/assets/asset1/360p/*`,
      `${STREAM_URL}/assets/asset1/audio/*`,
      `${STREAM_URL}/assets/asset1/720p/*`,
    ]);
    for (const uri of signed) {
      const query = uri.split('?')[1] ?? '';
      for (const image of ['thumbnails/0000.jpg', 'storyboard.jpg', 'storyboard.vtt', 'preview/00000.jpg']) {
        expect(await signer.verify(`/assets/asset1/${image}`, query), image).toMatchObject({ ok: false });
      }
    }
  });

  it("signs a top-level rendition (MediaConvert's layout) for the files named like it", async () => {
    const result = await resolve(asset('ready'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmaster_720p.m3u8\n');
    if (result.status !== 200) throw new Error(result.message);
    const query = result.playlist.split('\n')[2]?.split('?')[1] ?? '';
    expect(grantOf(query).resource).toBe(`${STREAM_URL}/assets/asset1/master_720p*`);
    expect(await signer.verify('/assets/asset1/master_720p_00001.ts', query)).toMatchObject({ ok: true });
    expect(await signer.verify('/assets/asset1/thumbnails/0000.jpg', query)).toMatchObject({ ok: false });
  });

  it('serves a preparing asset once the transcoder has published a first master playlist (fast start)', async () => {
    expect((await resolve(asset('preparing'), MASTER)).status).toBe(200);
  });

  it('refuses a preparing asset without a master playlist yet', async () => {
    expect(await resolve(asset('preparing'), undefined)).toEqual({
      status: 412,
      message: 'The asset is preparing and not playable yet',
    });
  });

  it('refuses errored, deleted and signed assets', async () => {
    expect((await resolve(asset('errored'), MASTER)).status).toBe(412);
    expect((await resolve(asset('deleted'), MASTER)).status).toBe(404);
    expect((await resolve(asset('ready', 'signed'), MASTER)).status).toBe(403);
  });

  it('does not find an unknown playback id', async () => {
    const media = new InMemoryMediaRepository();
    const objects: TextObjects = { getText: async () => MASTER };
    expect((await resolvePlayback('nope', { media, objects, outputBucket: 'out', signer })).status).toBe(404);
  });
});

describe('resolveRenditionPlaylist', () => {
  const RENDITION = [
    '#EXTM3U',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-MAP:URI="init.mp4"',
    '#EXTINF:6.000000,',
    'segment_000.m4s',
    '',
  ].join('\n');
  const objects: TextObjects = {
    getText: async (_bucket, key) => (key === 'assets/asset1/720p/index.m3u8' ? RENDITION : undefined),
  };
  const serve = (path: string, rawQuery: string) =>
    resolveRenditionPlaylist({ path, rawQuery }, { objects, outputBucket: 'out', signer });

  it('hands the request’s signature on to the init segment and the segments; a growing playlist is cached 2 s', async () => {
    const query = await signer.sign('asset1', '720p/*', Math.floor(Date.now() / 1000) + 60);
    const result = await serve('/assets/asset1/720p/index.m3u8', query);
    expect(result).toEqual({
      status: 200,
      playlist: RENDITION.replace('init.mp4', `init.mp4?${query}`).replace(
        'segment_000.m4s',
        `segment_000.m4s?${query}`,
      ),
      cacheControl: 'public, max-age=2',
    });
  });

  it('refuses a request without a valid signature for that asset', async () => {
    const query = await signer.sign('asset2', '720p/*', Math.floor(Date.now() / 1000) + 60);
    expect((await serve('/assets/asset1/720p/index.m3u8', '')).status).toBe(403);
    expect((await serve('/assets/asset1/720p/index.m3u8', query)).status).toBe(403);
  });

  it('does not find a playlist that is not there, or a path that is not one', async () => {
    const query = await signer.sign('asset1', '1080p/*', Math.floor(Date.now() / 1000) + 60);
    expect((await serve('/assets/asset1/1080p/index.m3u8', query)).status).toBe(404);
    expect((await serve('/assets/asset1/../asset2/index.m3u8', query)).status).toBe(404);
  });
});

describe('the playback function', () => {
  const RENDITION = '#EXTM3U\n#EXTINF:6,\nsegment_000.m4s\n#EXT-X-ENDLIST\n';
  const handler = createPlaybackHandler(() => ({
    media: new InMemoryMediaRepository(),
    objects: { getText: async (_b, key) => (key === 'assets/asset1/720p/index.m3u8' ? RENDITION : undefined) },
    bytes: { getBytes: async () => undefined },
    outputBucket: 'out',
    signer,
  }));
  const get = (rawPath: string, rawQueryString = '') =>
    handler({ rawPath, rawQueryString, requestContext: { http: { method: 'GET' } } } as never);

  it('serves a signed rendition playlist as HLS, a finished one cached for a minute', async () => {
    const query = await signer.sign('asset1', '720p/*', Math.floor(Date.now() / 1000) + 60);
    expect(await get('/assets/asset1/720p/index.m3u8', query)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=60' },
      body: RENDITION.replace('segment_000.m4s', `segment_000.m4s?${query}`),
    });
  });

  it('refuses an unsigned one with 403, uncached', async () => {
    expect(await get('/assets/asset1/720p/index.m3u8')).toMatchObject({
      statusCode: 403,
      headers: { 'cache-control': 'no-store' },
    });
  });
});

describe('playlist rewriting', () => {
  it('points master URIs into the asset folder with the signature; absolute URIs stay as they are', () => {
    const master =
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI="audio/index.m3u8"\n360p/index.m3u8\nhttps://cdn.example/x.m3u8\n';
    expect(rewriteMasterPlaylist(master, 'a1', (uri) => `Policy=${uri.split('/')[0]}`)).toBe(
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI="assets/a1/audio/index.m3u8?Policy=audio"\nassets/a1/360p/index.m3u8?Policy=360p\nhttps://cdn.example/x.m3u8\n',
    );
    expect(rewriteMasterPlaylist(master, 'a1')).toContain('\nassets/a1/360p/index.m3u8\n');
  });

  it('appends the signature to relative media URIs, after any query they have', () => {
    const playlist = '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6,\nseg.m4s\n#EXTINF:6,\nseg2.m4s?x=1\n/abs.m4s\n';
    expect(rewriteMediaPlaylist(playlist, 'S=1')).toBe(
      '#EXT-X-MAP:URI="init.mp4?S=1"\n#EXTINF:6,\nseg.m4s?S=1\n#EXTINF:6,\nseg2.m4s?x=1&S=1\n/abs.m4s\n',
    );
  });

  it('recognizes rendition playlist paths only', () => {
    expect(renditionPlaylistFromPath('/assets/a1/720p/index.m3u8')).toEqual({
      assetId: 'a1',
      key: 'assets/a1/720p/index.m3u8',
    });
    expect(renditionPlaylistFromPath('/assets/a1/720p/segment_000.m4s')).toBeUndefined();
    expect(renditionPlaylistFromPath('/assets/a1/../a2/index.m3u8')).toBeUndefined();
  });
});

describe('signatureExpiry', () => {
  const now = 1_700_000_000; // 22:13:20 UTC
  it('gives a public playback id a day, rounded up to the hour', () => {
    expect(signatureExpiry(now)).toBe(1_700_089_200);
    expect(signatureExpiry(now + 100)).toBe(signatureExpiry(now));
  });
  it('ends with the token, never later than that', () => {
    expect(signatureExpiry(now, now + 60)).toBe(now + 60);
    expect(signatureExpiry(now, now + 7 * 86400)).toBe(signatureExpiry(now));
  });
});

describe('InMemoryMediaRepository.markPlayable', () => {
  it('keeps the asset preparing and records when it became playable; refuses once it is no longer preparing', async () => {
    const media = new InMemoryMediaRepository();
    await media.createAsset(asset('preparing'));
    const playable = await media.markPlayable('asset1');
    expect(playable).toMatchObject({ status: 'preparing', playable_at: media.clock });
    await media.createAsset({ ...asset('ready'), id: 'asset2', playback_ids: [] });
    await expect(media.markPlayable('asset2')).rejects.toThrow(/cannot move to preparing/);
  });
});

describe('DynamoMediaRepository.markPlayable', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  const repo = new DynamoMediaRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'media');

  it('sets playable_at with a condition that the asset is still preparing', async () => {
    doc.reset();
    doc.on(UpdateCommand).resolves({ Attributes: assetToItem({ ...asset('preparing'), playable_at: 7 }) });

    expect(await repo.markPlayable('asset1')).toMatchObject({ status: 'preparing', playable_at: 7 });
    const input = doc.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe('SET #status = :to, #playable_at = :playable_at');
    expect(input?.ConditionExpression).toBe('attribute_exists(#pk) AND #status IN (:from0)');
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':to': 'preparing', ':from0': 'preparing' });
  });

  it('throws a TransitionError when the asset is no longer preparing', async () => {
    doc.reset();
    doc.on(UpdateCommand).rejects(conditionFailed(assetToItem(asset('ready'))));

    await expect(repo.markPlayable('asset1')).rejects.toBeInstanceOf(TransitionError);
  });
});
