/**
 * Mux's transcription vocabularies (`/video/v1/transcription-vocabularies`): create, retrieve, list, update (PUT,
 * the whole vocabulary) and delete, per environment. Generated subtitles name them by id
 * (`transcription_vocabulary_ids`); see generated-subtitles.ts.
 */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  type MuxVocabulary,
  toMuxVocabulary,
  VOCABULARY_LIMITS,
  type VocabularyRecord,
} from '../domain/transcription-vocabularies.js';
import type { VocabularyRepository } from '../ports.js';
import { type ListQuery, listBody, pageOf } from './listing.js';

const { maxPhrases, maxPhraseLength, maxTextLength, maxPerEnvironment } = VOCABULARY_LIMITS;

const Text = z
  .string({ error: 'must be a string' })
  .max(maxTextLength, { error: `must be at most ${maxTextLength} characters` });

/** The body of create and update (Mux's TranscriptionVocabularyCreateParams / UpdateParams: the same fields). */
export const VocabularyInput = z.strictObject({
  phrases: z
    .array(
      z
        .string({ error: 'must be a string' })
        .trim()
        .min(1, { error: 'must not be empty' })
        .max(maxPhraseLength, { error: `must be at most ${maxPhraseLength} characters` }),
      { error: 'is required: a list of words or phrases' },
    )
    .min(1, { error: 'must name at least one phrase' })
    .max(maxPhrases, { error: `must name at most ${maxPhrases} phrases` }),
  name: Text.optional(),
  passthrough: Text.optional(),
});
export type VocabularyInput = z.output<typeof VocabularyInput>;

export interface VocabularyContext {
  env: string;
  vocabularies: VocabularyRepository;
  now?: () => number;
}

const nowSeconds = (ctx: VocabularyContext) => Math.floor((ctx.now ?? Date.now)() / 1000);

export async function createVocabulary(input: VocabularyInput, ctx: VocabularyContext): Promise<MuxVocabulary> {
  if ((await ctx.vocabularies.count(ctx.env, maxPerEnvironment)) >= maxPerEnvironment) {
    throw new ValidationError([
      `This environment already has ${maxPerEnvironment} transcription vocabularies, the most it may have; delete one first`,
    ]);
  }
  const at = nowSeconds(ctx);
  const vocabulary: VocabularyRecord = { id: newId(), env: ctx.env, ...input, created_at: at, updated_at: at };
  await ctx.vocabularies.put(vocabulary);
  return toMuxVocabulary(vocabulary);
}

/** The environment's vocabulary; another environment's is as missing as one that never was. */
export async function vocabularyOf(id: string, ctx: Omit<VocabularyContext, 'now'>): Promise<VocabularyRecord> {
  const vocabulary = await ctx.vocabularies.get(id);
  if (!vocabulary || vocabulary.env !== ctx.env) throw new NotFoundError('transcription vocabulary', id);
  return vocabulary;
}

export const getVocabulary = async (id: string, ctx: VocabularyContext) => toMuxVocabulary(await vocabularyOf(id, ctx));

export async function listVocabularies(query: ListQuery, ctx: VocabularyContext) {
  const page = await pageOf((limit, cursor) => ctx.vocabularies.list(ctx.env, limit, cursor), query);
  return listBody(page, toMuxVocabulary);
}

/** PUT replaces the vocabulary: `phrases` is required, and a `name` or `passthrough` left out is cleared. */
export async function updateVocabulary(id: string, input: VocabularyInput, ctx: VocabularyContext) {
  await vocabularyOf(id, ctx);
  const updated = await ctx.vocabularies.update(id, {
    phrases: input.phrases,
    name: input.name,
    passthrough: input.passthrough,
    updated_at: nowSeconds(ctx),
  });
  return toMuxVocabulary(updated);
}

/** A transcription already started keeps the phrases it was given (as Mux says of live streams). */
export async function deleteVocabulary(id: string, ctx: VocabularyContext): Promise<void> {
  await vocabularyOf(id, ctx);
  await ctx.vocabularies.delete(id);
}
