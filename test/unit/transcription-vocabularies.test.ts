/** Transcription vocabularies: Mux's CRUD per environment, its shapes and limits (use cases over an in-memory repository). */
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../lambdas/core/domain/errors.js';
import {
  transcriptionPhrases,
  VOCABULARY_LIMITS,
  type VocabularyRecord,
} from '../../lambdas/core/domain/transcription-vocabularies.js';
import { ListQuery } from '../../lambdas/core/usecases/listing.js';
import {
  createVocabulary,
  deleteVocabulary,
  getVocabulary,
  listVocabularies,
  updateVocabulary,
  VocabularyInput,
} from '../../lambdas/core/usecases/transcription-vocabularies.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryVocabularies } from './transcription-fakes.js';

let vocabularies: InMemoryVocabularies;
let clock: number;
const ctx = (env = 'env1') => ({ env, vocabularies, now: () => clock });

beforeEach(() => {
  vocabularies = new InMemoryVocabularies();
  clock = 1_700_000_000_000;
});

describe('transcription vocabularies', () => {
  it("are created and retrieved in Mux's shape: timestamps are strings of Unix seconds", async () => {
    const created = await createVocabulary({ phrases: ['Mux', 'Playback ID'], name: 'API words' }, ctx());
    expect(created).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
      name: 'API words',
      phrases: ['Mux', 'Playback ID'],
      created_at: '1700000000',
      updated_at: '1700000000',
    });
    expect(await getVocabulary(created.id, ctx())).toEqual(created);
  });

  it('are replaced by update (PUT): phrases change, updated_at moves, a name left out is cleared', async () => {
    const created = await createVocabulary({ phrases: ['Mux'], name: 'first', passthrough: 'p' }, ctx());
    clock += 60_000;
    const updated = await updateVocabulary(created.id, { phrases: ['RTMP', 'Stream Key'] }, ctx());
    expect(updated).toEqual({
      id: created.id,
      phrases: ['RTMP', 'Stream Key'],
      created_at: '1700000000',
      updated_at: '1700000060',
    });
  });

  it('belong to one environment: another environment gets 404 for read, update and delete, and lists none', async () => {
    const { id } = await createVocabulary({ phrases: ['Mux'] }, ctx('env1'));
    await expect(getVocabulary(id, ctx('env2'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(updateVocabulary(id, { phrases: ['x'] }, ctx('env2'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteVocabulary(id, ctx('env2'))).rejects.toBeInstanceOf(NotFoundError);
    expect((await listVocabularies(parseOrThrow(ListQuery, {}), ctx('env2'))).data).toEqual([]);
    expect(await getVocabulary(id, ctx('env1'))).toMatchObject({ id });
  });

  it('list newest first, in pages with next_cursor', async () => {
    for (const word of ['a', 'b', 'c']) {
      await createVocabulary({ phrases: [word] }, ctx());
      clock += 1000;
    }
    const first = await listVocabularies(parseOrThrow(ListQuery, { limit: '2' }), ctx());
    expect(first.data.map((v) => v.phrases[0])).toEqual(['c', 'b']);
    const rest = await listVocabularies(parseOrThrow(ListQuery, { cursor: first.next_cursor }), ctx());
    expect(rest).toEqual({ data: [expect.objectContaining({ phrases: ['a'] })] });
  });

  it('are deleted: then 404', async () => {
    const { id } = await createVocabulary({ phrases: ['Mux'] }, ctx());
    await deleteVocabulary(id, ctx());
    await expect(getVocabulary(id, ctx())).rejects.toBeInstanceOf(NotFoundError);
  });

  it(`are at most ${VOCABULARY_LIMITS.maxPerEnvironment} per environment; another environment is unaffected`, async () => {
    for (let i = 0; i < VOCABULARY_LIMITS.maxPerEnvironment; i++) {
      const v: VocabularyRecord = { id: `v${i}`, env: 'env1', phrases: ['x'], created_at: i, updated_at: i };
      await vocabularies.put(v);
    }
    await expect(createVocabulary({ phrases: ['one more'] }, ctx())).rejects.toThrow(
      `already has ${VOCABULARY_LIMITS.maxPerEnvironment} transcription vocabularies`,
    );
    await expect(createVocabulary({ phrases: ['fine'] }, ctx('env2'))).resolves.toMatchObject({ phrases: ['fine'] });
  });

  it.each([
    [{}, 'phrases: is required: a list of words or phrases'],
    [{ phrases: [] }, 'phrases: must name at least one phrase'],
    [{ phrases: ['  '] }, 'phrases.0: must not be empty'],
    [{ phrases: ['x'.repeat(257)] }, 'phrases.0: must be at most 256 characters'],
    [{ phrases: Array(1001).fill('x') }, 'phrases: must name at most 1000 phrases'],
    [{ phrases: ['x'], passthrough: 'p'.repeat(256) }, 'passthrough: must be at most 255 characters'],
    [{ phrases: ['x'], language_code: 'en' }, 'language_code: is not a known field'],
  ])('refuse %j naming the field', (body, message) => {
    try {
      parseOrThrow(VocabularyInput, body);
      expect.unreachable('the body was accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).messages).toContain(message);
    }
  });
});

describe('transcriptionPhrases', () => {
  const vocabulary = (phrases: string[]): VocabularyRecord => ({
    id: 'v',
    env: 'e',
    phrases,
    created_at: 0,
    updated_at: 0,
  });

  it('takes the phrases of the vocabularies in order, each once, and at most the first 1,000 (as Mux)', () => {
    expect(transcriptionPhrases([vocabulary(['Mux', 'HLS']), vocabulary(['HLS', 'CMAF'])])).toEqual([
      'Mux',
      'HLS',
      'CMAF',
    ]);
    const many = Array.from({ length: 700 }, (_, i) => `w${i}`);
    const more = Array.from({ length: 700 }, (_, i) => `x${i}`);
    const phrases = transcriptionPhrases([vocabulary(many), vocabulary(more)]);
    expect(phrases).toHaveLength(1000);
    expect(phrases.at(-1)).toBe('x299');
  });
});
