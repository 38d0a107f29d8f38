/**
 * Generated subtitles (Mux's `POST /video/v1/assets/{ASSET_ID}/tracks/{TRACK_ID}/generate-subtitles`): each entry
 * of `generated_subtitles` becomes a text track (`text_source: "generated_vod"`, `preparing`) whose audio the
 * Transcriber transcribes; the service's events come back through `advanceTranscription`, which writes the WebVTT it
 * produced as the track's rendition (as an uploaded track's file is written) and turns the track `ready`, or
 * `errored` with the reason. With pocketsphinx (`TRANSCRIBER=pocketsphinx`) the tracks are recorded and one transcoder
 * task is started on the asset, which transcribes them and settles each through `settleGeneratedTrack`, the same
 * path. A deployment without either answers 400, saying so; a language or vocabulary the service cannot take is a
 * 400 naming the field.
 */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import {
  AUTO_LANGUAGE,
  GENERATED_LANGUAGE_CODES,
  GENERATED_LIMITS,
  generatedTrackName,
  parseTranscriptionJobName,
  refusedByTranscriber,
  type TranscriberKind,
  transcriptionJobName,
  transcriptPrefix,
} from '../domain/generated-subtitles.js';
import { newId } from '../domain/ids.js';
import type { AssetRecord } from '../domain/media.js';
import { parseTextTrack } from '../domain/text-tracks.js';
import {
  defaultTrackName,
  MAX_TEXT_TRACKS,
  type MuxTextTrack,
  type TextTrackRecord,
  textTracksOf,
  toMuxTextTrack,
} from '../domain/text-tracks-asset.js';
import { transcriptionPhrases, VOCABULARY_LIMITS } from '../domain/transcription-vocabularies.js';
import type {
  MediaObjects,
  ObjectWriter,
  TaskTranscription,
  TextTrackRepository,
  Transcriber,
  VocabularyRepository,
} from '../ports.js';
import { Passthrough } from './assets.js';
import type { TextObjects } from './playback.js';
import { writeTextTrack } from './text-tracks.js';
import { vocabularyOf } from './transcription-vocabularies.js';

/** One entry of Mux's `generated_subtitles` (AssetGeneratedSubtitleSettings, with the live streams' vocabulary ids). */
export const GeneratedSubtitleSettings = z.strictObject({
  language_code: z
    .enum(GENERATED_LANGUAGE_CODES, { error: `must be one of ${GENERATED_LANGUAGE_CODES.join(', ')}` })
    .default('en'),
  name: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(255, { error: 'must be at most 255 characters' })
    .optional(),
  passthrough: Passthrough.optional(),
  transcription_vocabulary_ids: z
    .array(z.string({ error: 'must be a string' }).min(1).max(255))
    .max(VOCABULARY_LIMITS.maxPerTranscription, {
      error: `must name at most ${VOCABULARY_LIMITS.maxPerTranscription} vocabularies`,
    })
    .optional(),
});
export type GeneratedSubtitleSettings = z.output<typeof GeneratedSubtitleSettings>;

/** `generated_subtitles` as an input and the generate-subtitles body carry it. */
export const GeneratedSubtitlesList = z
  .array(GeneratedSubtitleSettings)
  .min(1, { error: 'must ask for at least one track' })
  .max(GENERATED_LIMITS.maxPerRequest, { error: `must ask for at most ${GENERATED_LIMITS.maxPerRequest} tracks` })
  .superRefine((list, ctx) => {
    list.forEach((entry, i) => {
      if (entry.language_code === AUTO_LANGUAGE && entry.transcription_vocabulary_ids?.length) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'transcription_vocabulary_ids'],
          message: 'needs a language_code other than auto (a vocabulary is made for one language)',
        });
      }
    });
  });

/** The body of generate-subtitles (Mux's AssetGenerateSubtitlesParams). */
export const GenerateSubtitlesInput = z.strictObject({ generated_subtitles: GeneratedSubtitlesList });
export type GenerateSubtitlesInput = z.output<typeof GenerateSubtitlesInput>;

export interface GenerationContext {
  env: string;
  media: { getAsset(id: string): Promise<AssetRecord | undefined> };
  tracks: TextTrackRepository;
  vocabularies: VocabularyRepository;
  /** Amazon Transcribe (`TRANSCRIBER=amazon-transcribe`). */
  transcriber?: Transcriber;
  /** pocketsphinx in the transcoder's task (`TRANSCRIBER=pocketsphinx`). Neither: no speech-to-text service. */
  inTask?: TaskTranscription;
  /** The private bucket the service writes its output to (the ingest bucket, outside `uploads/`). */
  transcriptBucket: string;
  now?: () => number;
}

/** Said, in Mux's error shape, by a deployment that has no speech-to-text service. */
export const NOT_AVAILABLE =
  'generated subtitles are not available in this deployment (no speech-to-text service: deploy with -c transcriber=transcribe or pocketsphinx)';

/** The service the context has, if any. */
export const transcriberKindOf = (
  ctx: Pick<GenerationContext, 'transcriber' | 'inTask'>,
): TranscriberKind | undefined => (ctx.transcriber ? 'amazon-transcribe' : ctx.inTask ? 'pocketsphinx' : undefined);

/** Refuses, naming each field under `path`, what the deployment's service cannot do of the entries. */
export function checkEntries(
  kind: TranscriberKind | undefined,
  entries: readonly GeneratedSubtitleSettings[],
  path: string,
) {
  if (!kind) throw new ValidationError([`${path}: ${NOT_AVAILABLE}`]);
  const refused = entries.flatMap((entry, i) => refusedByTranscriber(kind, entry, `${path}.${i}`));
  if (refused.length > 0) throw new ValidationError(refused);
}

/** Generates subtitles from one of a ready asset's audio tracks; returns the new tracks, `preparing`. */
export async function generateSubtitles(
  assetId: string,
  audioTrackId: string,
  input: GenerateSubtitlesInput,
  ctx: GenerationContext,
): Promise<MuxTextTrack[]> {
  const asset = await ctx.media.getAsset(assetId);
  if (!asset || asset.env !== ctx.env || asset.status === 'deleted') throw new NotFoundError('asset', assetId);
  const audio = asset.tracks?.find((t) => t.id === audioTrackId);
  if (!audio && !asset.text_tracks?.[audioTrackId]) throw new NotFoundError('track', audioTrackId);
  if (audio?.type !== 'audio') {
    throw new ValidationError([`Track ${audioTrackId} is not an audio track: subtitles are generated from audio`]);
  }
  const kind = transcriberKindOf(ctx);
  if (!kind) throw new ValidationError([NOT_AVAILABLE]);
  if (asset.status !== 'ready') {
    throw new ValidationError([`The asset is ${asset.status}: subtitles can be generated once it is ready`]);
  }
  if ((asset.duration ?? 0) > GENERATED_LIMITS.maxDurationSeconds) {
    throw new ValidationError([
      `The asset is longer than ${GENERATED_LIMITS.maxDurationSeconds / 3600} hours, the longest the speech-to-text service transcribes`,
    ]);
  }
  const wanted = input.generated_subtitles;
  if (textTracksOf(asset).length + wanted.length > MAX_TEXT_TRACKS) {
    throw new ValidationError([`An asset has at most ${MAX_TEXT_TRACKS} text tracks; this would make more`]);
  }
  checkEntries(kind, wanted, 'generated_subtitles');
  const phrases = await Promise.all(wanted.map((entry, i) => phrasesOf(entry, `generated_subtitles.${i}`, ctx)));
  if (ctx.inTask) return startInTask(asset, audio.id, wanted, ctx.inTask, ctx);
  const tracks: MuxTextTrack[] = [];
  for (const [i, entry] of wanted.entries()) {
    tracks.push(await startTrack(asset, audio.id, entry, phrases[i] ?? [], ctx));
  }
  return tracks;
}

/** The phrases of the vocabularies an entry names; a missing one (or another environment's) is a 400 naming it. */
export async function phrasesOf(
  entry: GeneratedSubtitleSettings,
  path: string,
  ctx: Pick<GenerationContext, 'env' | 'vocabularies'>,
) {
  const ids = entry.transcription_vocabulary_ids ?? [];
  const found = await Promise.all(
    ids.map((id) =>
      vocabularyOf(id, ctx).catch((err) => {
        if (!(err instanceof NotFoundError)) throw err;
        throw new ValidationError([
          `${path}.transcription_vocabulary_ids: transcription vocabulary ${id} does not exist`,
        ]);
      }),
    ),
  );
  return transcriptionPhrases(found);
}

/**
 * The `preparing` record of one generated track of `asset` (its transcription named after both ids, its output
 * under the asset's transcript prefix). `audioTrackId`: the audio transcribed; absent, the primary audio.
 */
export function newGeneratedTrack(
  asset: Pick<AssetRecord, 'id' | 'source'>,
  entry: GeneratedSubtitleSettings,
  ctx: { transcriptBucket: string; createdAt: number; audioTrackId?: string },
): TextTrackRecord {
  const id = newId();
  const language = entry.language_code;
  return {
    id,
    type: 'text',
    text_type: 'subtitles',
    text_source: 'generated_vod',
    language_code: language,
    name: entry.name ?? generatedTrackName(language === AUTO_LANGUAGE ? 'Auto-detected' : defaultTrackName(language)),
    closed_captions: false,
    ...(entry.passthrough !== undefined && { passthrough: entry.passthrough }),
    status: 'preparing',
    created_at: ctx.createdAt,
    generation: {
      job: transcriptionJobName(asset.id, id),
      language,
      media: { bucket: asset.source.bucket, key: asset.source.key },
      output: { bucket: ctx.transcriptBucket, prefix: transcriptPrefix(asset.id) },
      ...(ctx.audioTrackId && { audio_track_id: ctx.audioTrackId }),
    },
  };
}

async function startTrack(
  asset: AssetRecord,
  audioTrackId: string,
  entry: GeneratedSubtitleSettings,
  phrases: string[],
  ctx: GenerationContext & { transcriber?: Transcriber },
): Promise<MuxTextTrack> {
  const track = newGeneratedTrack(asset, entry, {
    transcriptBucket: ctx.transcriptBucket,
    createdAt: (ctx.now ?? Date.now)(),
    audioTrackId,
  });
  const { id } = track;
  const language = entry.language_code;
  await ctx.tracks.addTextTrack(asset.id, track);
  const generation = track.generation as NonNullable<TextTrackRecord['generation']>;
  try {
    await ctx.transcriber?.start({
      jobName: generation.job,
      media: generation.media,
      language,
      phrases,
      output: generation.output,
    });
  } catch {
    const error = { type: 'retryable', messages: ['The speech-to-text service did not accept the job; ask again'] };
    await ctx.tracks.finishTextTrack(asset.id, id, 'errored', error);
    return toMuxTextTrack({ ...track, status: 'errored', error });
  }
  return toMuxTextTrack(track);
}

/**
 * pocketsphinx: records every track, then starts one transcoder task on the asset that transcribes them all. A
 * task that cannot be started errors the tracks (ask again) rather than leaving them preparing.
 */
async function startInTask(
  asset: AssetRecord,
  audioTrackId: string,
  wanted: readonly GeneratedSubtitleSettings[],
  inTask: TaskTranscription,
  ctx: GenerationContext,
): Promise<MuxTextTrack[]> {
  const createdAt = (ctx.now ?? Date.now)();
  const records = wanted.map((entry, i) =>
    newGeneratedTrack(asset, entry, { transcriptBucket: ctx.transcriptBucket, createdAt: createdAt + i, audioTrackId }),
  );
  for (const track of records) await ctx.tracks.addTextTrack(asset.id, track);
  try {
    await inTask.start(asset);
  } catch {
    const error = {
      type: 'retryable',
      messages: ['The transcoder task that transcribes could not be started; ask again'],
    };
    for (const track of records) await ctx.tracks.finishTextTrack(asset.id, track.id, 'errored', error);
    return records.map((track) => toMuxTextTrack({ ...track, status: 'errored', error }));
  }
  return records.map(toMuxTextTrack);
}

/** What the service made of one generated track: its WebVTT (read by the caller), or why it could not. */
export type TranscriptionResult =
  | { status: 'completed'; language: string; vtt: string | undefined }
  | { status: 'failed'; reason: string };

/**
 * Settles a generated track from its result, the one path for every service: the WebVTT is checked as an uploaded
 * file is and written as the track's segmented rendition, an `auto` track takes the language transcribed, and the
 * track turns `ready`; a missing or unusable file, or a failed transcription, turns it `errored` with the reason.
 */
export async function settleGeneratedTrack(
  asset: AssetRecord,
  track: TextTrackRecord,
  result: TranscriptionResult,
  ctx: { tracks: TextTrackRepository; objects: TextObjects; writer: ObjectWriter; outputBucket: string },
): Promise<'ready' | 'errored'> {
  if (result.status === 'failed') {
    await ctx.tracks.finishTextTrack(asset.id, track.id, 'errored', {
      type: 'invalid_input',
      messages: [`Subtitles could not be generated: ${result.reason}`],
    });
    return 'errored';
  }
  const parsed = result.vtt === undefined ? undefined : parseTextTrack(new TextEncoder().encode(result.vtt));
  if (!parsed?.ok) {
    const reason = parsed ? parsed.reason : 'its subtitle file is missing';
    await ctx.tracks.finishTextTrack(asset.id, track.id, 'errored', {
      type: 'retryable',
      messages: [`The transcription could not be used (${reason}); generate the subtitles again`],
    });
    return 'errored';
  }
  await writeTextTrack(asset, track.id, parsed.cues, ctx);
  if (track.generation?.language === AUTO_LANGUAGE) {
    await ctx.tracks.updateTextTrack(asset.id, track.id, { language_code: result.language });
  }
  await ctx.tracks.finishTextTrack(asset.id, track.id, 'ready');
  return 'ready';
}

export type TranscriptionStep = 'not_ours' | 'stale' | 'pending' | 'ready' | 'errored';

/**
 * Moves the transcription a service event names on by one step: nothing while it is pending; on completion the
 * WebVTT it wrote becomes the track's rendition (checked like an uploaded file) and the track turns `ready`; on
 * failure `errored` with the service's reason. A job of an asset or track that is gone, or already settled, is
 * `stale` and left alone, so re-delivered events change nothing.
 */
export async function advanceTranscription(
  jobName: string,
  ctx: Pick<GenerationContext, 'media' | 'tracks'> & {
    transcriber: Transcriber;
    objects: TextObjects;
    writer: ObjectWriter;
    outputBucket: string;
    cleaner: MediaObjects;
  },
): Promise<TranscriptionStep> {
  const ids = parseTranscriptionJobName(jobName);
  if (!ids) return 'not_ours';
  const asset = await ctx.media.getAsset(ids.assetId);
  const track = asset?.status === 'ready' ? asset.text_tracks?.[ids.trackId] : undefined;
  if (!asset || !track?.generation || track.status !== 'preparing') return 'stale';
  const { job, media, language, output } = track.generation;
  const progress = await ctx.transcriber.advance({ jobName: job, media, language, output });
  if (progress.status === 'pending') return 'pending';
  const vtt =
    progress.status === 'completed'
      ? await ctx.objects.getText(progress.subtitles.bucket, progress.subtitles.key)
      : undefined;
  const step = await settleGeneratedTrack(
    asset,
    track,
    progress.status === 'completed' ? { status: 'completed', language: progress.language, vtt } : progress,
    ctx,
  );
  await ctx.transcriber.cleanUp(job);
  await ctx.cleaner.deletePrefix(output.bucket, `${output.prefix}${job}`);
  return step;
}
