/**
 * Transcription vocabularies (Mux's `/video/v1/transcription-vocabularies`): named lists of phrases (proper nouns,
 * jargon) that generated subtitles are biased towards. The stored record, its limits and its Mux shape. Pure.
 */

export interface VocabularyRecord {
  id: string;
  env: string;
  name?: string;
  passthrough?: string;
  phrases: string[];
  /** Unix seconds. */
  created_at: number;
  updated_at: number;
}

/** Every limit a vocabulary has, and why. */
export const VOCABULARY_LIMITS = {
  /** Mux uses the first 1,000 phrases of a transcription's vocabularies; more in one list could never be used. */
  maxPhrases: 1000,
  /** Amazon Transcribe's limit for one phrase of a custom vocabulary. */
  maxPhraseLength: 256,
  /** Mux's limit for `passthrough`; the same for `name`. */
  maxTextLength: 255,
  /** Per environment: each is an item read when a transcription names it; a bound keeps one tenant's listing small. */
  maxPerEnvironment: 100,
  /** How many vocabularies one generated-subtitles request may name. */
  maxPerTranscription: 10,
} as const;

/** A vocabulary as Mux's API returns it: timestamps are strings of Unix seconds. */
export function toMuxVocabulary(v: VocabularyRecord) {
  return {
    id: v.id,
    ...(v.name !== undefined && { name: v.name }),
    phrases: v.phrases,
    ...(v.passthrough !== undefined && { passthrough: v.passthrough }),
    created_at: String(v.created_at),
    updated_at: String(v.updated_at),
  };
}

export type MuxVocabulary = ReturnType<typeof toMuxVocabulary>;

/**
 * The phrases a transcription uses from the vocabularies it names, in the order named, each once: at most the first
 * 1,000, as Mux documents ("only the first 1000 phrases will be included").
 */
export function transcriptionPhrases(vocabularies: readonly VocabularyRecord[]): string[] {
  const phrases = new Set<string>();
  for (const v of vocabularies) for (const p of v.phrases) phrases.add(p);
  return [...phrases].slice(0, VOCABULARY_LIMITS.maxPhrases);
}
