/**
 * Every method of the SDK groups issue 11 names, with nothing changed but the base URL. The first test reads the
 * methods from the SDK's own .d.ts files and checks that an integration test calls each one, so a method the SDK
 * gains cannot go untested; this file drives those the others do not (`video.playback.*` on the API host,
 * `video.playbackRestrictions.*` and their enforcement on signed playback, text track edits), and the methods other
 * work this session builds (master access, static renditions after creation, shots, generated subtitles, clips,
 * transcription vocabularies), which must answer in Mux's shape: served, or a 400 saying this deployment lacks them.
 * mux-surface.test.ts holds the request shapes (older spellings, refusals by name) and `system.*`.
 */
import { createReadStream, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Mux, { APIError, BadRequestError } from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { needsLocalDeployment } from '../support/target.js';

const config = needsLocalDeployment('the platform fetches an input URL and a subtitle file from 127.0.0.1');
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const dir = mkdtempSync(join(tmpdir(), 'gamma-sdk-surface-'));
const here = dirname(fileURLToPath(import.meta.url));
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The SDK resources issue 11 names: the accessor a client uses, and the .d.ts that declares its methods. */
const GROUPS = {
  'video.assets': 'video/assets',
  'video.uploads': 'video/uploads',
  'video.playbackIds': 'video/playback-ids',
  'video.playbackRestrictions': 'video/playback-restrictions',
  'video.playback': 'video/playback',
  'system.signingKeys': 'system/signing-keys',
  'system.webhooks': 'system/webhooks',
  'system.utilities': 'system/utilities',
} as const;

let server: Server;
let base: string;
let assetId: string;
let publicId: string;

beforeAll(async () => {
  const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
  server = createServer((req, res) => {
    if (req.url === '/en.vtt') return void res.writeHead(200).end('WEBVTT\n\n00:00.200 --> 00:01.500\nHello\n');
    if (req.url !== '/clip.mp4') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'video/mp4' });
    createReadStream(clip).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Mux's "Stream video files" body, verbatim but for the URL.
  const body = `{ "inputs": [{ "url": "${base}/clip.mp4" }], "playback_policies": ["public"], "video_quality": "basic" }`;
  const res = await client.request('POST', '/video/v1/assets', JSON.parse(body));
  if (res.status !== 201) throw new Error(`create asset: ${res.status} ${JSON.stringify(res.json)}`);
  assetId = res.json.data.id;
  const ready = await client.until(
    'the asset to be ready',
    () => mux.video.assets.retrieve(assetId),
    (a) => a.status !== 'preparing',
  );
  if (ready.status !== 'ready') throw new Error(`asset ${ready.status}: ${JSON.stringify(ready.errors)}`);
  publicId = ready.playback_ids?.[0]?.id ?? '';
});
afterAll(async () => {
  if (assetId) await mux.video.assets.delete(assetId).catch(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A GET of the stream with exactly these headers (node:http adds no User-Agent of its own, fetch would). */
function streamGet(path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; cacheControl: string | undefined }>((resolve, reject) => {
    get(`${config.streamUrl}${path}`, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cacheControl: res.headers['cache-control'] }));
    }).on('error', reject);
  });
}

/**
 * A method another piece of this session's work builds answers in Mux's shape: served (`accepted`), or a 400 whose
 * message says this deployment does not support it (`not supported`). Anything else (a 404 unknown path) is shown.
 */
const muxShaped = (call: () => Promise<unknown>) =>
  call().then(
    () => 'accepted',
    (err: unknown) =>
      err instanceof BadRequestError &&
      /not (yet )?supported|not available in this deployment/.test(JSON.stringify(err.error))
        ? 'not supported'
        : `unexpected: ${String(err)}`,
  );

describe('the SDK surface', () => {
  it('every method of the named groups is driven by an integration test (read from the SDK .d.ts files)', () => {
    const sdk = join(here, '../../node_modules/@mux/mux-node/resources');
    const sources = readdirSync(here)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(here, f), 'utf8'))
      .join('\n');
    const missing = Object.entries(GROUPS).flatMap(([accessor, file]) => {
      const declared = readFileSync(join(sdk, `${file}.d.ts`), 'utf8');
      const methods = [...declared.matchAll(/^ {4}([a-z][A-Za-z]*)\(/gm)].map((m) => m[1] as string);
      expect(methods.length).toBeGreaterThan(0);
      return [...new Set(methods)]
        .map((method) => `mux.${accessor}.${method}`)
        .filter((call) => !new RegExp(`${call.replace(/\./g, '\\.')}\\(`).test(sources));
    });
    expect(missing).toEqual([]);
  });

  it('video.playback: every helper is answered on the API host (a redirect to the stream)', async () => {
    const hls = await mux.video.playback.hls(publicId);
    expect(hls.status).toBe(200);
    expect(await hls.text()).toMatch(/^#EXTM3U/);
    const thumbnail = await mux.video.playback.thumbnail(publicId, 'jpg', { width: 160 });
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    const animated = await mux.video.playback.animated(publicId, 'gif', { end: 1 });
    expect(animated.headers.get('content-type')).toBe('image/gif');
    const storyboard = await mux.video.playback.storyboard(publicId, 'jpg');
    expect(storyboard.headers.get('content-type')).toBe('image/jpeg');
    expect(await mux.video.playback.storyboardVtt(publicId)).toMatch(/^WEBVTT/);
    const meta = await mux.video.playback.storyboardMeta(publicId);
    expect(typeof meta === 'string' ? JSON.parse(meta) : meta).toMatchObject({ tiles: expect.any(Array) });
    // Made without static renditions: the stream's own 404 for that file, not an unknown path.
    const download = await mux.video.playback.staticRendition(publicId, 'audio.m4a').then(
      () => 'served',
      (err: unknown) => (err instanceof APIError ? `${err.status} ${err.message}` : String(err)),
    );
    expect(download).toMatch(/^404 .*no static rendition audio\.m4a/);
  });

  it('text tracks: the playback helpers track and transcript, then updateTrack and deleteTrack', async () => {
    const track = await mux.video.assets.createTrack(assetId, {
      url: `${base}/en.vtt`,
      type: 'text',
      text_type: 'subtitles',
      language_code: 'en',
    });
    const trackId = track.id ?? '';
    await client.until(
      'the track to be ready',
      async () => (await mux.video.assets.retrieve(assetId)).tracks?.find((t) => t.id === trackId)?.status,
      (status) => status !== 'preparing',
    );
    expect(await mux.video.playback.track(publicId, trackId)).toContain('Hello');
    expect(await mux.video.playback.transcript(publicId, trackId)).toContain('Hello');
    const updated = await mux.video.assets.updateTrack(assetId, trackId, { name: 'English (edited)' } as never);
    expect(updated).toMatchObject({ id: trackId, name: 'English (edited)' });
    await mux.video.assets.deleteTrack(assetId, trackId);
    const after = await mux.video.assets.retrieve(assetId);
    expect(after.tracks?.map((t) => t.id)).not.toContain(trackId);
  });

  it('video.playbackRestrictions: create, retrieve, list, update both rules, delete, in Mux shape', async () => {
    // The SDK's own example body.
    const made = await mux.video.playbackRestrictions.create({
      referrer: { allowed_domains: ['*.example.com'], allow_no_referrer: true },
      user_agent: { allow_no_user_agent: false, allow_high_risk_user_agent: false },
    });
    expect(made).toEqual({
      id: expect.any(String),
      created_at: expect.stringMatching(/^\d+$/),
      updated_at: expect.stringMatching(/^\d+$/),
      referrer: { allowed_domains: ['*.example.com'], allow_no_referrer: true },
      user_agent: { allow_no_user_agent: false, allow_high_risk_user_agent: false },
    });
    expect(await mux.video.playbackRestrictions.retrieve(made.id)).toEqual(made);
    const listed = [];
    for await (const r of mux.video.playbackRestrictions.list({ limit: 1 })) listed.push(r.id);
    expect(listed).toContain(made.id);
    const referrer = await mux.video.playbackRestrictions.updateReferrer(made.id, { allowed_domains: ['foo.com'] });
    expect(referrer.referrer).toEqual({ allowed_domains: ['foo.com'], allow_no_referrer: false });
    const agent = await mux.video.playbackRestrictions.updateUserAgent(made.id, {
      allow_no_user_agent: true,
      allow_high_risk_user_agent: true,
    });
    expect(agent).toMatchObject({
      referrer: { allowed_domains: ['foo.com'] },
      user_agent: { allow_no_user_agent: true },
    });
    const wrong = await mux.video.playbackRestrictions
      .create({
        referrer: { allowed_domains: ['https://example.com/page'] },
        user_agent: {},
      })
      .then(
        () => 'accepted',
        (err: unknown) => (err instanceof BadRequestError ? JSON.stringify(err.error) : String(err)),
      );
    expect(wrong).toContain('referrer.allowed_domains: 0: must be a host name, without a scheme, port or path');
    await mux.video.playbackRestrictions.delete(made.id);
    const gone = await mux.video.playbackRestrictions.retrieve(made.id).catch((err: APIError) => err.status);
    expect(gone).toBe(404);
  });

  it('a signed playback id whose token names a restriction plays only on the pages and agents it allows', async () => {
    const signed = await mux.video.assets.createPlaybackId(assetId, { policy: 'signed' });
    const key = await mux.system.signingKeys.create();
    const restriction = await mux.video.playbackRestrictions.create({
      referrer: { allowed_domains: ['*.example.com'], allow_no_referrer: false },
      user_agent: { allow_no_user_agent: false, allow_high_risk_user_agent: false },
    });
    const sign = (type: 'video' | 'thumbnail') =>
      mux.jwt.signPlaybackId(signed.id ?? '', {
        keyId: key.id,
        keySecret: key.private_key,
        type,
        params: { playback_restriction_id: restriction.id },
      });
    const video = `/${signed.id}.m3u8?token=${await sign('video')}`;
    const onSite = { referer: 'https://www.example.com/watch/1', 'user-agent': CHROME };
    try {
      expect(await streamGet(video, { ...onSite, referer: 'https://elsewhere.net/' })).toMatchObject({ status: 403 });
      expect(await streamGet(video, onSite)).toEqual({ status: 200, cacheControl: 'private, no-store' });
      expect((await streamGet(video, { ...onSite, 'user-agent': 'curl/8.5.0' })).status).toBe(403);
      expect((await streamGet(video, { 'user-agent': CHROME })).status).toBe(403);
      const thumbnail = `/${signed.id}/thumbnail.jpg?token=${await sign('thumbnail')}`;
      expect((await streamGet(thumbnail, { ...onSite, referer: 'https://elsewhere.net/' })).status).toBe(403);
      expect(await streamGet(thumbnail, onSite)).toEqual({ status: 200, cacheControl: 'private, no-store' });

      // A changed rule applies to the next request; a deleted restriction refuses the tokens that name it.
      await mux.video.playbackRestrictions.updateReferrer(restriction.id, { allowed_domains: ['*'] });
      expect((await streamGet(video, { ...onSite, referer: 'https://elsewhere.net/' })).status).toBe(200);
      await mux.video.playbackRestrictions.delete(restriction.id);
      expect((await streamGet(video, onSite)).status).toBe(403);
    } finally {
      await mux.video.playbackRestrictions.delete(restriction.id).catch(() => undefined);
      await mux.system.signingKeys.delete(key.id);
      await mux.video.assets.deletePlaybackId(assetId, signed.id ?? '');
    }
  });

  it("the asset-work methods (master, static renditions, shots, subtitles, clips) answer in Mux's shape", async () => {
    const answers: Record<string, string> = {
      updateMasterAccess: await muxShaped(() =>
        mux.video.assets.updateMasterAccess(assetId, { master_access: 'temporary' }),
      ),
      'PUT mp4-support': await muxShaped(async () => {
        const res = await client.request('PUT', `/video/v1/assets/${assetId}/mp4-support`, {
          mp4_support: 'capped-1080p',
        });
        if (res.status === 400) throw new BadRequestError(400, res.json, undefined, new Headers());
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.json)}`);
        // An asset has mp4_support's files or the Static Renditions API's (below), as Mux allows: settle, then none.
        await client.until(
          'the mp4_support file to settle',
          () => mux.video.assets.retrieve(assetId),
          (a) => a.static_renditions?.status !== 'preparing',
          120_000,
        );
        await mux.video.assets.updateMP4Support(assetId, { mp4_support: 'none' });
      }),
      deleteThumbnailTime: await muxShaped(() => mux.video.assets.deleteThumbnailTime(assetId)),
      generateShots: await muxShaped(() => mux.video.assets.generateShots(assetId)),
      // Shots are deleted once made (deleting while they are being generated is a 400, as Mux answers).
      retrieveShots: await muxShaped(() =>
        client.until(
          'the shots to be made',
          () => mux.video.assets.retrieveShots(assetId),
          (shots) => shots.status !== 'pending',
          120_000,
        ),
      ),
      deleteShots: await muxShaped(() => mux.video.assets.deleteShots(assetId)),
      'clip input': await muxShaped(async () => {
        const clip = await mux.video.assets.create({
          inputs: [{ url: `mux://assets/${assetId}`, start_time: 0, end_time: 1 }],
          playback_policies: ['public'],
        });
        await mux.video.assets.delete(clip.id);
      }),
      'transcription vocabularies': await muxShaped(async () => {
        const res = await client.request('GET', '/video/v1/transcription-vocabularies');
        if (res.status === 400) throw new BadRequestError(400, res.json, undefined, new Headers());
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.json)}`);
      }),
    };
    const audio = (await mux.video.assets.retrieve(assetId)).tracks?.find((t) => t.type === 'audio');
    answers.generateSubtitles = await muxShaped(() =>
      mux.video.assets.generateSubtitles(assetId, audio?.id ?? 'none', {
        generated_subtitles: [{ language_code: 'en', name: 'English (generated)' }],
      }),
    );
    let renditionId: string | undefined;
    answers.createStaticRendition = await muxShaped(async () => {
      renditionId = (await mux.video.assets.createStaticRendition(assetId, { resolution: 'audio-only' })).id;
      // A file still being made cannot be deleted (its task runs): wait for it to settle.
      await client.until(
        'the static rendition to settle',
        () => mux.video.assets.retrieve(assetId),
        (a) => !a.static_renditions?.files?.some((f) => f.id === renditionId && f.status === 'preparing'),
        120_000,
      );
    });
    // Deleting needs a rendition to delete: one made above, or none (then it must be refused the same way).
    answers.deleteStaticRendition = await muxShaped(() =>
      mux.video.assets.deleteStaticRendition(assetId, renditionId ?? 'none'),
    );
    for (const [method, answer] of Object.entries(answers)) {
      expect(`${method}: ${answer}`).toMatch(new RegExp(`^${method}: (accepted|not supported)$`));
    }
  });
});
