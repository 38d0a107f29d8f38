/** Transcription vocabularies (`/video/v1/transcription-vocabularies`, Mux's paths and shapes). */
import { ListQuery } from '../../core/usecases/listing.js';
import {
  createVocabulary,
  deleteVocabulary,
  getVocabulary,
  listVocabularies,
  updateVocabulary,
  VocabularyInput,
} from '../../core/usecases/transcription-vocabularies.js';
import { type Route, type RouteRequest, route } from './route.js';

const tag = 'Transcription vocabularies';
const ITEM = '/video/v1/transcription-vocabularies/{TRANSCRIPTION_VOCABULARY_ID}';

const scope = ({ caller, deps }: Pick<RouteRequest, 'caller' | 'deps'>) => ({
  env: caller.env,
  vocabularies: deps.vocabularies,
});

export const vocabularyRoutes: readonly Route[] = [
  route({
    method: 'POST',
    permission: 'video:write',
    path: '/video/v1/transcription-vocabularies',
    summary: 'Create a transcription vocabulary (phrases that generated subtitles are biased towards)',
    tag,
    body: VocabularyInput,
    status: 201,
    returns: 'the transcription vocabulary',
    run: (req) => createVocabulary(req.body, scope(req)),
  }),
  route({
    method: 'GET',
    permission: 'video:read',
    path: '/video/v1/transcription-vocabularies',
    summary: "List the environment's transcription vocabularies, newest first",
    tag,
    query: ListQuery,
    status: 200,
    list: true,
    returns: 'the transcription vocabularies',
    run: (req) => listVocabularies(req.query, scope(req)),
  }),
  route({
    method: 'GET',
    permission: 'video:read',
    path: ITEM,
    summary: 'Retrieve a transcription vocabulary',
    tag,
    status: 200,
    returns: 'the transcription vocabulary',
    run: (req) => getVocabulary(req.params.TRANSCRIPTION_VOCABULARY_ID, scope(req)),
  }),
  route({
    method: 'PUT',
    permission: 'video:write',
    path: ITEM,
    summary: 'Replace the phrases, name and passthrough of a transcription vocabulary',
    tag,
    body: VocabularyInput,
    status: 200,
    returns: 'the transcription vocabulary',
    run: (req) => updateVocabulary(req.params.TRANSCRIPTION_VOCABULARY_ID, req.body, scope(req)),
  }),
  route({
    method: 'DELETE',
    permission: 'video:write',
    path: ITEM,
    summary: 'Delete a transcription vocabulary (transcriptions already started keep its phrases)',
    tag,
    status: 204,
    run: (req) => deleteVocabulary(req.params.TRANSCRIPTION_VOCABULARY_ID, scope(req)),
  }),
];
