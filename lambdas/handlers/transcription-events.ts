/**
 * EventBridge target for Amazon Transcribe's events ("Transcribe Job State Change", "Vocabulary State Change") about
 * generated subtitles: each names a job (or the vocabulary made for it, named as the job), which moves on one step
 * (usecases/generated-subtitles.ts). A throw makes EventBridge retry the event; every step is safe to repeat.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, s3Client, transcribeClient } from '../core/adapters/clients.js';
import { DynamoAssetRepository } from '../core/adapters/dynamo-assets.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { S3ObjectWriter, S3TextObjects } from '../core/adapters/s3-text-objects.js';
import { TranscribeTranscriber } from '../core/adapters/transcribe-transcriber.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { advanceTranscription } from '../core/usecases/generated-subtitles.js';
import { parseOrThrow } from '../core/validation.js';

/** The name either event carries: a job's, or its vocabulary's (the same name). */
const TranscribeDetail = z
  .looseObject({ TranscriptionJobName: z.string().optional(), VocabularyName: z.string().optional() })
  .transform((d, ctx) => {
    const name = d.TranscriptionJobName ?? d.VocabularyName;
    if (!name) ctx.addIssue({ code: 'custom', message: 'names no transcription job or vocabulary' });
    return name ?? '';
  });

export function createTranscriptionEventsHandler(deps: () => Parameters<typeof advanceTranscription>[1]) {
  return async (event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> => {
    if (context) logger.addContext(context);
    const jobName = parseOrThrow(TranscribeDetail, event.detail, 'detail');
    const step = await advanceTranscription(jobName, deps());
    logger.info('Transcription event', { detailType: event['detail-type'], jobName, step });
  };
}

export const handler = createTranscriptionEventsHandler(
  once(() => {
    const env = envFor('transcriptionEvents');
    const doc = documentClient();
    const s3 = s3Client();
    const assets = new DynamoAssetRepository(doc, env.MEDIA_TABLE);
    return {
      media: assets,
      tracks: assets,
      transcriber: new TranscribeTranscriber(transcribeClient()),
      objects: new S3TextObjects(s3),
      writer: new S3ObjectWriter(s3),
      outputBucket: env.OUTPUT_BUCKET,
      cleaner: new S3MediaObjects(s3),
    };
  }),
);
