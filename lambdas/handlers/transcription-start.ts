/**
 * The media table's stream, for Amazon Transcribe: an asset created with `generated_subtitles` that turns ready gets
 * the transcriptions of its generated tracks started (usecases/generated-subtitles.ts `startGeneratedOnReady`). The
 * event source's filter passes only assets turning ready; a failure retries from that record.
 */
import { documentClient, transcribeClient } from '../core/adapters/clients.js';
import { DynamoAssetRepository } from '../core/adapters/dynamo-assets.js';
import { DynamoVocabularyRepository } from '../core/adapters/dynamo-vocabularies.js';
import { mediaStreamConsumer } from '../core/adapters/media-stream.js';
import { TranscribeTranscriber } from '../core/adapters/transcribe-transcriber.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { startGeneratedOnReady } from '../core/usecases/generated-at-creation.js';

export function createTranscriptionStartHandler(deps: () => Parameters<typeof startGeneratedOnReady>[1]) {
  return mediaStreamConsumer(async (change) => {
    if (change.kind !== 'asset') return;
    const started = await startGeneratedOnReady(change, deps());
    if (started > 0) logger.info('Started the transcriptions of generated tracks', { started });
  }, 'Starting the transcriptions failed');
}

export const handler = createTranscriptionStartHandler(
  once(() => {
    const env = envFor('transcriptionStart');
    const doc = documentClient();
    return {
      tracks: new DynamoAssetRepository(doc, env.MEDIA_TABLE),
      vocabularies: new DynamoVocabularyRepository(doc, env.MEDIA_TABLE),
      transcriber: new TranscribeTranscriber(transcribeClient()),
    };
  }),
);
