/**
 * Tracks at creation and shots through the local platform, driven with Mux's SDK: one asset made from three
 * `inputs` (the video, whose audio is English; a French audio file; English subtitles) offers the French audio in
 * its master playlist's AUDIO group beside the primary, and that rendition plays (ffprobe); the subtitles become a
 * ready text track; the French track sends Mux's `video.asset.track.*` webhooks, is renamed by PATCH and deleted; and
 * shots on a source of three scenes of different brightness (asked for by `generate_shots` at creation, and again by
 * `generateShots` once deleted) start where the scenes do.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Mux from '@mux/mux-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GammaClient } from '../support/client.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { needsLocalDeployment } from '../support/target.js';

const exec = promisify(execFile);
const config = needsLocalDeployment('the input files are served from 127.0.0.1');
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });
const work = mkdtempSync(join(tmpdir(), 'gamma-audio-shots-'));

/**
 * Three 3-second scenes (black, white, red) with a 440 Hz tone: cuts at 3 s and 6 s. The scene score compares
 * luma, so the scenes differ in brightness (pure red and green have nearly the same).
 */
async function scenes(file: string) {
  const colour = (c: string) => ['-f', 'lavfi', '-i', `color=c=${c}:size=640x360:rate=30:duration=3`];
  await exec('ffmpeg', [
    ...['-loglevel', 'error', '-y', ...colour('black'), ...colour('white'), ...colour('red')],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=9'],
    ...['-filter_complex', '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]', '-map', '[v]', '-map', '3:a'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file],
  ]);
}

async function tone(file: string) {
  await exec('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=44100:duration=9'],
    ...['-c:a', 'aac', file],
  ]);
}

const SUBTITLES = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nRouge\n\n00:00:03.500 --> 00:00:05.000\nVert\n';

let server: Server;
let receiver: Receiver;
let webhook: { id: string; secret: string };
let base: string;
let assetId: string;
let playbackId: string;

beforeAll(async () => {
  await scenes(join(work, 'scenes.mp4'));
  await tone(join(work, 'fr.m4a'));
  const files: Record<string, Buffer | string> = {
    '/scenes.mp4': readFileSync(join(work, 'scenes.mp4')),
    '/fr.m4a': readFileSync(join(work, 'fr.m4a')),
    '/en.vtt': SUBTITLES,
  };
  server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver = await startReceiver(config);
  const hook = await mux.system.webhooks.create({ address: receiver.url });
  webhook = { id: hook.id, secret: hook.signing_secret ?? '' };
  const created = await mux.video.assets.create({
    inputs: [
      { url: `${base}/scenes.mp4`, language_code: 'en', name: 'English' },
      { url: `${base}/fr.m4a`, type: 'audio', language_code: 'fr' },
      { url: `${base}/en.vtt`, type: 'text', text_type: 'subtitles', language_code: 'en' },
    ],
    playback_policies: ['public'],
    generate_shots: true,
  });
  expect(created.generate_shots).toBe(true);
  expect(created.tracks?.map((t) => [t.type, t.status])).toEqual([
    ['audio', 'preparing'],
    ['text', 'preparing'],
  ]);
  const asset = await client.settledAsset(created.id);
  expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
  assetId = asset.id;
  playbackId = (asset.playback_ids as { id: string }[])[0]?.id ?? '';
}, 300_000);

afterAll(async () => {
  server.close();
  if (webhook) await mux.system.webhooks.delete(webhook.id).catch(() => undefined);
  await receiver?.close();
});

/** The track events received for the asset so far, each verified as the SDK verifies them. */
async function trackEvents() {
  const received = await receiver.received();
  const events = await Promise.all(received.map((r) => mux.webhooks.unwrap(r.body, r.headers, webhook.secret)));
  return (events as unknown as { type: string; data: { asset_id?: string; id: string; status: string } }[]).filter(
    (e) => e.type.startsWith('video.asset.track.') && e.data.asset_id === assetId,
  );
}

const settledTracks = () =>
  client.until(
    'the tracks to settle',
    async () => (await mux.video.assets.retrieve(assetId)).tracks ?? [],
    (tracks) => tracks.every((t) => t.status !== 'preparing'),
    120_000,
  );

describe('tracks from inputs', () => {
  it('lists the primary and the French audio with Mux fields, and the subtitles ready', async () => {
    const tracks = await settledTracks();
    expect(tracks.filter((t) => t.type === 'audio')).toEqual([
      expect.objectContaining({ primary: true, language_code: 'en', name: 'English', status: 'ready' }),
      expect.objectContaining({
        primary: false,
        language_code: 'fr',
        name: 'French',
        status: 'ready',
        // The file's channels (a mono sine), as the primary reports its own; its rendition is stereo (below).
        max_channels: 1,
      }),
    ]);
    expect(tracks.find((t) => t.type === 'text')).toMatchObject({ status: 'ready', language_code: 'en' });
  });

  it('offers the French audio in the master playlist, and its rendition plays', async () => {
    const master = await (await fetch(`${config.streamUrl}/${playbackId}.m3u8`)).text();
    const audio = master.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO'));
    expect(audio).toHaveLength(2);
    expect(audio[0]).toMatch(/NAME="English",LANGUAGE="en",DEFAULT=YES/);
    expect(audio[0]).not.toMatch(/URI=/);
    expect(audio[1]).toMatch(/NAME="French",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,URI="/);
    const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(v).toContain('AUDIO="audio"');
    expect(master).toMatch(/TYPE=SUBTITLES,.*LANGUAGE="en"/);

    const uri = /URI="([^"]+)"/.exec(audio[1] ?? '')?.[1] ?? '';
    const { stdout } = await exec('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_name,channels,sample_rate:format=duration', '-of', 'json'],
      `${config.streamUrl}/${uri}`,
    ]);
    const probed = JSON.parse(stdout) as {
      streams: { codec_name: string; channels: number }[];
      format: { duration: string };
    };
    expect(probed.streams).toEqual([expect.objectContaining({ codec_name: 'aac', channels: 2 })]);
    expect(Number(probed.format.duration)).toBeGreaterThan(8.5);
  });
});

describe('an alternate audio track after creation', () => {
  it('sends Mux’s track webhooks, takes a new name and language by PATCH, and goes by DELETE', async () => {
    const french = (await settledTracks()).find((t) => t.type === 'audio' && !t.primary);
    const id = french?.id ?? '';
    const seen = (types: string[]) =>
      client.until(
        `the webhooks ${types.join(', ')} of the audio track`,
        trackEvents,
        (events) => types.every((t) => events.some((e) => e.type === t && e.data.id === id)),
        60_000,
      );
    const settled = await seen(['video.asset.track.created', 'video.asset.track.ready']);
    expect(settled.find((e) => e.type === 'video.asset.track.ready' && e.data.id === id)?.data).toMatchObject({
      type: 'audio',
      primary: false,
      language_code: 'fr',
      status: 'ready',
    });

    const renamed = await mux.video.assets.updateTrack(assetId, id, { name: 'Français', language_code: 'fr-CA' });
    expect(renamed).toMatchObject({ id, type: 'audio', name: 'Français', language_code: 'fr-CA', status: 'ready' });
    const master = await (await fetch(`${config.streamUrl}/${playbackId}.m3u8`)).text();
    expect(master).toMatch(/TYPE=AUDIO,.*NAME="Français",LANGUAGE="fr-CA"/);

    await mux.video.assets.deleteTrack(assetId, id);
    const gone = await seen(['video.asset.track.deleted']);
    expect(gone.find((e) => e.type === 'video.asset.track.deleted')?.data).toMatchObject({ id, status: 'deleted' });
    const after = await (await fetch(`${config.streamUrl}/${playbackId}.m3u8`)).text();
    expect(after).not.toContain('TYPE=AUDIO');
  });
});

describe('shots', () => {
  const completedShots = async () => {
    const shots = await client.until(
      'the shots to complete',
      () => mux.video.assets.retrieveShots(assetId),
      (s) => s.status !== 'pending',
      120_000,
    );
    expect(shots.status, JSON.stringify(shots.errors)).toBe('completed');
    return (await (await fetch(shots.shots_manifest_url ?? '')).json()) as {
      shots: { startTime: number; imageUrl: string }[];
    };
  };

  it('generate_shots at creation detects the cuts of three scenes at 0, 3 and 6 seconds', async () => {
    const manifest = await completedShots();
    const starts = manifest.shots.map((s) => s.startTime);
    expect(starts).toHaveLength(3);
    for (const [i, expected] of [0, 3, 6].entries()) expect(starts[i]).toBeCloseTo(expected, 0);
    const image = await fetch(manifest.shots[1]?.imageUrl ?? '');
    expect(image.status).toBe(200);
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it('deleted, they are made again on request', async () => {
    await mux.video.assets.deleteShots(assetId);
    expect(await mux.video.assets.retrieveShots(assetId)).toMatchObject({ status: 'deleted' });
    expect(await mux.video.assets.generateShots(assetId)).toMatchObject({ status: 'pending' });
    expect((await completedShots()).shots).toHaveLength(3);
  });
});
