/**
 * Generated subtitles asked for at creation (Mux's `inputs[0].generated_subtitles`): the tracks recorded with the new
 * asset, and, with Amazon Transcribe, their jobs started once the table's stream shows the asset turn ready
 * (handlers/transcription-start.ts). With pocketsphinx the transcoder's task transcribes them after marking the
 * asset ready (containers/transcoder/src/options/generated-subtitles.ts).
 */
import { TransitionError } from '../domain/errors.js';
import type { TranscriberKind } from '../domain/generated-subtitles.js';
import type { AssetRecord } from '../domain/media.js';
import { type TextTrackMap, type TextTrackRecord, textTracksOf } from '../domain/text-tracks-asset.js';
import { transcriptionPhrases } from '../domain/transcription-vocabularies.js';
import type { TextTrackRepository, Transcriber, VocabularyRepository } from '../ports.js';
import {
  checkEntries,
  type GeneratedSubtitleSettings,
  type GenerationContext,
  newGeneratedTrack,
  phrasesOf,
  transcriberKindOf,
} from './generated-subtitles.js';

/**
 * The generated tracks of a new asset (Mux's `inputs[0].generated_subtitles`), `preparing`: checked against the
 * deployment's service and the environment's vocabularies (a 400 naming `path`), transcribed once the asset is
 * ready. The vocabularies are named on the track and read when its transcription starts.
 */
export async function generatedTracksAtCreation(
  entries: readonly GeneratedSubtitleSettings[],
  asset: Pick<AssetRecord, 'id' | 'source'>,
  path: string,
  ctx: Pick<GenerationContext, 'env' | 'vocabularies' | 'transcriber' | 'inTask' | 'transcriptBucket'> & {
    kind?: TranscriberKind;
    nowMs: number;
  },
): Promise<TextTrackMap> {
  checkEntries(ctx.kind ?? transcriberKindOf(ctx), entries, path);
  await Promise.all(entries.map((entry, i) => phrasesOf(entry, `${path}.${i}`, ctx)));
  const tracks = entries.map((entry, i) => {
    const track = newGeneratedTrack(asset, entry, { transcriptBucket: ctx.transcriptBucket, createdAt: ctx.nowMs + i });
    const ids = entry.transcription_vocabulary_ids ?? [];
    if (ids.length > 0 && track.generation) track.generation.vocabulary_ids = [...ids];
    return track;
  });
  return Object.fromEntries(tracks.map((t) => [t.id, t]));
}

/**
 * Amazon Transcribe, for an asset created with `generated_subtitles`: once the table's stream shows it turn `ready`
 * (`before` preparing), each generated track still `preparing` gets its transcription started, with the phrases of
 * the vocabularies its input named (one deleted since is that track's error). A track the service would not take is
 * `errored` (ask again); a throw means "retry the stream record", and starting a job again is not an error.
 * Returns how many were started.
 */
export async function startGeneratedOnReady(
  change: { before?: AssetRecord; after?: AssetRecord },
  ctx: { tracks: TextTrackRepository; vocabularies: VocabularyRepository; transcriber: Transcriber },
): Promise<number> {
  const { before, after: asset } = change;
  if (asset?.status !== 'ready' || before?.status !== 'preparing') return 0;
  let started = 0;
  for (const track of textTracksOf(asset)) {
    const generation = track.generation;
    if (track.status !== 'preparing' || track.text_source !== 'generated_vod' || !generation) continue;
    const ids = generation.vocabulary_ids ?? [];
    const found = await Promise.all(ids.map((id) => ctx.vocabularies.get(id)));
    const missing = ids.find((_, i) => found[i]?.env !== asset.env);
    if (missing) {
      await settleQuietly(ctx.tracks, asset.id, track.id, {
        type: 'invalid_input',
        messages: [
          `Transcription vocabulary ${missing} was deleted before the asset was ready; generate the subtitles again`,
        ],
      });
      continue;
    }
    const phrases = transcriptionPhrases(found.filter((v) => v !== undefined));
    const { job, media, language, output } = generation;
    try {
      await ctx.transcriber.start({ jobName: job, media, language, phrases, output });
      started++;
    } catch {
      await settleQuietly(ctx.tracks, asset.id, track.id, {
        type: 'retryable',
        messages: ['The speech-to-text service did not accept the job; generate the subtitles again'],
      });
    }
  }
  return started;
}

/** Errors a track; one deleted or settled meanwhile is left as it is. */
async function settleQuietly(
  tracks: TextTrackRepository,
  assetId: string,
  trackId: string,
  error: TextTrackRecord['error'],
) {
  await tracks.finishTextTrack(assetId, trackId, 'errored', error).catch((err) => {
    if (!(err instanceof TransitionError)) throw err;
  });
}
