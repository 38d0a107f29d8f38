/**
 * Transcription vocabularies and generated subtitles through the local platform, driven with Mux's SDK: the
 * vocabularies' CRUD works here as on AWS (items of the media table, per environment); generating subtitles needs a
 * speech-to-text service, which the local platform does not have, so it answers Mux's 400 saying so, and the asset
 * is left as it was (the Amazon Transcribe path is tested with client mocks: test/unit/transcribe-transcriber.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mux from '@mux/mux-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GammaClient, makeClip } from '../support/client.js';
import { needsLocalDeployment } from '../support/target.js';

const config = needsLocalDeployment(
  'the local platform has no speech-to-text service, so it refuses generated subtitles',
);
const client = new GammaClient(config);
const mux = new Mux({ tokenId: config.tokenId, tokenSecret: config.tokenSecret, baseURL: config.apiUrl });

describe('transcription vocabularies', () => {
  it('are created, retrieved, listed, replaced and deleted with the SDK', async () => {
    const created = await mux.video.transcriptionVocabularies.create({
      name: 'Gamma words',
      phrases: ['Gamma', 'Playback ID'],
      passthrough: 'p1',
    });
    expect(created).toMatchObject({ name: 'Gamma words', phrases: ['Gamma', 'Playback ID'], passthrough: 'p1' });
    expect(created.created_at).toMatch(/^\d{10}$/);
    expect(await mux.video.transcriptionVocabularies.retrieve(created.id)).toEqual(created);

    const listed: string[] = [];
    for await (const v of mux.video.transcriptionVocabularies.list({ limit: 100 })) listed.push(v.id);
    expect(listed).toContain(created.id);

    const updated = await mux.video.transcriptionVocabularies.update(created.id, { phrases: ['HLS'], name: 'renamed' });
    expect(updated).toMatchObject({ id: created.id, phrases: ['HLS'], name: 'renamed' });
    expect(updated.passthrough).toBeUndefined();

    await mux.video.transcriptionVocabularies.delete(created.id);
    await expect(mux.video.transcriptionVocabularies.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuse a body without phrases in Mux’s error shape, naming the field', async () => {
    const { status, json } = await client.request('POST', '/video/v1/transcription-vocabularies', { name: 'x' });
    expect(status).toBe(400);
    expect(json.error).toEqual({
      type: 'invalid_parameters',
      messages: ['phrases: is required: a list of words or phrases'],
    });
  });
});

describe('generated subtitles', () => {
  let assetId: string;
  let audioTrackId: string;

  beforeAll(async () => {
    const clip = await makeClip(join(mkdtempSync(join(tmpdir(), 'gamma-asr-')), 'clip.mp4'), {
      width: 320,
      height: 240,
      seconds: 3,
    });
    const upload = await client.createUpload();
    expect(await client.put(upload.url, clip)).toBe(200);
    const asset = await client.settledAsset(await client.assetOfUpload(upload.id));
    expect(asset.status, JSON.stringify(asset.errors)).toBe('ready');
    assetId = asset.id;
    audioTrackId = asset.tracks.find((t: { type: string }) => t.type === 'audio')?.id;
    expect(audioTrackId).toBeTruthy();
  }, 300_000);

  it('are refused here with a 400 that says the deployment has no speech-to-text service', async () => {
    const request = mux.video.assets.generateSubtitles(assetId, audioTrackId, {
      generated_subtitles: [{ language_code: 'en', name: 'English (generated)' }],
    });
    await expect(request).rejects.toMatchObject({
      status: 400,
      error: {
        error: { type: 'invalid_parameters', messages: [expect.stringContaining('not available in this deployment')] },
      },
    });
    const asset = await mux.video.assets.retrieve(assetId);
    expect(asset.tracks?.filter((t) => t.type === 'text')).toEqual([]);
  });

  it('on an input are a 400 naming the field, pointing to generate-subtitles', async () => {
    const { status, json } = await client.request('POST', '/video/v1/assets', {
      inputs: [{ url: 'https://example.com/video.mp4', generated_subtitles: [{ language_code: 'en' }] }],
    });
    expect(status).toBe(400);
    expect(json.error.messages[0]).toMatch(/^inputs\.0\.generated_subtitles: .*generate-subtitles/);
  });
});
