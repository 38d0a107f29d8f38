/** Transcription vocabularies and the speech-to-text service behind generated subtitles. */
import type { VocabularyRecord } from '../domain/transcription-vocabularies.js';
import type { Page } from './media.js';

/** The media table's vocabulary items (`vocabulary#<id>`), listed per environment, newest first. */
export interface VocabularyRepository {
  put(vocabulary: VocabularyRecord): Promise<void>;
  get(id: string): Promise<VocabularyRecord | undefined>;
  list(env: string, limit: number, cursor?: string): Promise<Page<VocabularyRecord>>;
  /** How many the environment has (at most `upTo` are counted). */
  count(env: string, upTo: number): Promise<number>;
  /** Replaces name, passthrough and phrases of an existing vocabulary; NotFoundError when there is none. */
  update(
    id: string,
    patch: Pick<VocabularyRecord, 'name' | 'passthrough' | 'phrases' | 'updated_at'>,
  ): Promise<VocabularyRecord>;
  /** Missing is not an error. */
  delete(id: string): Promise<void>;
}

/** What one generated text track asks the speech-to-text service for. */
export interface TranscriptionRequest {
  /** Unique per asset and track (domain/generated-subtitles.ts `transcriptionJobName`). */
  jobName: string;
  /** The asset's source file, whose audio is transcribed. */
  media: { bucket: string; key: string };
  /** One of Mux's GENERATED_LANGUAGES, or `auto` to have the service identify it. */
  language: string;
  /** Phrases to bias recognition towards (at most 1,000, never with `auto`); empty for none. */
  phrases: string[];
  /** Where the service writes its output (a private bucket; the caller deletes the prefix when done). */
  output: { bucket: string; prefix: string };
}

/** Where a transcription stands. */
export type TranscriptionProgress =
  | { status: 'pending' }
  /** `language`: Mux's code of the language transcribed (the one identified, for `auto`). */
  | { status: 'completed'; language: string; subtitles: { bucket: string; key: string } }
  | { status: 'failed'; reason: string };

/**
 * The speech-to-text service behind generated subtitles. Contract:
 * - `start` returns once the service has accepted the work; nothing is transcribed within the call. Starting a job
 *   that exists already is not an error (a retried request).
 * - The service reports progress with events the deployment routes to the use case, which calls `advance` with the
 *   same request (less its phrases). `advance` asks the service where the job stands and moves it on by one step
 *   where one is due (with phrases: once the custom vocabulary is ready, the job is started); it is safe to repeat,
 *   so a re-delivered event changes nothing. A job the service could not do (no speech, an unsupported file) is
 *   `failed` with its reason, not a throw; a throw means "the event should be retried".
 * - `cleanUp` removes what the service keeps for the job (its custom vocabulary, the job record); missing is fine.
 */
export interface Transcriber {
  start(request: TranscriptionRequest): Promise<void>;
  advance(request: Omit<TranscriptionRequest, 'phrases'>): Promise<TranscriptionProgress>;
  cleanUp(jobName: string): Promise<void>;
}

/**
 * Speech to text that runs in the transcoder's own task (`TRANSCRIBER=pocketsphinx`). Contract: `start` returns
 * once a task has been started on the (ready) asset; the task transcribes every generated track of the asset still
 * `preparing` and settles each (`ready` with its WebVTT, or `errored`), so one start covers every track a request
 * added. Nothing reports back to the API.
 */
export interface TaskTranscription {
  start(asset: { id: string; source: { bucket: string; key: string } }): Promise<void>;
}
