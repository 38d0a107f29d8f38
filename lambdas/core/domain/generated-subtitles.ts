/**
 * Generated subtitles (Mux's `generated_subtitles`, text tracks with `text_source: "generated_vod"`): the languages
 * Mux offers, the job name that ties a transcription to its track, and the
 * limits. Pure.
 */

/** Mux's VOD languages (AssetGeneratedSubtitleSettings.language_code), `auto` aside. */
export const GENERATED_LANGUAGES = [
  'en',
  'es',
  'it',
  'pt',
  'de',
  'fr',
  'pl',
  'ru',
  'nl',
  'ca',
  'tr',
  'sv',
  'uk',
  'no',
  'fi',
  'sk',
  'el',
  'cs',
  'hr',
  'da',
  'ro',
  'bg',
] as const;

export type GeneratedLanguage = (typeof GENERATED_LANGUAGES)[number];
/** `auto`: the service identifies the language among GENERATED_LANGUAGES; the track says `auto` until then. */
export const AUTO_LANGUAGE = 'auto';
export const GENERATED_LANGUAGE_CODES = [...GENERATED_LANGUAGES, AUTO_LANGUAGE] as const;

export const GENERATED_LIMITS = {
  /** Amazon Transcribe transcribes files of at most 4 hours. */
  maxDurationSeconds: 4 * 3600,
  /** Tracks one request may ask for (each is a transcription job). */
  maxPerRequest: 5,
} as const;

const JOB_PREFIX = 'gamma-';

/**
 * The transcription's name: the asset and track it is for, so its completion event finds them. Ids are base62, so
 * `-` separates them unambiguously; the prefix lets the deployment's event rule match only its own kind of job.
 */
export const transcriptionJobName = (assetId: string, trackId: string) => `${JOB_PREFIX}${assetId}-${trackId}`;
export const TRANSCRIPTION_JOB_PREFIX = JOB_PREFIX;

export function parseTranscriptionJobName(name: string): { assetId: string; trackId: string } | undefined {
  const m = /^gamma-([A-Za-z0-9]+)-([A-Za-z0-9]+)$/.exec(name);
  return m ? { assetId: m[1] as string, trackId: m[2] as string } : undefined;
}

/** Where a job's output goes in the ingest bucket (outside `uploads/`, so it never looks like a new upload). */
export const transcriptPrefix = (assetId: string) => `transcripts/${assetId}/`;

/** Mux's default name of a generated track: the language and "(generated)". */
export function generatedTrackName(languageName: string): string {
  return `${languageName} (generated)`;
}

/**
 * The speech-to-text services a deployment can run (`TRANSCRIBER`, from `-c transcriber`): Amazon Transcribe on AWS,
 * or pocketsphinx inside the transcoder's task (the local platform's default: it installs from PyPI with its model).
 */
export const TRANSCRIBER_KINDS = ['amazon-transcribe', 'pocketsphinx'] as const;
export type TranscriberKind = (typeof TRANSCRIBER_KINDS)[number];

export const isTranscriberKind = (value: string): value is TranscriberKind =>
  (TRANSCRIBER_KINDS as readonly string[]).includes(value);

/** What each service can be asked for: languages (Mux's codes) and whether vocabularies bias it. */
export const TRANSCRIBER_ABILITIES: Record<
  TranscriberKind,
  { service: string; languages: readonly string[]; vocabularies: boolean; why: string }
> = {
  'amazon-transcribe': {
    service: 'Amazon Transcribe',
    languages: GENERATED_LANGUAGE_CODES,
    vocabularies: true,
    why: '',
  },
  pocketsphinx: {
    service: 'pocketsphinx',
    languages: ['en', AUTO_LANGUAGE],
    vocabularies: false,
    why: 'its only model is US English',
  },
};

/** The language `auto` becomes on a service that cannot identify one (pocketsphinx: English, its one model). */
export const ONLY_LANGUAGE: Partial<Record<TranscriberKind, string>> = { pocketsphinx: 'en' };

/**
 * What `kind` cannot do of one `generated_subtitles` entry, as messages naming the field under `path` (e.g.
 * `generated_subtitles.0`): a language it has no model for, or vocabularies it cannot take. Empty when it can.
 */
export function refusedByTranscriber(
  kind: TranscriberKind,
  entry: { language_code: string; transcription_vocabulary_ids?: readonly string[] },
  path: string,
): string[] {
  const { service, languages, vocabularies, why } = TRANSCRIBER_ABILITIES[kind];
  const refused: string[] = [];
  if (!languages.includes(entry.language_code)) {
    refused.push(
      `${path}.language_code: ${entry.language_code} is not supported by this deployment: it transcribes with ${service}, ` +
        `which takes ${languages.join(' or ')}${why ? ` (${why}; \`auto\` means en)` : ''}. Amazon Transcribe deployments (-c transcriber=transcribe) take all of Mux's languages`,
    );
  }
  if (!vocabularies && entry.transcription_vocabulary_ids?.length) {
    refused.push(
      `${path}.transcription_vocabulary_ids: transcription vocabularies are not supported by this deployment: ${service} ` +
        'takes no phrases to bias recognition by (Amazon Transcribe deployments use them as a custom vocabulary)',
    );
  }
  return refused;
}
