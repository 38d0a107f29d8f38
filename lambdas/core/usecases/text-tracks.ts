/**
 * Text tracks of an asset, as Mux's `POST /video/v1/assets/{ASSET_ID}/tracks`, `PATCH` and `DELETE
 * …/tracks/{TRACK_ID}`: the track is recorded `preparing`, its file fetched (input URL rules, TEXT_TRACK_LIMITS),
 * read and checked (domain/text-tracks.ts), written as a segmented WebVTT rendition under `assets/<id>/text/<trackId>/`
 * cut along the asset's own video segments, and the track moves to `ready` — or to `errored` with the reason, the
 * asset and its other tracks untouched. The table stream turns each step into Mux's `video.asset.track.*` webhook.
 */
import { z } from 'zod';
import { InvalidInputError, NotFoundError, TooManyRequestsError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../domain/layout.js';
import type { AssetRecord } from '../domain/media.js';
import { canonicalLanguage } from '../domain/playback-modifiers.js';
import { parseMasterPlaylist, parseMediaPlaylist } from '../domain/playlist.js';
import { type Cue, parseTextTrack, TEXT_TRACK_LIMITS, toWebVtt } from '../domain/text-tracks.js';
import {
  defaultTrackName,
  MAX_TEXT_TRACKS,
  type MuxTextTrack,
  type TextTrackRecord,
  textTracksOf,
  toMuxTextTrack,
} from '../domain/text-tracks-asset.js';
import { segmentTextTrack, textTrackFile, textTrackFolder } from '../domain/text-tracks-hls.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import type {
  FileFetcher,
  InputSlots,
  MediaObjects,
  MediaRepository,
  ObjectWriter,
  TextTrackRepository,
} from '../ports.js';
import { Passthrough } from './assets.js';
import type { TextObjects } from './playback.js';

const LanguageCode = z
  // Left out, it is missing rather than of the wrong type: Mux requires it for text and audio tracks alike.
  .string({
    error: (issue) => (issue.input === undefined ? 'is required for text and audio tracks' : 'must be a string'),
  })
  .refine((code) => canonicalLanguage(code) !== undefined, {
    error: 'must be a BCP 47 language code, e.g. en or en-US',
  });
const TrackName = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' });

/** The body of `POST /video/v1/assets/{ASSET_ID}/tracks` (Mux's AssetCreateTrackParams). */
export const CreateTrackInput = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
    type: z.enum(['text', 'audio'], { error: 'must be "text" or "audio"' }),
    text_type: z.enum(['subtitles'], { error: 'must be "subtitles"' }).optional(),
    language_code: LanguageCode,
    name: TrackName.optional(),
    closed_captions: z.boolean({ error: 'must be a boolean' }).optional(),
    passthrough: Passthrough.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.type === 'audio') {
      // Refused rather than accepted and ignored: Mux's audio tracks have no such fields.
      for (const field of ['text_type', 'closed_captions'] as const) {
        if (input[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'is for text tracks only' });
      }
    } else if (input.text_type === undefined) {
      ctx.addIssue({ code: 'custom', path: ['text_type'], message: 'is required for text tracks' });
    }
  });
export type CreateTrackInput = z.output<typeof CreateTrackInput>;

/** The body of `PATCH /video/v1/assets/{ASSET_ID}/tracks/{TRACK_ID}` (Mux's AssetUpdateTrackParams). */
export const UpdateTrackInput = z.strictObject({
  name: TrackName.optional(),
  language_code: LanguageCode.optional(),
  closed_captions: z.boolean({ error: 'must be a boolean' }).optional(),
  passthrough: Passthrough.optional(),
});
export type UpdateTrackInput = z.output<typeof UpdateTrackInput>;

export interface TracksContext {
  env: string;
  media: Pick<MediaRepository, 'getAsset'>;
  tracks: TextTrackRepository;
  now?: () => number;
}

/** What preparing a track's file needs: the fetch, the asset's stored playlists, and where to write. */
export interface TrackFileContext {
  fetcher: FileFetcher;
  objects: TextObjects;
  writer: ObjectWriter;
  outputBucket: string;
  resolve: Resolve;
  policy?: AddressPolicy;
}

async function readyAsset(assetId: string, ctx: TracksContext): Promise<AssetRecord> {
  const asset = await ctx.media.getAsset(assetId);
  if (!asset || asset.env !== ctx.env || asset.status === 'deleted') throw new NotFoundError('asset', assetId);
  return asset;
}

/** Names are unique among an asset's text tracks: players tell the renditions apart by NAME. */
function checkNameFree(asset: AssetRecord, name: string, except?: string) {
  if (textTracksOf(asset).some((t) => t.name === name && t.id !== except)) {
    throw new ValidationError([`name: the asset already has a text track named "${name}"`]);
  }
}

/**
 * Text track files an environment may have being fetched by the API at once. Each POST holds an API function until
 * its file has come (up to the fetcher's 20 s deadline, where an ordinary request takes milliseconds): without a
 * bound, one environment pointing many POSTs at a server that trickles could hold the account's Lambda concurrency
 * the API shares with every environment. Places are leases on the environment's own slots item (`TEXT_TRACK_POOL`).
 */
export const MAX_TEXT_TRACK_FETCHES = 5;
/** A place lapses after this, if its request died before giving it back (the API function's 30 s, and more). */
const TEXT_TRACK_LEASE_SECONDS = 60;
/** The slots item text track fetches count on: the environment's own, apart from its URL inputs'. */
export const textTrackPool = (env: string) => `${env}#text-tracks`;

/**
 * Adds a text track to a ready asset and prepares it: returns the track as recorded (`preparing`, as Mux answers);
 * it is `ready` or `errored` once `prepareTextTrack` has run. Past MAX_TEXT_TRACK_FETCHES in flight: 429, nothing
 * recorded.
 */
export async function addTextTrack(
  assetId: string,
  input: CreateTrackInput,
  ctx: TracksContext & TrackFileContext & { slots: InputSlots },
) {
  const asset = await readyAsset(assetId, ctx);
  if (asset.status !== 'ready') {
    throw new ValidationError([`The asset is ${asset.status}: tracks can be added once it is ready`]);
  }
  if (textTracksOf(asset).length >= MAX_TEXT_TRACKS) {
    throw new ValidationError([`The asset already has ${MAX_TEXT_TRACKS} text tracks, the most it may have`]);
  }
  const refused = await refusedInputUrl(input.url, ctx.resolve, ctx.policy);
  if (refused) throw new ValidationError([`url: ${refused}`]);
  const language = canonicalLanguage(input.language_code) ?? input.language_code;
  const name = input.name ?? defaultTrackName(language);
  checkNameFree(asset, name);
  const track: TextTrackRecord = {
    id: newId(),
    type: 'text',
    text_type: 'subtitles',
    text_source: 'uploaded',
    language_code: language,
    name,
    closed_captions: input.closed_captions ?? false,
    ...(input.passthrough !== undefined && { passthrough: input.passthrough }),
    status: 'preparing',
    created_at: (ctx.now ?? Date.now)(),
    source_url: input.url,
  };
  const pool = textTrackPool(ctx.env);
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
  if (!(await ctx.slots.claim(pool, track.id, MAX_TEXT_TRACK_FETCHES, now + TEXT_TRACK_LEASE_SECONDS))) {
    throw new TooManyRequestsError(
      `The environment has ${MAX_TEXT_TRACK_FETCHES} text track files being fetched already; retry once one is done`,
    );
  }
  try {
    await ctx.tracks.addTextTrack(asset.id, track);
    await prepareTextTrack(asset, track, ctx);
  } finally {
    await ctx.slots.release(pool, track.id);
  }
  return toMuxTextTrack(track);
}

/**
 * Fetches, checks and writes one track's file, then records the outcome. A file that cannot be used (refused URL,
 * 4xx, too large, not a valid WebVTT/SRT file) errors the track with the reason; anything else (the network, S3)
 * errors it as a retryable failure, so no track is left `preparing` for ever.
 */
export async function prepareTextTrack(
  asset: AssetRecord,
  track: TextTrackRecord,
  ctx: Pick<TracksContext, 'tracks'> & TrackFileContext,
): Promise<void> {
  try {
    const bytes = await ctx.fetcher.fetchBytes(track.source_url ?? '', TEXT_TRACK_LIMITS.maxBytes);
    const parsed = parseTextTrack(bytes);
    if (!parsed.ok) throw new InvalidInputError(parsed.reason);
    await writeTextTrack(asset, track.id, parsed.cues, ctx);
    await ctx.tracks.finishTextTrack(asset.id, track.id, 'ready');
  } catch (err) {
    const invalid = err instanceof InvalidInputError;
    const messages = [
      invalid ? (err as Error).message : 'The file could not be fetched or stored; add the track again',
    ];
    await ctx.tracks.finishTextTrack(asset.id, track.id, 'errored', {
      type: invalid ? 'invalid_input' : 'retryable',
      messages,
    });
  }
}

/**
 * Writes a checked track as the asset's segmented WebVTT rendition (cut along its video segments), its whole file,
 * and last its playlist: a rendition is listed only once every segment it names exists.
 */
export async function writeTextTrack(
  asset: AssetRecord,
  trackId: string,
  cues: Cue[],
  ctx: Pick<TrackFileContext, 'objects' | 'writer' | 'outputBucket'>,
): Promise<void> {
  const folder = assetOutputPrefix(asset.id);
  const durations = await videoSegmentDurations(asset, ctx);
  const { playlist, segments } = segmentTextTrack(cues, durations);
  const put = (name: string, body: string, type: string) =>
    ctx.writer.putText(ctx.outputBucket, `${folder}/${textTrackFolder(trackId)}/${name}`, body, type);
  await Promise.all(segments.map((s) => put(s.name, s.body, 'text/vtt')));
  await ctx.writer.putText(ctx.outputBucket, `${folder}/${textTrackFile(trackId)}`, toWebVtt(cues), 'text/vtt');
  await put('index.m3u8', playlist, 'application/vnd.apple.mpegurl');
}

/** The asset's segment boundaries: the durations its first video rendition playlist lists. */
async function videoSegmentDurations(
  asset: AssetRecord,
  ctx: Pick<TrackFileContext, 'objects' | 'outputBucket'>,
): Promise<number[]> {
  const folder = assetOutputPrefix(asset.id);
  const master = await ctx.objects.getText(ctx.outputBucket, `${folder}/${MASTER_PLAYLIST}`);
  const first = master && parseMasterPlaylist(master).variants[0]?.uri;
  const rendition = first ? await ctx.objects.getText(ctx.outputBucket, `${folder}/${first}`) : undefined;
  const durations = rendition ? parseMediaPlaylist(rendition).segments.map((s) => s.duration) : [];
  if (durations.length === 0) throw new Error(`Asset ${asset.id} has no rendition playlist to align the track with`);
  return durations;
}

/**
 * `PATCH …/tracks/{TRACK_ID}`: name, language, closed captions and passthrough of a text track; an alternate audio
 * track's go to its own use case (audio-tracks.ts). The video track and the primary audio are the asset's own (the
 * primary's name and language come from its first input), so they are refused by name.
 */
export async function updateTextTrack<A>(
  assetId: string,
  trackId: string,
  input: UpdateTrackInput,
  ctx: TracksContext & { updateAudio?: (asset: AssetRecord, trackId: string, input: UpdateTrackInput) => Promise<A> },
): Promise<MuxTextTrack | A> {
  const asset = await readyAsset(assetId, ctx);
  if (asset.tracks?.some((t) => t.id === trackId)) {
    throw new ValidationError(['The video track and the primary audio track cannot be updated']);
  }
  if (asset.audio_tracks?.[trackId] && ctx.updateAudio) return ctx.updateAudio(asset, trackId, input);
  if (!asset.text_tracks?.[trackId]) throw new NotFoundError('track', trackId);
  if (input.name !== undefined) checkNameFree(asset, input.name, trackId);
  const language = input.language_code && canonicalLanguage(input.language_code);
  const patch = { ...input, ...(language && { language_code: language }) };
  if (Object.keys(patch).length === 0) return toMuxTextTrack(asset.text_tracks[trackId]);
  return toMuxTextTrack(await ctx.tracks.updateTextTrack(asset.id, trackId, patch));
}

/**
 * `DELETE …/tracks/{TRACK_ID}`: the track leaves the asset (and the master playlist at once), then its files. The
 * video and primary audio tracks cannot be removed, as in Mux.
 */
export async function deleteTextTrack(
  assetId: string,
  trackId: string,
  ctx: TracksContext & {
    objects: MediaObjects;
    outputBucket: string;
    /** An alternate audio track's id: deleted by its own use case (audio-tracks.ts). */
    deleteAudio?: (asset: AssetRecord, trackId: string) => Promise<void>;
  },
): Promise<void> {
  const asset = await readyAsset(assetId, ctx);
  if (asset.tracks?.some((t) => t.id === trackId)) {
    throw new ValidationError(['The video track and the primary audio track cannot be deleted']);
  }
  if (asset.audio_tracks?.[trackId] && ctx.deleteAudio) return ctx.deleteAudio(asset, trackId);
  const track = asset.text_tracks?.[trackId];
  if (!track) throw new NotFoundError('track', trackId);
  // A generated track's transcription job runs until it settles: deleting it then asking again would start job
  // after job (speech-to-text is paid by the minute, and the account's concurrent jobs are shared by everyone).
  if (track.text_source === 'generated_vod' && track.status === 'preparing') {
    throw new ValidationError(['The track is still being generated; delete it once it is ready or errored']);
  }
  await ctx.tracks.removeTextTrack(asset.id, trackId);
  await ctx.objects.deletePrefix(ctx.outputBucket, `${assetOutputPrefix(asset.id)}/${textTrackFolder(trackId)}/`);
}
