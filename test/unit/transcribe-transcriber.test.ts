/** TranscribeTranscriber against a mocked Amazon Transcribe client: the calls it makes and how it reads the answers. */
import {
  ConflictException,
  CreateVocabularyCommand,
  DeleteTranscriptionJobCommand,
  DeleteVocabularyCommand,
  GetTranscriptionJobCommand,
  GetVocabularyCommand,
  NotFoundException,
  StartTranscriptionJobCommand,
  TranscribeClient,
} from '@aws-sdk/client-transcribe';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  keyInBucket,
  TranscribeTranscriber,
  vocabularyPhrase,
} from '../../lambdas/core/adapters/transcribe-transcriber.js';
import type { TranscriptionRequest } from '../../lambdas/core/ports.js';

const transcribe = mockClient(TranscribeClient);
const transcriber = new TranscribeTranscriber(new TranscribeClient({ region: 'eu-west-1' }));

const request: TranscriptionRequest = {
  jobName: 'gamma-asset1-track1',
  media: { bucket: 'ingest', key: 'uploads/up1' },
  language: 'fr',
  phrases: [],
  output: { bucket: 'ingest', prefix: 'transcripts/asset1/' },
};
const notFound = () => new NotFoundException({ message: 'not found', $metadata: {} });
const conflict = () => new ConflictException({ message: 'exists', $metadata: {} });

beforeEach(() => transcribe.reset());

describe('TranscribeTranscriber', () => {
  it('starts a job on the source with WebVTT subtitles into the private prefix, in the language asked for', async () => {
    transcribe.on(StartTranscriptionJobCommand).resolves({});
    await transcriber.start(request);
    expect(transcribe.commandCalls(StartTranscriptionJobCommand)[0]?.args[0].input).toEqual({
      TranscriptionJobName: 'gamma-asset1-track1',
      Media: { MediaFileUri: 's3://ingest/uploads/up1' },
      LanguageCode: 'fr-FR',
      OutputBucketName: 'ingest',
      OutputKey: 'transcripts/asset1/gamma-asset1-track1.json',
      Subtitles: { Formats: ['vtt'], OutputStartIndex: 1 },
    });
    expect(transcribe.commandCalls(CreateVocabularyCommand)).toHaveLength(0);
  });

  it("lets Transcribe identify the language among Mux's for auto", async () => {
    transcribe.on(StartTranscriptionJobCommand).resolves({});
    await transcriber.start({ ...request, language: 'auto' });
    const input = transcribe.commandCalls(StartTranscriptionJobCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ IdentifyLanguage: true });
    expect(input?.LanguageCode).toBeUndefined();
    expect(input?.LanguageOptions).toHaveLength(22);
    expect(input?.LanguageOptions).toContain('bg-BG');
  });

  it('with phrases, first makes a custom vocabulary named as the job (multi-word phrases hyphenated), no job yet', async () => {
    transcribe.on(CreateVocabularyCommand).resolves({});
    await transcriber.start({ ...request, phrases: ['Mux', 'Playback  ID'] });
    expect(transcribe.commandCalls(CreateVocabularyCommand)[0]?.args[0].input).toEqual({
      VocabularyName: 'gamma-asset1-track1',
      LanguageCode: 'fr-FR',
      Phrases: ['Mux', 'Playback-ID'],
    });
    expect(transcribe.commandCalls(StartTranscriptionJobCommand)).toHaveLength(0);
  });

  it('treats a job or vocabulary that exists already as started (a retried request)', async () => {
    transcribe.on(StartTranscriptionJobCommand).rejects(conflict());
    transcribe.on(CreateVocabularyCommand).rejects(conflict());
    await expect(transcriber.start(request)).resolves.toBeUndefined();
    await expect(transcriber.start({ ...request, phrases: ['Mux'] })).resolves.toBeUndefined();
  });

  it('passes on other failures, so the caller can error the track', async () => {
    transcribe.on(StartTranscriptionJobCommand).rejects(new Error('ThrottlingException'));
    await expect(transcriber.start(request)).rejects.toThrow('ThrottlingException');
  });

  it('advances: once the vocabulary is READY it starts the job with it; PENDING waits; FAILED fails with the reason', async () => {
    transcribe.on(GetTranscriptionJobCommand).rejects(notFound());
    transcribe.on(StartTranscriptionJobCommand).resolves({});
    transcribe.on(GetVocabularyCommand).resolves({ VocabularyState: 'PENDING' });
    expect(await transcriber.advance(request)).toEqual({ status: 'pending' });
    expect(transcribe.commandCalls(StartTranscriptionJobCommand)).toHaveLength(0);

    transcribe.on(GetVocabularyCommand).resolves({ VocabularyState: 'READY' });
    expect(await transcriber.advance(request)).toEqual({ status: 'pending' });
    expect(transcribe.commandCalls(StartTranscriptionJobCommand)[0]?.args[0].input).toMatchObject({
      Settings: { VocabularyName: 'gamma-asset1-track1' },
    });

    transcribe.on(GetVocabularyCommand).resolves({ VocabularyState: 'FAILED', FailureReason: 'bad character' });
    expect(await transcriber.advance(request)).toEqual({
      status: 'failed',
      reason: 'the transcription vocabulary was refused: bad character',
    });
  });

  it('advances: a job in progress waits; a completed one gives its WebVTT and language; a failed one its reason', async () => {
    transcribe.on(GetTranscriptionJobCommand).resolves({ TranscriptionJob: { TranscriptionJobStatus: 'IN_PROGRESS' } });
    expect(await transcriber.advance(request)).toEqual({ status: 'pending' });

    transcribe.on(GetTranscriptionJobCommand).resolves({
      TranscriptionJob: {
        TranscriptionJobStatus: 'COMPLETED',
        LanguageCode: 'de-DE',
        Subtitles: {
          Formats: ['vtt'],
          SubtitleFileUris: ['https://s3.eu-west-1.amazonaws.com/ingest/transcripts/asset1/gamma-asset1-track1.vtt'],
        },
      },
    });
    expect(await transcriber.advance({ ...request, language: 'auto' })).toEqual({
      status: 'completed',
      language: 'de',
      subtitles: { bucket: 'ingest', key: 'transcripts/asset1/gamma-asset1-track1.vtt' },
    });

    transcribe.on(GetTranscriptionJobCommand).resolves({
      TranscriptionJob: { TranscriptionJobStatus: 'FAILED', FailureReason: 'The media has no audio stream' },
    });
    expect(await transcriber.advance(request)).toEqual({ status: 'failed', reason: 'The media has no audio stream' });
  });

  it('says so when neither the job nor its vocabulary exists', async () => {
    transcribe.on(GetTranscriptionJobCommand).rejects(notFound());
    transcribe.on(GetVocabularyCommand).rejects(notFound());
    expect(await transcriber.advance(request)).toEqual({
      status: 'failed',
      reason: 'the transcription job was not found',
    });
  });

  it('cleans up the vocabulary and the job record; missing ones are fine', async () => {
    transcribe.on(DeleteVocabularyCommand).rejects(notFound());
    transcribe.on(DeleteTranscriptionJobCommand).resolves({});
    await transcriber.cleanUp('gamma-asset1-track1');
    expect(transcribe.commandCalls(DeleteVocabularyCommand)[0]?.args[0].input).toEqual({
      VocabularyName: 'gamma-asset1-track1',
    });
    expect(transcribe.commandCalls(DeleteTranscriptionJobCommand)[0]?.args[0].input).toEqual({
      TranscriptionJobName: 'gamma-asset1-track1',
    });
  });
});

describe('helpers', () => {
  it('hyphenates the words of a phrase as Transcribe list vocabularies expect', () => {
    expect(vocabularyPhrase(' Live  Stream key ')).toBe('Live-Stream-key');
  });

  it('finds the key of path-style and virtual-hosted S3 URLs', () => {
    expect(keyInBucket('https://s3.us-east-1.amazonaws.com/b/t/x%20y.vtt', 'b')).toBe('t/x y.vtt');
    expect(keyInBucket('https://b.s3.us-east-1.amazonaws.com/t/x.vtt', 'b')).toBe('t/x.vtt');
    expect(keyInBucket('not a url', 'b')).toBeUndefined();
  });
});
