/**
 * The tracks of a ready asset that are still `preparing`: those its `inputs` asked for at creation (run by the
 * transcode's task once the asset is ready) and alternate audio added later (a task in `tracks` mode). Text tracks
 * go through the API's own path (usecases/text-tracks.ts `prepareTextTrack`); audio tracks are encoded here
 * (audio-tracks.ts). Each track settles on its own: a broken file errors that track and nothing else.
 */
import { lookup } from 'node:dns/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import { audioTracksOf } from '../../../../lambdas/core/domain/audio-tracks.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../../lambdas/core/domain/layout.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../../lambdas/core/domain/playlist.js';
import { textTracksOf } from '../../../../lambdas/core/domain/text-tracks-asset.js';
import type { AddressPolicy } from '../../../../lambdas/core/domain/url-safety.js';
import type {
  AudioTrackRepository,
  FileFetcher,
  ObjectWriter,
  TextTrackRepository,
} from '../../../../lambdas/core/ports.js';
import type { TextObjects } from '../../../../lambdas/core/usecases/playback.js';
import { prepareTextTrack } from '../../../../lambdas/core/usecases/text-tracks.js';
import type { S3Storage } from '../storage.js';
import { prepareAudioTrack } from './audio-tracks.js';

/** The adapters track preparation uses (ready-asset.ts builds the real ones; tests pass fakes). */
export interface TrackDeps {
  text: TextTrackRepository;
  audio: AudioTrackRepository;
  fetcher: FileFetcher;
  objects: TextObjects;
  writer: ObjectWriter;
  storage: S3Storage;
  policy: AddressPolicy;
}

/** How the asset was cut: its first video rendition's segment durations, in order ([] if it has none). */
async function videoSegmentsOf(asset: AssetRecord, objects: TextObjects, bucket: string): Promise<number[]> {
  const folder = assetOutputPrefix(asset.id);
  const master = await objects.getText(bucket, `${folder}/${MASTER_PLAYLIST}`);
  const first = master && parseMasterPlaylist(master).variants[0]?.uri;
  const rendition = first ? await objects.getText(bucket, `${folder}/${first}`) : undefined;
  return rendition ? parseMediaPlaylist(rendition).segments.map((s) => s.duration) : [];
}

const preparing = <T extends { status: string }>(tracks: T[]) => tracks.filter((t) => t.status === 'preparing');
/** Text tracks from a file: generated ones are transcribed (generated-subtitles.ts, or Amazon Transcribe). */
const fromFiles = (asset: AssetRecord) => textTracksOf(asset).filter((t) => t.text_source !== 'generated_vod');

export const hasPreparingTracks = (asset: AssetRecord) =>
  preparing(fromFiles(asset)).length + preparing(audioTracksOf(asset)).length > 0;

/** Prepares every `preparing` track of the (ready) asset, one after the other. */
export async function prepareTracks(
  asset: AssetRecord,
  deps: TrackDeps,
  ctx: { outputBucket: string; workDir: string; logger: Logger },
): Promise<void> {
  const text = preparing(fromFiles(asset));
  const audio = preparing(audioTracksOf(asset));
  if (text.length + audio.length === 0) return;
  const resolve = async (host: string) => (await lookup(host, { all: true })).map((a) => a.address);
  for (const track of text) {
    await prepareTextTrack(asset, track, {
      tracks: deps.text,
      fetcher: deps.fetcher,
      objects: deps.objects,
      writer: deps.writer,
      outputBucket: ctx.outputBucket,
      resolve,
      policy: deps.policy,
    });
  }
  const videoSegments = audio.length > 0 ? await videoSegmentsOf(asset, deps.objects, ctx.outputBucket) : [];
  for (const track of audio) {
    await prepareAudioTrack(asset, track, {
      ...deps,
      outputBucket: ctx.outputBucket,
      workDir: ctx.workDir,
      videoSegments,
    });
  }
  ctx.logger.info('Prepared the tracks', { text: text.length, audio: audio.length });
}
