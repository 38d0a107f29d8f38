/**
 * Generated subtitles with `TRANSCRIBER=pocketsphinx`: the speech-to-text that runs in the transcoder's own task (a
 * task in `subtitles` mode started by generate-subtitles, or the transcode's task once an asset created with
 * `generated_subtitles` is ready). For each generated text track still `preparing`: the audio it names (the primary
 * audio, muxed into every variant, or an alternate track's rendition) is joined from the bucket, decoded by ffmpeg to
 * 16 kHz mono PCM, and recognised by pocketsphinx (speech/recognize.py, US English, in SPEECH_PYTHON); the timed
 * words become cues (domain/speech-cues.ts) and the WebVTT goes through the same path as Amazon Transcribe's file
 * (usecases/generated-subtitles.ts `settleGeneratedTrack`): checked, written as the segmented rendition, `ready` —
 * or `errored` with the reason. Cost: one decode and one recognition per audio track, bounded by the ffmpeg watchdog.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@aws-lambda-powertools/logger';
import { audioTrackFolder } from '../../../../lambdas/core/domain/audio-tracks.js';
import { TransitionError } from '../../../../lambdas/core/domain/errors.js';
import { ONLY_LANGUAGE } from '../../../../lambdas/core/domain/generated-subtitles.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../../lambdas/core/domain/layout.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { parseMasterPlaylist } from '../../../../lambdas/core/domain/playlist.js';
import { type TimedWord, webVttFromWords } from '../../../../lambdas/core/domain/speech-cues.js';
import { type TextTrackRecord, textTracksOf } from '../../../../lambdas/core/domain/text-tracks-asset.js';
import { optional } from '../../../../lambdas/core/env.js';
import type { ObjectWriter, TextTrackRepository } from '../../../../lambdas/core/ports.js';
import {
  settleGeneratedTrack,
  type TranscriptionResult,
} from '../../../../lambdas/core/usecases/generated-subtitles.js';
import type { TextObjects } from '../../../../lambdas/core/usecases/playback.js';
import { inputArgs, QUIET } from '../ffmpeg/args.js';
import { ffmpegLimits, runFfmpeg } from '../ffmpeg/run.js';
import { runTool } from '../ffmpeg/tools.js';
import { joinSegments, type OutputFiles } from '../static-renditions.js';

/** The sample rate and layout pocketsphinx's US English model was trained on. */
export const SPEECH_AUDIO = { sampleRate: 16000, channels: 1 } as const;

/** The adapters (ready-asset.ts builds the real ones; tests pass fakes). */
export interface SubtitleDeps {
  text: TextTrackRepository;
  objects: TextObjects;
  writer: ObjectWriter;
  files: OutputFiles;
  /** Speech to timed words; defaults to pocketsphinx through SPEECH_PYTHON. */
  recognize?: (rawAudio: string, deadlineSeconds: number) => Promise<TimedWord[]>;
}

/** Whether this deployment transcribes in the task (TRANSCRIBER=pocketsphinx). */
export const transcribesInTask = (env: NodeJS.ProcessEnv) => optional('TRANSCRIBER', env) === 'pocketsphinx';

/** The generated tracks still waiting for their transcription. */
export const preparingGenerated = (asset: AssetRecord) =>
  textTracksOf(asset).filter((t) => t.status === 'preparing' && t.text_source === 'generated_vod');

/** ffmpeg's arguments: the first audio stream of `input` as 16 kHz mono signed 16-bit PCM in `output`. */
export function speechAudioArgs(input: string, output: string): string[] {
  return [
    ...QUIET,
    ...inputArgs(input),
    ...['-map', '0:a:0', '-vn', '-sn', '-ac', String(SPEECH_AUDIO.channels), '-ar', String(SPEECH_AUDIO.sampleRate)],
    ...['-c:a', 'pcm_s16le', '-f', 's16le', output],
  ];
}

/** The folder (relative to the asset's) of the audio a track transcribes: an alternate track's, or a variant's. */
async function audioRenditionOf(asset: AssetRecord, track: TextTrackRecord, objects: TextObjects, bucket: string) {
  const alternate = track.generation?.audio_track_id;
  if (alternate && asset.audio_tracks?.[alternate]) return audioTrackFolder(alternate);
  const master = await objects.getText(bucket, `${assetOutputPrefix(asset.id)}/${MASTER_PLAYLIST}`);
  // The primary audio is muxed into every variant: the lowest bit rate has the least video to skip.
  const variants = master ? [...parseMasterPlaylist(master).variants].sort((a, b) => a.bandwidth - b.bandwidth) : [];
  const uri = variants[0]?.uri;
  if (!uri) throw new Error('The asset has no rendition to read its audio from');
  return uri.slice(0, uri.lastIndexOf('/'));
}

/** Transcribes and settles every generated track of the (ready) asset that is still preparing, one after another. */
export async function transcribeGeneratedTracks(
  asset: AssetRecord,
  deps: SubtitleDeps,
  ctx: { outputBucket: string; workDir: string; logger: Logger; env: NodeJS.ProcessEnv },
): Promise<void> {
  const tracks = preparingGenerated(asset);
  const recognize = deps.recognize ?? ((raw, deadline) => pocketsphinx(raw, deadline, ctx.env));
  // Tracks of the same audio (two names, say) share one recognition.
  const heard = new Map<string, Promise<TimedWord[]>>();
  for (const track of tracks) {
    let result: TranscriptionResult;
    try {
      const rendition = await audioRenditionOf(asset, track, deps.objects, ctx.outputBucket);
      let words = heard.get(rendition);
      if (!words) {
        words = hear(rendition, heard.size, asset.duration ?? 0, deps.files, recognize, ctx.workDir);
        heard.set(rendition, words);
      }
      const found = await words;
      result =
        found.length > 0
          ? { status: 'completed', language: ONLY_LANGUAGE.pocketsphinx ?? 'en', vtt: webVttFromWords(found) }
          : { status: 'failed', reason: 'no speech was recognised in the audio' };
    } catch (error) {
      ctx.logger.error('Speech recognition failed', { trackId: track.id, error: error as Error });
      result = { status: 'failed', reason: 'the speech recogniser could not read the audio' };
    }
    try {
      const step = await settleGeneratedTrack(asset, track, result, { ...deps, tracks: deps.text, ...ctx });
      ctx.logger.info('Generated subtitles', { trackId: track.id, step });
    } catch (error) {
      // Deleted (or settled by another task) meanwhile: nothing to record.
      if (!(error instanceof TransitionError)) throw error;
      ctx.logger.warn('The generated track is no longer preparing', { trackId: track.id });
    }
  }
}

/** The rendition's audio decoded for the recogniser, and the words it heard. */
async function hear(
  rendition: string,
  n: number,
  durationSeconds: number,
  files: OutputFiles,
  recognize: NonNullable<SubtitleDeps['recognize']>,
  workDir: string,
): Promise<TimedWord[]> {
  const joined = join(workDir, `speech-${n}.mp4`);
  const raw = join(workDir, `speech-${n}.raw`);
  await joinSegments(files, rendition, joined);
  const limits = ffmpegLimits(durationSeconds);
  await runFfmpeg(speechAudioArgs(joined, raw), limits);
  return recognize(raw, limits.deadlineSeconds);
}

/**
 * speech/recognize.py: beside the bundle's folder (dist/main.mjs → speech/, /app/main.mjs → /speech/ in the image),
 * or from the sources (src/options/ → speech/) when run unbundled.
 */
function recognizerScript(): string {
  const candidates = ['../speech/recognize.py', '../../speech/recognize.py'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`speech/recognize.py is missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** Runs pocketsphinx on 16 kHz mono PCM; its words in order. */
async function pocketsphinx(raw: string, deadlineSeconds: number, env: NodeJS.ProcessEnv): Promise<TimedWord[]> {
  const python = optional('SPEECH_PYTHON', env) ?? 'python3';
  // Through the runner: the scrubbed environment and the tool user, as every media tool.
  const { stdout } = await runTool(python, [recognizerScript(), raw], {
    maxBuffer: 256 * 1024 * 1024,
    timeoutMs: deadlineSeconds * 1000,
  });
  const parsed = JSON.parse(stdout) as { words?: TimedWord[] };
  return (parsed.words ?? []).filter(
    (w) => typeof w.word === 'string' && Number.isFinite(w.start) && Number.isFinite(w.end),
  );
}
