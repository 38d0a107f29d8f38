/**
 * The upload and asset entities, their states and allowed transitions, and their Mux-shaped JSON.
 * Pure: no SDK, no I/O. Field names of the Mux shapes follow Mux's Video API reference.
 */

import {
  type AudioTrackMap,
  audioTracksOf,
  DEFAULT_AUDIO_NAME,
  type PrimaryAudio,
  toMuxAudioTrack,
} from './audio-tracks.js';
import type { ClipWindow } from './clips.js';
import type { InputFile, ResolutionTier } from './ladder.js';
import type { OverlayRecord } from './overlays.js';
import type { ShotsRecord } from './shots.js';
import {
  type Mp4Support,
  mp4SupportOf,
  type StaticRenditionFile,
  type StaticRenditionRequest,
  toMuxStaticRenditions,
} from './static-renditions.js';
import { type TextTrackMap, textTracksOf, toMuxTextTrack } from './text-tracks-asset.js';

export const UPLOAD_STATUSES = ['waiting', 'asset_created', 'errored', 'cancelled', 'timed_out'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export const ASSET_STATUSES = ['preparing', 'ready', 'errored', 'deleted'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

/** For each target state, the states it may be entered from. Every status write is guarded by this table. */
export const UPLOAD_TRANSITIONS: Record<Exclude<UploadStatus, 'waiting'>, readonly UploadStatus[]> = {
  asset_created: ['waiting'],
  errored: ['waiting'],
  cancelled: ['waiting'],
  timed_out: ['waiting'],
};

export const ASSET_TRANSITIONS: Record<Exclude<AssetStatus, 'preparing'>, readonly AssetStatus[]> = {
  ready: ['preparing'],
  errored: ['preparing'],
  deleted: ['preparing', 'ready', 'errored'],
};

export type PlaybackPolicy = 'public' | 'signed';

/** Mux's `video_quality` (its older spelling `encoding_tier` maps baseline → basic, smart → plus, premium → premium). */
export const VIDEO_QUALITIES = ['basic', 'plus', 'premium'] as const;
export type VideoQuality = (typeof VIDEO_QUALITIES)[number];
/** Mux's `master_access`: `temporary` makes a full-quality MP4 of the asset downloadable for 24 hours. */
export const MASTER_ACCESSES = ['none', 'temporary'] as const;
export type MasterAccess = (typeof MASTER_ACCESSES)[number];

/** The asset's master MP4 (Mux's `master`), present while `master_access` is `temporary` (domain/master.ts). */
export interface MasterFile {
  status: 'preparing' | 'ready' | 'errored';
  /** A URL to the MP4, valid for 24 hours; set when ready. */
  url?: string;
  /** Unix seconds when the URL expires and the master is removed (storage only: Mux does not report it). */
  expires_at?: number;
}

export interface PlaybackId {
  id: string;
  policy: PlaybackPolicy;
}

export interface NewAssetSettings {
  playback_policies?: PlaybackPolicy[];
  passthrough?: string;
  max_resolution_tier?: ResolutionTier;
  meta?: AssetMeta;
  static_renditions?: StaticRenditionRequest[];
  /** Mux's deprecated spelling of some static renditions, as given (`none` aside, never with `static_renditions`). */
  mp4_support?: Mp4Support;
  video_quality?: VideoQuality;
  /** As given (Mux's older switch); true without a `video_quality` means `plus`. */
  per_title_encode?: boolean;
  normalize_audio?: boolean;
  master_access?: MasterAccess;
  test?: boolean;
  /** Mux's `generate_shots`: shot detection once the asset is ready. */
  generate_shots?: boolean;
  /**
   * A direct upload's `inputs` as given (its watermark images and text and audio tracks; the first entry without a
   * URL is the uploaded file): checked when the upload is made, applied when its asset is (usecases/upload-inputs.ts).
   */
  inputs?: Record<string, unknown>[];
}

export interface AssetMeta {
  title?: string;
  creator_id?: string;
  external_id?: string;
}

export interface VideoTrack {
  id: string;
  type: 'video';
  max_width: number;
  max_height: number;
  max_frame_rate: number;
  duration: number;
}

export interface AudioTrack {
  id: string;
  type: 'audio';
  max_channels: number;
  duration: number;
  primary: boolean;
}

export type Track = VideoTrack | AudioTrack;

export interface MediaError {
  type: string;
  messages: string[];
}

/** An upload as stored. `env` is the environment (tenant) that owns it. */
export interface UploadRecord {
  id: string;
  env: string;
  status: UploadStatus;
  /** Unix seconds. */
  created_at: number;
  timeout: number;
  url: string;
  cors_origin?: string;
  new_asset_settings: NewAssetSettings;
  asset_id?: string;
  error?: { type: string; message: string };
  test?: boolean;
  /** The S3 multipart upload of a large file, once a client started one (Gamma's extension; not in Mux's shape). */
  multipart?: MultipartState;
}

/** A direct upload's S3 multipart upload: the declared file size fixes the part size and count. */
export interface MultipartState {
  /** S3's UploadId. */
  upload_id: string;
  /** Bytes the client declared; every part URL is signed for its share of exactly this size. */
  size: number;
  part_size: number;
  /** Unix seconds of the last part URLs issued: the upload times out `timeout` seconds after this. */
  renewed_at: number;
}

/** An asset as stored. Fields set by the transcoder are absent until it has run. */
/**
 * Where an asset's source file is. A direct upload's is pinned to the object ingest saw (`versionId`, and `etag` as
 * S3 reported it): its presigned URL keeps working after ingest, so every reader (the transcoder, its chunk tasks and
 * retries) asks for exactly that object, and a later PUT to the URL changes nothing the asset is made from.
 */
export interface SourceObject {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
}

export interface AssetRecord {
  id: string;
  env: string;
  status: AssetStatus;
  created_at: number;
  upload_id?: string;
  source: SourceObject;
  playback_ids: PlaybackId[];
  passthrough?: string;
  meta?: AssetMeta;
  max_resolution_tier?: ResolutionTier;
  duration?: number;
  max_stored_resolution?: 'Audio only' | 'SD' | 'HD' | 'FHD' | 'UHD';
  max_stored_frame_rate?: number;
  resolution_tier?: string;
  aspect_ratio?: string;
  tracks?: Track[];
  /** The source as probed (recorded when the asset becomes ready; absent with MediaConvert, which is not probed). */
  input_file?: InputFile;
  /** The URL an asset created from an input URL was fetched from (Mux's input `settings.url`). */
  input_url?: string;
  errors?: MediaError;
  /** Which renditions were written, e.g. ['360p', '720p']; used to verify playlists. */
  renditions?: string[];
  /**
   * Unix seconds when the asset became playable while still `preparing` (fast start: the master playlist and the
   * first segments are published before the whole ladder is done). Gamma's addition to Mux's shape.
   */
  playable_at?: number;
  /** The MP4/M4A downloads asked for, each `preparing` until the transcoder has written it (static-renditions.ts). */
  static_renditions?: StaticRenditionFile[];
  /** Subtitles and captions added to the asset, by track id (text-tracks-asset.ts); listed in `tracks`. */
  text_tracks?: TextTrackMap;
  /** Alternate audio tracks, by track id (audio-tracks.ts); listed in `tracks` after the primary audio. */
  audio_tracks?: AudioTrackMap;
  /** The primary audio's language and name, when the first input gave them (Mux's `inputs[0].language_code`). */
  primary_audio?: PrimaryAudio;
  /** Shot detection, once asked for (shots.ts). */
  shots?: ShotsRecord;
  /** Mux's `generate_shots` at creation: the transcoder asks for shots as it marks the asset ready. */
  generate_shots?: boolean;
  /** Mux's `video_quality` the asset is made with; absent means basic (assets from before it was recorded). */
  video_quality?: VideoQuality;
  /** As the request gave it (Mux reports it back). */
  per_title_encode?: boolean;
  /** Loudness-normalised audio (EBU R128) was asked for. */
  normalize_audio?: boolean;
  /** `temporary` while the master MP4 is (being made) downloadable; absent means none. */
  master_access?: MasterAccess;
  master?: MasterFile;
  /** Made in test mode: at most 10 seconds, watermarked, deleted after 24 hours. */
  test?: boolean;
  /** A clip's parent (Mux's `source_asset_id`): `source` is the parent's, read by the clip and never deleted with it. */
  source_asset_id?: string;
  /** The part of the source a clip is made from (domain/clips.ts). */
  clip?: ClipWindow;
  /** Watermark images burned into every rung (domain/overlays.ts). */
  overlays?: OverlayRecord[];
  /** Mux's `thumbnail_time`: the media time a thumbnail without `time` shows (set with the asset's update). */
  thumbnail_time?: number;
}

/** The fields the transcoder reports when an asset becomes ready. */
export type ReadyPatch = Required<Pick<AssetRecord, 'duration' | 'max_stored_resolution' | 'tracks' | 'renditions'>> &
  /** Absent for audio-only assets. */
  Pick<AssetRecord, 'max_stored_frame_rate' | 'resolution_tier' | 'aspect_ratio' | 'input_file'>;

/** Mux's `max_stored_resolution` bucket for a stored height. */
export function storedResolution(height: number | undefined): NonNullable<AssetRecord['max_stored_resolution']> {
  if (height === undefined || height === 0) return 'Audio only';
  if (height < 720) return 'SD';
  if (height < 1080) return 'HD';
  if (height <= 1200) return 'FHD';
  return 'UHD';
}

/** "16:9" for 1920x1080, "9:16" for portrait, reduced by the greatest common divisor. */
export function aspectRatio(width: number, height: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height) || 1;
  return `${width / d}:${height / d}`;
}

const unix = (seconds: number) => String(seconds);

/** Mux's older name for each `video_quality`, which it still reports as `encoding_tier`. */
const ENCODING_TIER_OF = { basic: 'baseline', plus: 'smart', premium: 'premium' } as const satisfies Record<
  VideoQuality,
  string
>;

/**
 * Mux's `progress`, from the status: Gamma transcodes every input the same way, so it reports what Mux reports for a
 * standard input — `ingesting` at 0 until ready (no percentage while preparing), `completed` at 100, `errored` at -1.
 */
function progressOf(status: AssetStatus): { state: 'ingesting' | 'completed' | 'errored'; progress: number } {
  if (status === 'ready') return { state: 'completed', progress: 100 };
  if (status === 'errored') return { state: 'errored', progress: -1 };
  return { state: 'ingesting', progress: 0 };
}

/** The asset as Mux's API returns it. */
export function toMuxAsset(a: AssetRecord) {
  return {
    id: a.id,
    created_at: unix(a.created_at),
    status: a.status,
    progress: progressOf(a.status),
    playback_ids: a.playback_ids,
    ...(a.duration !== undefined && { duration: a.duration }),
    ...(a.max_stored_resolution && { max_stored_resolution: a.max_stored_resolution }),
    ...(a.max_stored_frame_rate !== undefined && { max_stored_frame_rate: a.max_stored_frame_rate }),
    ...(a.resolution_tier && { resolution_tier: a.resolution_tier }),
    ...(a.aspect_ratio && { aspect_ratio: a.aspect_ratio }),
    ...((a.tracks || a.text_tracks || a.audio_tracks) && { tracks: muxTracksOf(a) }),
    ...(a.errors && { errors: a.errors }),
    ...(a.upload_id && { upload_id: a.upload_id }),
    ...(a.passthrough !== undefined && { passthrough: a.passthrough }),
    ...(a.meta && { meta: a.meta }),
    ...(a.playable_at !== undefined && { playable_at: unix(a.playable_at) }),
    ...(a.static_renditions && { static_renditions: toMuxStaticRenditions(a.static_renditions, a.status) }),
    max_resolution_tier: a.max_resolution_tier ?? '1080p',
    video_quality: a.video_quality ?? 'basic',
    encoding_tier: ENCODING_TIER_OF[a.video_quality ?? 'basic'],
    ...(a.per_title_encode !== undefined && { per_title_encode: a.per_title_encode }),
    normalize_audio: a.normalize_audio ?? false,
    mp4_support: mp4SupportOf(a.static_renditions),
    master_access: a.master_access ?? 'none',
    ...(a.master && { master: { status: a.master.status, ...(a.master.url && { url: a.master.url }) } }),
    ...(a.source_asset_id && { source_asset_id: a.source_asset_id }),
    ingest_type: a.source_asset_id ? 'on_demand_clip' : a.upload_id ? 'on_demand_direct_upload' : 'on_demand_url',
    // No `is_live`: Mux adds it only to an asset made from a live stream, and there are none here.
    test: a.test ?? false,
    ...(a.generate_shots && { generate_shots: true }),
    ...(a.thumbnail_time !== undefined && { thumbnail_time: a.thumbnail_time }),
  };
}

export type MuxAsset = ReturnType<typeof toMuxAsset>;

/**
 * The asset's `tracks` as Mux lists them: video, the primary audio (with its language and name: "Default" when the
 * input named none), the alternate audio tracks, then the text tracks.
 */
function muxTracksOf(a: AssetRecord) {
  const primary = a.primary_audio ?? { name: DEFAULT_AUDIO_NAME };
  const stored = (a.tracks ?? []).map((t) =>
    t.type === 'audio' && t.primary ? { ...t, ...primary, status: 'ready' as const } : t,
  );
  return [...stored, ...audioTracksOf(a).map(toMuxAudioTrack), ...textTracksOf(a).map(toMuxTextTrack)];
}

/** Mux's input info of an asset: one entry per input, its settings and the file as probed (once it has been). */
export function toMuxInputInfo(a: AssetRecord) {
  return [{ settings: a.input_url ? { url: a.input_url } : {}, ...(a.input_file && { file: a.input_file }) }];
}

/** The direct upload as Mux's API returns it. */
export function toMuxUpload(u: UploadRecord) {
  return {
    id: u.id,
    url: u.url,
    status: u.status,
    timeout: u.timeout,
    new_asset_settings: u.new_asset_settings,
    cors_origin: u.cors_origin ?? '*',
    ...(u.asset_id && { asset_id: u.asset_id }),
    ...(u.error && { error: u.error }),
    test: u.test ?? false,
  };
}

export type MuxUpload = ReturnType<typeof toMuxUpload>;

/** Event types pushed over the WebSocket and delivered as webhooks (Mux's names). */
export type MediaEventType =
  | 'video.upload.created'
  | 'video.upload.asset_created'
  | 'video.upload.cancelled'
  | 'video.upload.errored'
  | 'video.upload.timed_out'
  | 'video.asset.created'
  | 'video.asset.ready'
  | 'video.asset.errored'
  | 'video.asset.deleted'
  | 'video.asset.updated';

/** Which event a stored change implies, given the item before and after (from the table stream). */
export function eventFor(
  kind: 'upload' | 'asset',
  before: { status?: string } | undefined,
  after: { status?: string } | undefined,
): MediaEventType | undefined {
  if (!after) return kind === 'asset' && before ? 'video.asset.deleted' : undefined;
  if (kind === 'upload') {
    if (!before) return 'video.upload.created';
    if (before.status === after.status) return undefined;
    switch (after.status) {
      case 'asset_created':
        return 'video.upload.asset_created';
      case 'cancelled':
        return 'video.upload.cancelled';
      case 'errored':
        return 'video.upload.errored';
      case 'timed_out':
        return 'video.upload.timed_out';
      default:
        return undefined;
    }
  }
  if (!before) return 'video.asset.created';
  if (before.status === after.status) return 'video.asset.updated';
  switch (after.status) {
    case 'ready':
      return 'video.asset.ready';
    case 'errored':
      return 'video.asset.errored';
    case 'deleted':
      return 'video.asset.deleted';
    default:
      return 'video.asset.updated';
  }
}

/**
 * Whether the input fetch function dispatches the asset's transcode, not ingest: an input URL's, a clip's (it goes
 * through the same queue) and a direct upload's whose watermark images are fetched first.
 */
export const dispatchedByInputFetch = (asset: AssetRecord): boolean =>
  !asset.upload_id || Boolean(asset.overlays?.some((o) => o.url));
