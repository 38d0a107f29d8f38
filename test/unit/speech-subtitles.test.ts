/**
 * Generated subtitles where the speech-to-text runs in the transcoder's task (pocketsphinx): recognised words
 * grouped into readable cues, what this transcriber refuses (languages without a model, vocabularies) and how,
 * generate-subtitles starting one task for the tracks it records, and `generated_subtitles` on a new asset's input.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/core/domain/errors.js';
import { GENERATED_LANGUAGE_CODES, refusedByTranscriber } from '../../lambdas/core/domain/generated-subtitles.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { CUE_RULES, cuesFromWords, type TimedWord } from '../../lambdas/core/domain/speech-cues.js';
import { parseTextTrack } from '../../lambdas/core/domain/text-tracks.js';
import { startGeneratedOnReady } from '../../lambdas/core/usecases/generated-at-creation.js';
import {
  GenerateSubtitlesInput,
  generateSubtitles,
  settleGeneratedTrack,
} from '../../lambdas/core/usecases/generated-subtitles.js';
import { CreateAssetInput, createAssetFromUrl } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';
import { InMemoryTextStore, InMemoryTextTracks, storeRenditions } from './track-fakes.js';
import { FakeTranscriber, InMemoryVocabularies } from './transcription-fakes.js';

/** Words at a steady pace: `perSecond` words a second from `from`, each lasting 80 % of its slot. */
const spoken = (text: string, from = 0, perSecond = 3): TimedWord[] =>
  text.split(' ').map((word, i) => ({ word, start: from + i / perSecond, end: from + (i + 0.8) / perSecond }));

describe('cuesFromWords', () => {
  it('keeps every cue within two lines of 42 characters and 7 seconds, words in order', () => {
    const words = spoken(
      'the quick brown fox jumps over the lazy dog while the weather stays nice and the sun keeps shining over the quiet little town by the river where nothing ever happens',
    );
    const cues = cuesFromWords(words);
    expect(cues.length).toBeGreaterThan(1);
    for (const cue of cues) {
      const lines = cue.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(CUE_RULES.maxLines);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(CUE_RULES.maxLineChars);
      expect(cue.end - cue.start).toBeLessThanOrEqual(CUE_RULES.maxSeconds);
    }
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(words.map((w) => w.word).join(' '));
    for (const [i, cue] of cues.slice(1).entries()) expect(cue.start).toBeGreaterThanOrEqual(cues[i]?.end ?? 0);
  });

  it('starts a new cue after a pause, and never spans the silence', () => {
    const cues = cuesFromWords([...spoken('hello there', 0), ...spoken('after the pause', 5)]);
    expect(cues.map((c) => c.text)).toEqual(['hello there', 'after the pause']);
    expect(cues[0]?.end).toBeLessThan(2);
    expect(cues[1]?.start).toBe(5);
  });

  it('ends a cue after at most 7 seconds of continuous speech', () => {
    const slow = spoken('one two three four five six seven eight nine ten', 0, 1);
    const cues = cuesFromWords(slow);
    expect(cues.length).toBe(2);
    expect((cues[0]?.end ?? 0) - (cues[0]?.start ?? 0)).toBeLessThanOrEqual(7);
  });

  it('holds a short cue for a second unless the next one starts sooner, and drops empty words', () => {
    const cues = cuesFromWords([
      { word: 'yes', start: 1, end: 1.2 },
      { word: ' ', start: 1.3, end: 1.4 },
      { word: 'no', start: 3, end: 3.2 },
      { word: 'maybe', start: 4.3, end: 4.5 },
    ]);
    expect(cues).toEqual([
      { start: 1, end: 2, text: 'yes' },
      { start: 3, end: 4, text: 'no' },
      { start: 4.3, end: 5.3, text: 'maybe' },
    ]);
  });

  it('makes a WebVTT file the uploaded-track checks accept', async () => {
    const { webVttFromWords } = await import('../../lambdas/core/domain/speech-cues.js');
    const parsed = parseTextTrack(new TextEncoder().encode(webVttFromWords(spoken('hello and welcome'))));
    expect(parsed).toMatchObject({ ok: true, cues: [{ start: 0, text: 'hello and welcome' }] });
  });
});

describe('refusedByTranscriber', () => {
  it('pocketsphinx takes English (and auto, meaning English) only, saying what it takes', () => {
    expect(refusedByTranscriber('pocketsphinx', { language_code: 'en' }, 'generated_subtitles.0')).toEqual([]);
    expect(refusedByTranscriber('pocketsphinx', { language_code: 'auto' }, 'generated_subtitles.0')).toEqual([]);
    const [message] = refusedByTranscriber('pocketsphinx', { language_code: 'de' }, 'inputs.0.generated_subtitles.1');
    expect(message).toMatch(
      /^inputs\.0\.generated_subtitles\.1\.language_code: de is not supported by this deployment: it transcribes with pocketsphinx, which takes en or auto \(its only model is US English; `auto` means en\)/,
    );
  });

  it('pocketsphinx refuses vocabularies in words; Amazon Transcribe takes every language and vocabularies', () => {
    const entry = { language_code: 'en', transcription_vocabulary_ids: ['v1'] };
    expect(refusedByTranscriber('pocketsphinx', entry, 'generated_subtitles.0')).toEqual([
      expect.stringMatching(/^generated_subtitles\.0\.transcription_vocabulary_ids: .*not supported.*pocketsphinx/),
    ]);
    for (const language_code of GENERATED_LANGUAGE_CODES) {
      expect(refusedByTranscriber('amazon-transcribe', { language_code }, 'g')).toEqual([]);
    }
    expect(refusedByTranscriber('amazon-transcribe', entry, 'g')).toEqual([]);
  });
});

const readyAsset = (): AssetRecord => ({
  ...preparingAsset({ id: 'asset1', env: 'env1' }),
  status: 'ready',
  duration: 14,
  tracks: [{ id: 'audio1', type: 'audio', max_channels: 2, duration: 14, primary: true }],
});

describe('generateSubtitles with the transcription in the transcoder task', () => {
  let media: InMemoryMediaRepository;
  let started: string[];
  let failStart: boolean;
  const ctx = () => ({
    env: 'env1',
    media,
    tracks: new InMemoryTextTracks(media),
    vocabularies: new InMemoryVocabularies(),
    inTask: {
      start: async (asset: { id: string }) => {
        if (failStart) throw new Error('RunTask failed');
        started.push(asset.id);
      },
    },
    transcriptBucket: 'ingest',
    now: () => 1_700_000_000_000,
  });
  const body = (generated_subtitles: unknown) => parseOrThrow(GenerateSubtitlesInput, { generated_subtitles });

  beforeEach(async () => {
    media = new InMemoryMediaRepository();
    started = [];
    failStart = false;
    await media.createAsset(readyAsset());
  });

  it('records every track preparing and starts one task for all of them', async () => {
    const tracks = await generateSubtitles('asset1', 'audio1', body([{}, { language_code: 'auto' }]), ctx());
    expect(tracks.map((t) => [t.status, t.language_code, t.name])).toEqual([
      ['preparing', 'en', 'English (generated)'],
      ['preparing', 'auto', 'Auto-detected (generated)'],
    ]);
    expect(started).toEqual(['asset1']);
    const stored = (await media.getAsset('asset1'))?.text_tracks ?? {};
    expect(Object.values(stored).map((t) => t.generation?.audio_track_id)).toEqual(['audio1', 'audio1']);
  });

  it('refuses a language without a model before recording anything', async () => {
    const request = generateSubtitles('asset1', 'audio1', body([{ language_code: 'fr' }]), ctx());
    await expect(request).rejects.toThrow(ValidationError);
    await expect(request).rejects.toThrow(/^generated_subtitles\.0\.language_code: fr is not supported/);
    expect((await media.getAsset('asset1'))?.text_tracks ?? {}).toEqual({});
    expect(started).toEqual([]);
  });

  it('errors the tracks, saying to ask again, when the task cannot be started', async () => {
    failStart = true;
    const [track] = await generateSubtitles('asset1', 'audio1', body([{}]), ctx());
    expect(track).toMatchObject({ status: 'errored', error: { type: 'retryable' } });
    expect((await media.getAsset('asset1'))?.text_tracks?.[track?.id ?? '']?.status).toBe('errored');
  });
});

describe('settleGeneratedTrack', () => {
  it('writes the words as the track’s rendition and gives an auto track the language transcribed', async () => {
    const media = new InMemoryMediaRepository();
    await media.createAsset(readyAsset());
    const store = new InMemoryTextStore();
    storeRenditions(store, 'asset1');
    const ctx = {
      env: 'env1',
      media,
      tracks: new InMemoryTextTracks(media),
      vocabularies: new InMemoryVocabularies(),
      inTask: { start: async () => undefined },
      transcriptBucket: 'ingest',
    };
    const [made] = await generateSubtitles(
      'asset1',
      'audio1',
      parseOrThrow(GenerateSubtitlesInput, { generated_subtitles: [{ language_code: 'auto' }] }),
      ctx,
    );
    const asset = (await media.getAsset('asset1')) as AssetRecord;
    const track = asset.text_tracks?.[made?.id ?? ''];
    if (!track) throw new Error('no track');
    const vtt = 'WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nhello there\n';
    const out = { tracks: ctx.tracks, objects: store, writer: store, outputBucket: 'output' };
    expect(await settleGeneratedTrack(asset, track, { status: 'completed', language: 'en', vtt }, out)).toBe('ready');
    const settled = (await media.getAsset('asset1'))?.text_tracks?.[track.id];
    expect(settled).toMatchObject({ status: 'ready', language_code: 'en' });
    expect(store.objects.get(`output/assets/asset1/text/${track.id}/index.m3u8`)).toContain('#EXT-X-ENDLIST');
  });
});

describe('generated_subtitles on a new asset’s input', () => {
  const create = async (body: unknown, generation?: Record<string, unknown>) => {
    const media = new InMemoryMediaRepository();
    const vocabularies = new InMemoryVocabularies();
    const asset = await createAssetFromUrl(parseOrThrow(CreateAssetInput, body), {
      ...{ env: 'env1', media, ingestBucket: 'ingest', transcoder: 'fargate' as const },
      inputs: { submit: async () => undefined },
      slots: new InMemoryInputSlots(),
      resolve: async () => ['93.184.216.34'],
      ...(generation && { generation: { vocabularies, ...generation } }),
    });
    return { asset, stored: await media.getAsset(asset.id) };
  };
  const url = 'https://example.com/video.mp4';
  const inTask = { start: async () => undefined };

  it('records the tracks preparing with the asset, their transcription read from its source', async () => {
    const { asset, stored } = await create(
      { inputs: [{ url, generated_subtitles: [{ language_code: 'en', name: 'Words', passthrough: 'p' }] }] },
      { inTask },
    );
    expect(asset.tracks?.filter((t) => t.type === 'text')).toEqual([
      expect.objectContaining({ text_source: 'generated_vod', status: 'preparing', name: 'Words', passthrough: 'p' }),
    ]);
    const [track] = Object.values(stored?.text_tracks ?? {});
    expect(track?.generation).toMatchObject({
      language: 'en',
      media: stored?.source,
      job: `gamma-${asset.id}-${track?.id}`,
    });
  });

  it('refuses what the service cannot do, and everything where there is no service, naming the field', async () => {
    await expect(
      create({ inputs: [{ url, generated_subtitles: [{ language_code: 'es' }] }] }, { inTask }),
    ).rejects.toThrow(/^inputs\.0\.generated_subtitles\.0\.language_code: es is not supported/);
    await expect(create({ inputs: [{ url, generated_subtitles: [{}] }] })).rejects.toThrow(
      /^inputs\.0\.generated_subtitles: generated subtitles are not available in this deployment/,
    );
  });

  it('with Amazon Transcribe, checks the vocabularies exist and names them on the track', async () => {
    const body = {
      inputs: [{ url, generated_subtitles: [{ language_code: 'de', transcription_vocabulary_ids: ['v9'] }] }],
    };
    await expect(create(body, { transcriber: new FakeTranscriber() })).rejects.toThrow(
      /^inputs\.0\.generated_subtitles\.0\.transcription_vocabulary_ids: transcription vocabulary v9 does not exist/,
    );
  });
});

describe('startGeneratedOnReady (Amazon Transcribe, assets created with generated_subtitles)', () => {
  const setup = async () => {
    const media = new InMemoryMediaRepository();
    const vocabularies = new InMemoryVocabularies();
    const vocabulary = (id: string, phrases: string[]) => ({ id, env: 'env1', phrases, created_at: 1, updated_at: 1 });
    await vocabularies.put(vocabulary('v1', ['Gamma', 'Playback ID']));
    await vocabularies.put(vocabulary('v2', ['HLS']));
    const asset = await createAssetFromUrl(
      parseOrThrow(CreateAssetInput, {
        inputs: [
          {
            url: 'https://example.com/video.mp4',
            generated_subtitles: [
              { language_code: 'de', transcription_vocabulary_ids: ['v1'] },
              { language_code: 'en', name: 'Gone', transcription_vocabulary_ids: ['v2'] },
            ],
          },
        ],
      }),
      {
        ...{ env: 'env1', media, ingestBucket: 'ingest', transcoder: 'fargate' as const },
        inputs: { submit: async () => undefined },
        slots: new InMemoryInputSlots(),
        resolve: async () => ['93.184.216.34'],
        generation: { vocabularies, transcriber: new FakeTranscriber() },
      },
    );
    // v2 is deleted after the asset was created, before it is ready.
    await vocabularies.delete('v2');
    const preparing = structuredClone((await media.getAsset(asset.id)) as AssetRecord);
    const stored = media.assets.get(asset.id);
    if (stored) stored.asset.status = 'ready';
    const readyRecord = structuredClone((await media.getAsset(asset.id)) as AssetRecord);
    return { media, vocabularies, preparing, readyRecord };
  };

  it('starts each generated track’s job with its vocabularies’ phrases once, when the asset turns ready', async () => {
    const { media, vocabularies, preparing, readyRecord } = await setup();
    const transcriber = new FakeTranscriber();
    const ctx = { tracks: new InMemoryTextTracks(media), vocabularies, transcriber };
    // Not yet ready, or ready before this change: nothing to start.
    expect(await startGeneratedOnReady({ before: preparing, after: preparing }, ctx)).toBe(0);
    expect(await startGeneratedOnReady({ before: readyRecord, after: readyRecord }, ctx)).toBe(0);

    expect(await startGeneratedOnReady({ before: preparing, after: readyRecord }, ctx)).toBe(1);
    const [de, gone] = Object.values(readyRecord.text_tracks ?? {}).sort((a, b) => a.created_at - b.created_at);
    expect(transcriber.started).toEqual([
      expect.objectContaining({ jobName: de?.generation?.job, language: 'de', phrases: ['Gamma', 'Playback ID'] }),
    ]);
    // v2 was deleted after the asset was created: that track says so.
    expect((await media.getAsset(readyRecord.id))?.text_tracks?.[gone?.id ?? '']).toMatchObject({
      status: 'errored',
      error: { messages: [expect.stringContaining('Transcription vocabulary v2 was deleted')] },
    });
  });

  it('errors a track whose job the service would not take', async () => {
    const { media, vocabularies, preparing, readyRecord } = await setup();
    const transcriber = new FakeTranscriber();
    transcriber.refuseStart = true;
    const ctx = { tracks: new InMemoryTextTracks(media), vocabularies, transcriber };
    expect(await startGeneratedOnReady({ before: preparing, after: readyRecord }, ctx)).toBe(0);
    const statuses = Object.values((await media.getAsset(readyRecord.id))?.text_tracks ?? {}).map((t) => t.status);
    expect(statuses).toEqual(['errored', 'errored']);
  });
});
