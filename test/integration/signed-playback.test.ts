/**
 * Everything of an asset is behind a signature, through the stream URL as a viewer reaches it: a signed playback
 * id plays with a token through every level (master → rendition → init segment and segments), while an asset file
 * without a signature, with a forged one, one for another asset or one past the token's expiry gets 403. Public
 * playback ids still play without a token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mux from '@mux/mux-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { target } from '../support/target.js';

const config = target();
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });

/** The URIs a playlist lists (lines and `URI="…"` attributes), resolved against its URL. */
function uris(playlist: string, base: string): string[] {
  return playlist.split('\n').flatMap((line) => {
    if (line.startsWith('#')) return [...line.matchAll(/URI="([^"]+)"/g)].map((m) => new URL(m[1] ?? '', base).href);
    return line.trim() ? [new URL(line, base).href] : [];
  });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** Fetches a master playlist, its first rendition and that rendition's files; each must answer 200. */
async function playThrough(masterUrl: string) {
  const master = await get(masterUrl);
  expect(master.status, master.text).toBe(200);
  const rendition = uris(master.text, masterUrl)[0] ?? '';
  const media = await get(rendition);
  expect(media.status, media.text).toBe(200);
  const files = uris(media.text, rendition);
  expect(media.text).toMatch(/#EXT-X-MAP:URI="[^"]+\?Policy=/); // the init segment is signed too
  expect(files.length).toBeGreaterThan(1);
  for (const file of files) expect((await fetch(file)).status, file).toBe(200);
  return { rendition, segment: files[files.length - 1] ?? '' };
}

const unsigned = (url: string) => url.split('?')[0] ?? url;

describe('signed asset files', () => {
  let assetId: string;
  let signedId: string;
  let publicId: string;
  let key: Awaited<ReturnType<typeof mux.system.signingKeys.create>>;
  const token = (expiration: string) =>
    mux.jwt.signPlaybackId(signedId, { keyId: key.id, keySecret: key.private_key, type: 'video', expiration });

  beforeAll(async () => {
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-signed-')), 'clip.mp4'), {
      width: 640,
      height: 360,
      seconds: 3,
    });
    const upload = await client.createUpload({ new_asset_settings: { playback_policies: ['signed', 'public'] } });
    expect(await client.put(upload.url, clip)).toBe(200);
    assetId = await client.assetOfUpload(upload.id);
    const asset = await client.settledAsset(assetId);
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    const ids = asset.playback_ids as { id: string; policy: string }[];
    signedId = ids.find((p) => p.policy === 'signed')?.id ?? '';
    publicId = ids.find((p) => p.policy === 'public')?.id ?? '';
    key = await mux.system.signingKeys.create();
  });

  it('plays a signed playback id with a token through master, rendition, init segment and segments', async () => {
    await playThrough(`${config.streamUrl}/${signedId}.m3u8?token=${await token('10m')}`);
  });

  it('refuses a segment or rendition playlist without a signature, with a forged one, or for another asset', async () => {
    const { rendition, segment } = await playThrough(
      `${config.streamUrl}/${signedId}.m3u8?token=${await token('10m')}`,
    );
    const query = new URL(segment).search;
    const forged = new URL(segment);
    const signature = forged.searchParams.get('Signature') ?? '';
    forged.searchParams.set('Signature', (signature.startsWith('A') ? 'B' : 'A') + signature.slice(1));
    const attempts = {
      'segment without signature': unsigned(segment),
      'rendition without signature': unsigned(rendition),
      'init segment without signature': `${config.streamUrl}/assets/${assetId}/360p/init.mp4`,
      'master playlist file without signature': `${config.streamUrl}/assets/${assetId}/master.m3u8`,
      'forged signature': forged.href,
      // Another id: its last character changed (to "y" where it already is "x").
      'another asset':
        unsigned(segment).replace(assetId, `${assetId.slice(0, -1)}${assetId.endsWith('x') ? 'y' : 'x'}`) + query,
    };
    const statuses = Object.fromEntries(
      await Promise.all(Object.entries(attempts).map(async ([what, url]) => [what, (await fetch(url)).status])),
    );
    expect(statuses).toEqual(Object.fromEntries(Object.keys(attempts).map((what) => [what, 403])));
  });

  it('stops serving the asset files when the token expires', async () => {
    const short = await token('4s');
    const exp = JSON.parse(Buffer.from(short.split('.')[1] ?? '', 'base64url').toString()).exp as number;
    const { rendition, segment } = await playThrough(`${config.streamUrl}/${signedId}.m3u8?token=${short}`);
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1000));
    expect((await fetch(segment)).status).toBe(403);
    expect((await fetch(rendition)).status).toBe(403);
    expect((await fetch(`${config.streamUrl}/${signedId}.m3u8?token=${short}`)).status).toBe(403);
  });

  it('still plays the public playback id without a token', async () => {
    const { segment } = await playThrough(`${config.streamUrl}/${publicId}.m3u8`);
    // Its signature lasts a day: long enough for any viewing, renewed with each master playlist.
    const policy = (new URL(segment).searchParams.get('Policy') ?? '')
      .replace(/-/g, '+')
      .replace(/_/g, '=')
      .replace(/~/g, '/');
    const expiresAt = JSON.parse(Buffer.from(policy, 'base64').toString()).Statement[0].Condition.DateLessThan[
      'AWS:EpochTime'
    ];
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(23 * 3600);
  });
});
