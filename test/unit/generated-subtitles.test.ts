/**
 * Generated subtitles: generate-subtitles makes `generated_vod` tracks and starts their transcriptions; the service's
 * events move them on until the WebVTT it wrote is the track's rendition (`ready`) or the reason is (`errored`).
 * A deployment without a speech-to-text service refuses in Mux's shape.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../lambdas/core/domain/errors.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import {
  advanceTranscription,
  GenerateSubtitlesInput,
  generateSubtitles,
  NOT_AVAILABLE,
} from '../../lambdas/core/usecases/generated-subtitles.js';
import { deleteTextTrack } from '../../lambdas/core/usecases/text-tracks.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryMediaRepository, InMemoryObjects, preparingAsset } from './fakes.js';
import { InMemoryTextStore, InMemoryTextTracks, storeRenditions } from './track-fakes.js';
import { FakeTranscriber, InMemoryVocabularies } from './transcription-fakes.js';

const VTT = 'WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\nHello there\n\n2\n00:00:07.000 --> 00:00:08.000\nAgain\n';

let media: InMemoryMediaRepository;
let store: InMemoryTextStore;
let objects: InMemoryObjects;
let vocabularies: InMemoryVocabularies;
let transcriber: FakeTranscriber;

const ready = (over: Partial<AssetRecord> = {}): AssetRecord => ({
  ...preparingAsset({ id: 'asset1', env: 'env1' }),
  status: 'ready',
  duration: 14,
  tracks: [
    { id: 'video1', type: 'video', max_width: 640, max_height: 360, max_frame_rate: 30, duration: 14 },
    { id: 'audio1', type: 'audio', max_channels: 2, duration: 14, primary: true },
  ],
  ...over,
});

const ctx = () => ({
  env: 'env1',
  media,
  tracks: new InMemoryTextTracks(media),
  vocabularies,
  transcriber,
  transcriptBucket: 'ingest',
  now: () => 1_700_000_000_000,
});
const eventCtx = () => ({ ...ctx(), objects: store, writer: store, outputBucket: 'output', cleaner: objects });
const body = (generated_subtitles: unknown) => parseOrThrow(GenerateSubtitlesInput, { generated_subtitles });

beforeEach(async () => {
  media = new InMemoryMediaRepository();
  store = new InMemoryTextStore();
  objects = new InMemoryObjects();
  vocabularies = new InMemoryVocabularies();
  transcriber = new FakeTranscriber();
  await media.createAsset(ready());
  storeRenditions(store, 'asset1');
});

describe('generateSubtitles', () => {
  it("adds a preparing generated_vod track in Mux's shape and starts its transcription from the asset's source", async () => {
    const tracks = await generateSubtitles(
      'asset1',
      'audio1',
      body([{ language_code: 'fr', passthrough: 'p' }]),
      ctx(),
    );
    expect(tracks).toEqual([
      {
        id: expect.any(String),
        type: 'text',
        text_type: 'subtitles',
        text_source: 'generated_vod',
        language_code: 'fr',
        name: 'French (generated)',
        closed_captions: false,
        passthrough: 'p',
        status: 'preparing',
      },
    ]);
    const id = tracks[0]?.id;
    expect(transcriber.started).toEqual([
      {
        jobName: `gamma-asset1-${id}`,
        media: { bucket: 'ingest', key: 'uploads/upload1' },
        language: 'fr',
        phrases: [],
        output: { bucket: 'ingest', prefix: 'transcripts/asset1/' },
      },
    ]);
    expect((await media.getAsset('asset1'))?.text_tracks?.[id ?? '']?.status).toBe('preparing');
  });

  it("biases the transcription with the named vocabularies' phrases; a missing one is a 400 naming it", async () => {
    await vocabularies.put({ id: 'v1', env: 'env1', phrases: ['Mux', 'HLS'], created_at: 1, updated_at: 1 });
    await vocabularies.put({ id: 'v2', env: 'env2', phrases: ['theirs'], created_at: 1, updated_at: 1 });
    await generateSubtitles('asset1', 'audio1', body([{ name: 'EN', transcription_vocabulary_ids: ['v1'] }]), ctx());
    expect(transcriber.started[0]).toMatchObject({ language: 'en', phrases: ['Mux', 'HLS'] });
    await expect(
      generateSubtitles('asset1', 'audio1', body([{ name: 'EN 2', transcription_vocabulary_ids: ['v2'] }]), ctx()),
    ).rejects.toThrow('generated_subtitles.0.transcription_vocabulary_ids: transcription vocabulary v2 does not exist');
  });

  it('is refused, saying why, where the deployment has no speech-to-text service', async () => {
    const none = { ...ctx(), transcriber: undefined };
    await expect(generateSubtitles('asset1', 'audio1', body([{}]), none)).rejects.toThrow(NOT_AVAILABLE);
    expect((await media.getAsset('asset1'))?.text_tracks).toBeUndefined();
  });

  it('needs an audio track of a ready asset of the environment', async () => {
    await expect(generateSubtitles('asset1', 'video1', body([{}]), ctx())).rejects.toThrow('is not an audio track');
    await expect(generateSubtitles('asset1', 'nope', body([{}]), ctx())).rejects.toBeInstanceOf(NotFoundError);
    await expect(generateSubtitles('asset1', 'audio1', body([{}]), { ...ctx(), env: 'env2' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await media.createAsset(ready({ id: 'long', duration: 4 * 3600 + 1 }));
    await expect(generateSubtitles('long', 'audio1', body([{}]), ctx())).rejects.toThrow('longer than 4 hours');
    await media.createAsset({ ...ready({ id: 'prep' }), status: 'preparing' });
    await expect(generateSubtitles('prep', 'audio1', body([{}]), ctx())).rejects.toThrow('once it is ready');
  });

  it('errors the track, not the request, when the service does not accept the job', async () => {
    transcriber.refuseStart = true;
    const [track] = await generateSubtitles('asset1', 'audio1', body([{}]), ctx());
    expect(track).toMatchObject({ status: 'errored', error: { type: 'retryable' } });
  });

  it('a track still being transcribed cannot be deleted, so generate/delete in a loop cannot start job after job', async () => {
    const deleting = { ...ctx(), objects, outputBucket: 'output' };
    const [track] = await generateSubtitles('asset1', 'audio1', body([{ language_code: 'en' }]), ctx());
    await expect(deleteTextTrack('asset1', track?.id ?? '', deleting)).rejects.toThrow(
      'The track is still being generated; delete it once it is ready or errored',
    );
    expect((await media.getAsset('asset1'))?.text_tracks?.[track?.id ?? '']?.status).toBe('preparing');
    expect(transcriber.started).toHaveLength(1);
    // Once it has settled it goes as any track.
    await deleting.tracks.finishTextTrack('asset1', track?.id ?? '', 'errored', { type: 'retryable', messages: [] });
    await deleteTextTrack('asset1', track?.id ?? '', deleting);
    expect((await media.getAsset('asset1'))?.text_tracks?.[track?.id ?? '']).toBeUndefined();
  });

  it.each([
    [[{ language_code: 'ja' }], 'generated_subtitles.0.language_code: must be one of en, es'],
    [[{ language_code: 'auto', transcription_vocabulary_ids: ['v1'] }], 'needs a language_code other than auto'],
    [[], 'generated_subtitles: must ask for at least one track'],
    [[{ colour: 'red' }], 'generated_subtitles.0.colour: is not a known field'],
  ])('refuses %j naming the field', (list, message) => {
    try {
      body(list);
      expect.unreachable('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).messages.join('\n')).toContain(message);
    }
  });
});

describe('advanceTranscription', () => {
  async function started(language = 'en') {
    const [track] = await generateSubtitles('asset1', 'audio1', body([{ language_code: language }]), ctx());
    return { id: track?.id ?? '', job: `gamma-asset1-${track?.id}` };
  }

  it('leaves a pending job alone', async () => {
    const { id, job } = await started();
    expect(await advanceTranscription(job, eventCtx())).toBe('pending');
    expect((await media.getAsset('asset1'))?.text_tracks?.[id]?.status).toBe('preparing');
  });

  it("writes the service's WebVTT as the track's segmented rendition, turns it ready and cleans up", async () => {
    const { id, job } = await started();
    store.objects.set(`ingest/transcripts/asset1/${job}.vtt`, VTT);
    objects.add('ingest', `transcripts/asset1/${job}.json`);
    transcriber.progress = {
      status: 'completed',
      language: 'en',
      subtitles: { bucket: 'ingest', key: `transcripts/asset1/${job}.vtt` },
    };
    expect(await advanceTranscription(job, eventCtx())).toBe('ready');
    expect((await media.getAsset('asset1'))?.text_tracks?.[id]?.status).toBe('ready');
    expect(store.objects.get(`output/assets/asset1/text/${id}/index.m3u8`)).toContain('#EXT-X-ENDLIST');
    expect(store.objects.get(`output/assets/asset1/text/${id}/full.vtt`)).toContain('Hello there');
    expect(transcriber.cleaned).toEqual([job]);
    expect(objects.objects.has(`ingest/transcripts/asset1/${job}.json`)).toBe(false);
  });

  it('sets the identified language of an auto track', async () => {
    const { id, job } = await started('auto');
    store.objects.set('ingest/t.vtt', VTT);
    transcriber.progress = { status: 'completed', language: 'de', subtitles: { bucket: 'ingest', key: 't.vtt' } };
    await advanceTranscription(job, eventCtx());
    expect((await media.getAsset('asset1'))?.text_tracks?.[id]).toMatchObject({ language_code: 'de', status: 'ready' });
  });

  it("errors the track with the service's reason, or when its output is not usable WebVTT", async () => {
    const first = await started();
    transcriber.progress = { status: 'failed', reason: 'The media has no audio stream' };
    expect(await advanceTranscription(first.job, eventCtx())).toBe('errored');
    expect((await media.getAsset('asset1'))?.text_tracks?.[first.id]?.error).toEqual({
      type: 'invalid_input',
      messages: ['Subtitles could not be generated: The media has no audio stream'],
    });
    const second = await started();
    store.objects.set('ingest/bad.vtt', 'not a subtitle file');
    transcriber.progress = { status: 'completed', language: 'en', subtitles: { bucket: 'ingest', key: 'bad.vtt' } };
    expect(await advanceTranscription(second.job, eventCtx())).toBe('errored');
    expect((await media.getAsset('asset1'))?.text_tracks?.[second.id]?.status).toBe('errored');
  });

  it('ignores jobs that are not ours, and settled or vanished tracks (re-delivered events change nothing)', async () => {
    expect(await advanceTranscription('someone-elses-job', eventCtx())).toBe('not_ours');
    const { job } = await started();
    transcriber.progress = { status: 'failed', reason: 'x' };
    await advanceTranscription(job, eventCtx());
    expect(await advanceTranscription(job, eventCtx())).toBe('stale');
    expect(await advanceTranscription('gamma-gone-track', eventCtx())).toBe('stale');
    expect(transcriber.advanced).toEqual([job]);
  });
});
