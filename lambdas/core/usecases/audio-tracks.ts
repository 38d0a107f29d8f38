/**
 * Alternate audio tracks (Mux's multi-track audio): from `inputs` entries of `type: "audio"` when the asset is
 * created, or `POST /video/v1/assets/{ASSET_ID}/tracks` with `type: "audio"` on a ready asset. Each is recorded
 * `preparing` on the asset; the transcoder fetches the file once the asset is ready, encodes it as an AAC HLS
 * rendition cut like the primary audio, and moves it to `ready` (or `errored` with the reason, nothing else
 * touched). The playback function then lists it in the master playlist's AUDIO group.
 */

import {
  AUDIO_TRACK_LIMITS,
  type AudioTrackRecord,
  audioTrackFolder,
  audioTracksOf,
  DEFAULT_AUDIO_NAME,
  toMuxAudioTrack,
} from '../domain/audio-tracks.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assetOutputPrefix } from '../domain/layout.js';
import type { AssetRecord } from '../domain/media.js';
import { canonicalLanguage } from '../domain/playback-modifiers.js';
import { defaultTrackName } from '../domain/text-tracks-asset.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import type { AudioTrackPatch, AudioTrackRepository, MediaObjects, MediaRepository } from '../ports.js';
import { type AssetWorkContext, refuseUnderMediaConvert, startAssetWork } from './asset-work.js';
import { ownAsset } from './assets.js';

/** What an audio track is made from: an `inputs` entry or the body of `POST …/tracks`. */
export interface AudioTrackInput {
  url: string;
  language_code: string;
  name?: string | undefined;
  passthrough?: string | undefined;
}

/** A new `preparing` track record; `name` defaults to the language's name, as Mux's does. */
export function newAudioTrack(input: AudioTrackInput, createdAt: number): AudioTrackRecord {
  const language = canonicalLanguage(input.language_code) ?? input.language_code;
  return {
    id: newId(),
    type: 'audio',
    language_code: language,
    name: input.name ?? defaultTrackName(language),
    ...(input.passthrough !== undefined && { passthrough: input.passthrough }),
    status: 'preparing',
    created_at: createdAt,
    source_url: input.url,
  };
}

/** Names are unique among an asset's audio renditions (the primary's included): players tell them apart by NAME. */
export function checkAudioNames(names: readonly string[], field: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ValidationError([`${field}: the asset already has an audio track named "${name}"`]);
    seen.add(name);
  }
}

export interface AudioTracksContext extends AssetWorkContext {
  env: string;
  media: Pick<MediaRepository, 'getAsset'>;
  audio: AudioTrackRepository;
  resolve: Resolve;
  policy?: AddressPolicy;
  now?: () => number;
}

/** `POST …/tracks` with `type: "audio"`: records the track on a ready asset and starts the task that encodes it. */
export async function addAudioTrack(assetId: string, input: AudioTrackInput, ctx: AudioTracksContext) {
  refuseUnderMediaConvert(ctx.transcoder, 'type', 'adding an audio track');
  const asset = await ownAsset(assetId, ctx);
  if (asset.status !== 'ready') {
    throw new ValidationError([`The asset is ${asset.status}: tracks can be added once it is ready`]);
  }
  const existing = audioTracksOf(asset);
  if (existing.length >= AUDIO_TRACK_LIMITS.maxTracks) {
    throw new ValidationError([
      `The asset already has ${AUDIO_TRACK_LIMITS.maxTracks} audio tracks, the most it may have`,
    ]);
  }
  const refused = await refusedInputUrl(input.url, ctx.resolve, ctx.policy);
  if (refused) throw new ValidationError([`url: ${refused}`]);
  const track = newAudioTrack(input, (ctx.now ?? Date.now)());
  checkAudioNames(
    [asset.primary_audio?.name ?? DEFAULT_AUDIO_NAME, ...existing.map((t) => t.name), track.name],
    'name',
  );
  await ctx.audio.addAudioTrack(asset.id, track);
  await startAssetWork(asset, 'tracks', ctx);
  return toMuxAudioTrack(track);
}

/**
 * `PATCH …/tracks/{TRACK_ID}` of an alternate audio track: its name (unique among the asset's audio, the primary's
 * included), language and passthrough, as Mux's AssetUpdateTrackParams; the master playlist's AUDIO group shows the
 * change on its next request. `closed_captions` is a text track's flag: refused, not ignored.
 */
export async function updateAudioTrack(
  asset: AssetRecord,
  trackId: string,
  input: {
    name?: string | undefined;
    language_code?: string | undefined;
    passthrough?: string | undefined;
    closed_captions?: boolean | undefined;
  },
  ctx: { audio: AudioTrackRepository },
) {
  const track = asset.audio_tracks?.[trackId];
  if (!track) throw new NotFoundError('track', trackId);
  if (input.closed_captions !== undefined) {
    throw new ValidationError(['closed_captions: is for text tracks only; this is an audio track']);
  }
  if (input.name !== undefined) {
    const others = audioTracksOf(asset)
      .filter((t) => t.id !== trackId)
      .map((t) => t.name);
    checkAudioNames([asset.primary_audio?.name ?? DEFAULT_AUDIO_NAME, ...others, input.name], 'name');
  }
  const language = input.language_code && (canonicalLanguage(input.language_code) ?? input.language_code);
  const patch: AudioTrackPatch = {
    ...(input.name !== undefined && { name: input.name }),
    ...(language && { language_code: language }),
    ...(input.passthrough !== undefined && { passthrough: input.passthrough }),
  };
  if (Object.keys(patch).length === 0) return toMuxAudioTrack(track);
  return toMuxAudioTrack(await ctx.audio.updateAudioTrack(asset.id, trackId, patch));
}

/** `DELETE …/tracks/{TRACK_ID}` of an alternate audio track: out of the master playlist at once, then its files. */
export async function deleteAudioTrack(
  asset: AssetRecord,
  trackId: string,
  ctx: { audio: AudioTrackRepository; objects: MediaObjects; outputBucket: string },
): Promise<void> {
  // Refused while its task runs (AUDIO_TRACK_DELETABLE); the write's condition holds the same line against a race.
  if (asset.audio_tracks?.[trackId]?.status === 'preparing') {
    throw new ValidationError(['The audio track is still being prepared; delete it once it is ready or errored']);
  }
  await ctx.audio.removeAudioTrack(asset.id, trackId);
  await ctx.objects.deletePrefix(ctx.outputBucket, `${assetOutputPrefix(asset.id)}/${audioTrackFolder(trackId)}/`);
}
