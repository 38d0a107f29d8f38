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
