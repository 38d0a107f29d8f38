/**
 * The Transcriber on AWS: Amazon Transcribe batch jobs writing WebVTT subtitles into the deployment's private
 * bucket. Phrases go into a custom vocabulary made for the job (Transcribe takes them only that way), named as the
 * job; the job starts once it is READY. Transcribe reports both steps to EventBridge ("Vocabulary State Change",
 * "Transcribe Job State Change"); `advance` reads where the job stands rather than trusting the event, so events
 * may arrive twice or out of order.
 */
import {
  ConflictException,
  CreateVocabularyCommand,
  DeleteTranscriptionJobCommand,
  DeleteVocabularyCommand,
  GetTranscriptionJobCommand,
  GetVocabularyCommand,
  type LanguageCode,
  NotFoundException,
  StartTranscriptionJobCommand,
  type TranscribeClient,
  type TranscriptionJob,
} from '@aws-sdk/client-transcribe';
import { AUTO_LANGUAGE, type GeneratedLanguage } from '../domain/generated-subtitles.js';
import type { Transcriber, TranscriptionProgress, TranscriptionRequest } from '../ports.js';

/** Transcribe's code for each of Mux's languages. */
export const TRANSCRIBE_LANGUAGES: Record<GeneratedLanguage, LanguageCode> = {
  en: 'en-US',
  es: 'es-ES',
  it: 'it-IT',
  pt: 'pt-BR',
  de: 'de-DE',
  fr: 'fr-FR',
  pl: 'pl-PL',
  ru: 'ru-RU',
  nl: 'nl-NL',
  ca: 'ca-ES',
  tr: 'tr-TR',
  sv: 'sv-SE',
  uk: 'uk-UA',
  no: 'no-NO',
  fi: 'fi-FI',
  sk: 'sk-SK',
  el: 'el-GR',
  cs: 'cs-CZ',
  hr: 'hr-HR',
  da: 'da-DK',
  ro: 'ro-RO',
  bg: 'bg-BG',
};

const muxLanguageOf = (code: string | undefined) =>
  Object.entries(TRANSCRIBE_LANGUAGES).find(([, c]) => c === code)?.[0] ?? code ?? AUTO_LANGUAGE;

/** Transcribe's list format joins the words of a phrase with hyphens ("Playback ID" → "Playback-ID"). */
export const vocabularyPhrase = (phrase: string) => phrase.trim().split(/\s+/).join('-');

const ignoring =
  (...errors: (abstract new (...args: never[]) => Error)[]) =>
  (err: unknown) => {
    if (!errors.some((e) => err instanceof e)) throw err;
  };

/** The object key of an S3 URL Transcribe reports, path-style (`https://s3.<region>.amazonaws.com/<bucket>/<key>`) or virtual-hosted. */
export function keyInBucket(uri: string, bucket: string): string | undefined {
  try {
    const path = decodeURIComponent(new URL(uri).pathname);
    const key = path.startsWith(`/${bucket}/`) ? path.slice(bucket.length + 2) : path.slice(1);
    return key || undefined;
  } catch {
    return undefined;
  }
}

export class TranscribeTranscriber implements Transcriber {
  constructor(private readonly client: TranscribeClient) {}

  async start(request: TranscriptionRequest): Promise<void> {
    if (request.phrases.length === 0) return this.startJob(request, false);
    // The job starts when the vocabulary's READY event comes back (advance).
    await this.client
      .send(
        new CreateVocabularyCommand({
          VocabularyName: request.jobName,
          LanguageCode: this.languageCode(request.language),
          Phrases: request.phrases.map(vocabularyPhrase),
        }),
      )
      .catch(ignoring(ConflictException));
  }

  async advance(request: Omit<TranscriptionRequest, 'phrases'>): Promise<TranscriptionProgress> {
    const job = await this.job(request.jobName);
    if (job) return this.progressOf(job, request);
    const vocabulary = await this.client
      .send(new GetVocabularyCommand({ VocabularyName: request.jobName }))
      .catch((err) => {
        ignoring(NotFoundException)(err);
        return undefined;
      });
    if (!vocabulary) return { status: 'failed', reason: 'the transcription job was not found' };
    if (vocabulary.VocabularyState === 'FAILED') {
      return {
        status: 'failed',
        reason: `the transcription vocabulary was refused: ${vocabulary.FailureReason ?? 'no reason given'}`,
      };
    }
    if (vocabulary.VocabularyState === 'READY') await this.startJob(request, true);
    return { status: 'pending' };
  }

  async cleanUp(jobName: string): Promise<void> {
    await Promise.all([
      this.client.send(new DeleteVocabularyCommand({ VocabularyName: jobName })).catch(ignoring(NotFoundException)),
      this.client
        .send(new DeleteTranscriptionJobCommand({ TranscriptionJobName: jobName }))
        .catch(ignoring(NotFoundException)),
    ]);
  }

  private async startJob(request: Omit<TranscriptionRequest, 'phrases'>, withVocabulary: boolean): Promise<void> {
    const auto = request.language === AUTO_LANGUAGE;
    await this.client
      .send(
        new StartTranscriptionJobCommand({
          TranscriptionJobName: request.jobName,
          Media: { MediaFileUri: `s3://${request.media.bucket}/${request.media.key}` },
          ...(auto
            ? { IdentifyLanguage: true, LanguageOptions: Object.values(TRANSCRIBE_LANGUAGES) }
            : { LanguageCode: this.languageCode(request.language) }),
          OutputBucketName: request.output.bucket,
          OutputKey: `${request.output.prefix}${request.jobName}.json`,
          Subtitles: { Formats: ['vtt'], OutputStartIndex: 1 },
          ...(withVocabulary && { Settings: { VocabularyName: request.jobName } }),
        }),
      )
      .catch(ignoring(ConflictException));
  }

  private async job(name: string): Promise<TranscriptionJob | undefined> {
    try {
      const { TranscriptionJob } = await this.client.send(
        new GetTranscriptionJobCommand({ TranscriptionJobName: name }),
      );
      return TranscriptionJob;
    } catch (err) {
      ignoring(NotFoundException)(err);
      return undefined;
    }
  }

  private progressOf(job: TranscriptionJob, request: Omit<TranscriptionRequest, 'phrases'>): TranscriptionProgress {
    if (job.TranscriptionJobStatus === 'FAILED') {
      return { status: 'failed', reason: job.FailureReason ?? 'the speech-to-text service gave no reason' };
    }
    if (job.TranscriptionJobStatus !== 'COMPLETED') return { status: 'pending' };
    const { bucket, prefix } = request.output;
    // Subtitles are written beside the transcript (`<prefix><job>.vtt`); the job's own URI says so when it is given.
    const uri = job.Subtitles?.SubtitleFileUris?.find((u) => u.endsWith('.vtt'));
    return {
      status: 'completed',
      language: muxLanguageOf(job.LanguageCode),
      subtitles: { bucket, key: (uri && keyInBucket(uri, bucket)) ?? `${prefix}${request.jobName}.vtt` },
    };
  }

  private languageCode(language: string): LanguageCode {
    const code = TRANSCRIBE_LANGUAGES[language as GeneratedLanguage];
    if (!code) throw new Error(`No Amazon Transcribe language for ${language}`);
    return code;
  }
}
