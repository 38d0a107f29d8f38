/**
 * Mux's `inputs` beyond the first: text tracks (`type: "text"`, subtitles or captions from a WebVTT or SRT URL) and
 * alternate audio tracks (`type: "audio"`), each recorded `preparing` on the new asset and prepared by the
 * transcoder once the asset is ready (options/tracks.ts there), as tracks added later are; a file that cannot be
 * used errors its own track only. The first input is the video; its `language_code` and `name` are the primary
 * audio's, as Mux's multi-track audio has them.
 */
import { z } from 'zod';
import {
  AUDIO_TRACK_LIMITS,
  type AudioTrackMap,
  DEFAULT_AUDIO_NAME,
  type PrimaryAudio,
} from '../domain/audio-tracks.js';
import { ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { OverlaySettings } from '../domain/overlays.js';
import { canonicalLanguage } from '../domain/playback-modifiers.js';
import { defaultTrackName, MAX_TEXT_TRACKS, type TextTrackMap } from '../domain/text-tracks-asset.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import { ClipSeconds, checkInputList, OverlaySettingsInput } from './asset-inputs.js';
import { refuseUnderMediaConvert, type TranscoderKind } from './asset-work.js';
import { Passthrough } from './assets.js';
import { checkAudioNames, newAudioTrack } from './audio-tracks.js';
import { generatedTracksAtCreation } from './generated-at-creation.js';
import {
  type GeneratedSubtitleSettings,
  GeneratedSubtitlesList,
  type GenerationContext,
  NOT_AVAILABLE,
} from './generated-subtitles.js';

const Url = z.string().max(4096, { error: 'must be at most 4096 characters' });
const LanguageCode = z.string({ error: 'must be a string' }).refine((code) => canonicalLanguage(code) !== undefined, {
  error: 'must be a BCP 47 language code, e.g. en or en-US',
});

/**
 * One of Mux's `inputs` (InputSettings): the video (a URL or a clip, `mux://assets/{id}` with `start_time`/
 * `end_time`), a watermark image (`overlay_settings`), or a text or audio track. asset-inputs.ts checks the video
 * and the watermarks, `inputTracks` the tracks.
 */
export const InputEntry = z.strictObject({
  /** Absent only on a direct upload's first input, which is the uploaded file (checkedInputs). */
  url: Url.optional(),
  type: z.enum(['video', 'audio', 'text'], { error: 'must be video, audio or text' }).optional(),
  overlay_settings: OverlaySettingsInput.optional(),
  start_time: ClipSeconds.optional(),
  end_time: ClipSeconds.optional(),
  generated_subtitles: GeneratedSubtitlesList.optional(),
  language_code: LanguageCode.optional(),
  name: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(255, { error: 'must be at most 255 characters' })
    .optional(),
  closed_captions: z.boolean({ error: 'must be a boolean' }).optional(),
  text_type: z.enum(['subtitles'], { error: 'must be "subtitles"' }).optional(),
  passthrough: Passthrough.optional(),
});
type InputEntry = z.output<typeof InputEntry>;

/** A track input, once checked: its file and language are known. */
type TrackInput = InputEntry & { url: string; language_code: string };

/** The new asset's tracks as its `inputs` describe them, before any record is made. */
export interface InputTracks {
  primaryAudio?: PrimaryAudio;
  /** The video input's `generated_subtitles`: text tracks transcribed from its audio once the asset is ready. */
  generated?: { path: string; entries: GeneratedSubtitleSettings[] };
  text: TrackInput[];
  audio: TrackInput[];
}

/** The video (or clip, or the upload's own file) and its watermark images, as asset-inputs.ts reads them. */
export interface PrimaryInputs<U> {
  entries: { url: U; overlay_settings?: OverlaySettings; start_time?: number; end_time?: number }[];
  tracks: InputTracks;
}

/**
 * Mux's `inputs`, checked the one way for `POST /video/v1/assets` (`primary: 'url'`: the first entry names the
 * video's URL or a clip) and for a direct upload's `new_asset_settings` (`primary: 'upload'`: the uploaded file is
 * the first input — an entry without `url` stands for it and carries its `language_code`/`name`; when the first
 * entry has a URL, the file is implied before it). Every further entry is a watermark image or a text or audio track
 * with its URL. Issues name the field as the caller wrote it. The entries are the primary and its watermarks; the
 * track inputs are sorted out as tracks.
 */
export function checkedInputs(
  list: readonly InputEntry[],
  root: string,
  ctx: z.RefinementCtx,
  primary: 'url',
): PrimaryInputs<string>;
export function checkedInputs(
  list: readonly InputEntry[],
  root: string,
  ctx: z.RefinementCtx,
  primary: 'upload',
): PrimaryInputs<string | undefined>;
export function checkedInputs(
  list: readonly InputEntry[],
  root: string,
  ctx: z.RefinementCtx,
  primary: 'url' | 'upload',
): PrimaryInputs<string | undefined> {
  const implied = primary === 'upload' && list[0]?.url !== undefined;
  const all: InputEntry[] = implied ? [{}, ...list] : [...list];
  const offset = implied ? -1 : 0;
  all.forEach((entry, i) => {
    if (entry.url !== undefined || (i === 0 && primary === 'upload')) return;
    const message =
      primary === 'upload' ? 'is required (only the first input, the uploaded file, has none)' : 'is required';
    ctx.addIssue({ code: 'custom', path: [root, i + offset, 'url'], message });
  });
  checkInputList(all, root, ctx, offset, primary === 'upload');
  const tracks = inputTracks(all, root, ctx, offset);
  if (primary === 'upload' && tracks.generated) {
    // Not wired through ingest yet: refused rather than dropped (…/generate-subtitles works once the asset is ready).
    ctx.addIssue({
      code: 'custom',
      path: [root, 0, 'generated_subtitles'],
      message: 'is not yet supported in this deployment on direct uploads (use …/tracks/{id}/generate-subtitles)',
    });
  }
  const entries = all
    .filter((entry, i) => i === 0 || entry.overlay_settings)
    .map(({ url, overlay_settings, start_time, end_time }) => ({
      url,
      ...(overlay_settings && { overlay_settings }),
      ...(start_time !== undefined && { start_time }),
      ...(end_time !== undefined && { end_time }),
    }));
  return { entries, tracks };
}

/**
 * Checks each entry for its position and type (adding an issue naming `inputs.<i>.<field>`) and sorts them. The
 * first is the video (type `video` or none); every further one is a text or audio track with its language.
 */
export function inputTracks(list: readonly InputEntry[], root: string, ctx: z.RefinementCtx, offset = 0): InputTracks {
  const issue = (i: number, field: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [root, i + offset, field], message });
  const tracks: InputTracks = { text: [], audio: [] };
  list.forEach((entry, i) => {
    const { type = i === 0 ? 'video' : undefined } = entry;
    if (i === 0) {
      if (type !== 'video') issue(i, 'type', 'the first input is the video: "video" or none');
      for (const field of ['closed_captions', 'text_type', 'passthrough'] as const) {
        if (entry[field] !== undefined) issue(i, field, 'is for text and audio track inputs, not the video');
      }
      if (entry.generated_subtitles) {
        tracks.generated = { path: `${root}.${i}.generated_subtitles`, entries: entry.generated_subtitles };
      }
      if (entry.language_code || entry.name) {
        const language = entry.language_code && canonicalLanguage(entry.language_code);
        tracks.primaryAudio = {
          ...(language && { language_code: language }),
          name: entry.name ?? (language ? defaultTrackName(language) : DEFAULT_AUDIO_NAME),
        };
      }
      return;
    }
    if (entry.generated_subtitles) issue(i, 'generated_subtitles', 'is for the video input (the first)');
    if (entry.overlay_settings) {
      if (entry.type !== undefined && entry.type !== 'video') issue(i, 'type', 'a watermark image has no track type');
      return; // a watermark image: asset-inputs.ts checks it
    }
    if (type !== 'text' && type !== 'audio') {
      issue(
        i,
        'type',
        'further inputs are text or audio tracks ("text" or "audio") or watermark images (overlay_settings)',
      );
      return;
    }
    if (entry.language_code === undefined) issue(i, 'language_code', `is required for ${type} tracks`);
    if (type === 'text' && entry.text_type === undefined) issue(i, 'text_type', 'is required for text tracks');
    if (type === 'audio') {
      for (const field of ['closed_captions', 'text_type'] as const) {
        if (entry[field] !== undefined) issue(i, field, 'is for text tracks only');
      }
    }
    if (entry.language_code !== undefined && entry.url !== undefined)
      tracks[type].push({ ...entry, url: entry.url, language_code: entry.language_code });
  });
  return tracks;
}

/**
 * What generated tracks at creation need: the new asset (its id and source), the environment's vocabularies, and
 * the deployment's speech-to-text service (none: they are refused, saying so).
 */
export type InputGenerationContext = Pick<
  GenerationContext,
  'env' | 'vocabularies' | 'transcriber' | 'inTask' | 'transcriptBucket'
> & { asset: { id: string; source: { bucket: string; key: string } } };

/**
 * The new asset's track records (`preparing`), after each track's URL passes the input-URL address rules and the
 * limits hold (`checkTrackInputs`).
 */
export async function trackFieldsFor(
  tracks: InputTracks,
  ctx: {
    transcoder: TranscoderKind;
    resolve: Resolve;
    policy?: AddressPolicy;
    nowMs: number;
    generation?: InputGenerationContext;
  },
): Promise<TrackFields> {
  await checkTrackInputs(tracks, ctx);
  const fields = trackRecordsFor(tracks, ctx.nowMs);
  if (!tracks.generated) return fields;
  const uploaded = Object.values(fields.text_tracks ?? {});
  const generated = await generatedFor(tracks.generated, ctx.nowMs + uploaded.length, ctx.generation);
  const all = [...uploaded, ...generated];
  if (all.length > MAX_TEXT_TRACKS) {
    throw new ValidationError([`inputs: at most ${MAX_TEXT_TRACKS} text tracks per asset`]);
  }
  checkTextNames(all.map((t) => t.name));
  return { ...fields, text_tracks: Object.fromEntries(all.map((t) => [t.id, t])) };
}

type TrackFields = { text_tracks?: TextTrackMap; audio_tracks?: AudioTrackMap; primary_audio?: PrimaryAudio };

/**
 * The checks of track inputs beyond their fields: the limits, each URL under the address rules, and the
 * deployment's transcoder (MediaConvert deployments refuse them: no task runs on the asset once it is ready).
 */
export async function checkTrackInputs(
  tracks: InputTracks,
  ctx: { transcoder: TranscoderKind; resolve: Resolve; policy?: AddressPolicy },
): Promise<void> {
  if (tracks.text.length + tracks.audio.length > 0) {
    refuseUnderMediaConvert(ctx.transcoder, 'inputs', 'text and audio track inputs');
  }
  if (tracks.text.length > MAX_TEXT_TRACKS) {
    throw new ValidationError([`inputs: at most ${MAX_TEXT_TRACKS} text tracks per asset`]);
  }
  if (tracks.audio.length > AUDIO_TRACK_LIMITS.maxTracks) {
    throw new ValidationError([`inputs: at most ${AUDIO_TRACK_LIMITS.maxTracks} audio tracks per asset`]);
  }
  for (const entry of [...tracks.text, ...tracks.audio]) {
    const refused = await refusedInputUrl(entry.url, ctx.resolve, ctx.policy);
    if (refused) throw new ValidationError([`inputs: ${entry.url}: ${refused}`]);
  }
  trackRecordsFor(tracks, 0); // the names, refused here rather than when the asset is made
}

/** The records of checked track inputs; `nowMs` orders them (created_at counts up from it). */
export function trackRecordsFor(tracks: InputTracks, nowMs: number): TrackFields {
  const audio = tracks.audio.map((entry, i) => newAudioTrack(entry, nowMs + i));
  checkAudioNames([tracks.primaryAudio?.name ?? DEFAULT_AUDIO_NAME, ...audio.map((t) => t.name)], 'inputs');
  const text = tracks.text.map((entry, i) => {
    const language = canonicalLanguage(entry.language_code) ?? entry.language_code;
    return {
      id: newId(),
      type: 'text' as const,
      text_type: 'subtitles' as const,
      text_source: 'uploaded' as const,
      language_code: language,
      name: entry.name ?? defaultTrackName(language),
      closed_captions: entry.closed_captions ?? false,
      ...(entry.passthrough !== undefined && { passthrough: entry.passthrough }),
      status: 'preparing' as const,
      created_at: nowMs + i,
      source_url: entry.url,
    };
  });
  checkTextNames(text.map((t) => t.name));
  return {
    ...(text.length > 0 && { text_tracks: Object.fromEntries(text.map((t) => [t.id, t])) }),
    ...(audio.length > 0 && { audio_tracks: Object.fromEntries(audio.map((t) => [t.id, t])) }),
    ...(tracks.primaryAudio && { primary_audio: tracks.primaryAudio }),
  };
}

function checkTextNames(names: string[]): void {
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new ValidationError([`inputs: two text tracks are named "${repeated}"`]);
}

/** The generated tracks' records; without a generation context (a caller with no service) they are refused. */
async function generatedFor(
  generated: NonNullable<InputTracks['generated']>,
  nowMs: number,
  ctx: InputGenerationContext | undefined,
) {
  if (!ctx) throw new ValidationError([`${generated.path}: ${NOT_AVAILABLE}`]);
  return Object.values(
    await generatedTracksAtCreation(generated.entries, ctx.asset, generated.path, { ...ctx, nowMs }),
  );
}
