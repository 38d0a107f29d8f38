/**
 * Static renditions (Mux's MP4 and M4A downloads): what may be asked for, what each file is named, which stored HLS
 * rendition it is remuxed from, and the files as the asset reports them. Pure: no SDK, no I/O.
 *
 * Mux's Static Renditions API: `static_renditions: [{ resolution, passthrough? }]` on the asset (or an upload's
 * `new_asset_settings`); the asset's `static_renditions.files` then lists one file per request, each with its own
 * `status` (preparing → ready | skipped | errored). The deprecated `mp4_support` makes the same files, marked as its
 * own: the asset then reports the value back and, as Mux does for it, one aggregate `status` over them, and the
 * 1080p-capped MP4 also answers to Mux's name for it, `capped-1080p.mp4`. That MP4 is the `highest` file when the
 * ladder stops at 1080p or below, and the `1080p` file when it goes above (`cappedResolution`).
 */
import { AlreadyExistsError, ValidationError } from './errors.js';
import { derivedId } from './ids.js';
import type { LadderPlan, ResolutionTier, VideoRung } from './ladder.js';
import { AUDIO_ONLY_RENDITION, resolutionTier } from './ladder.js';

export const STATIC_RESOLUTIONS = [
  'highest',
  'audio-only',
  '2160p',
  '1440p',
  '1080p',
  '720p',
  '540p',
  '480p',
  '360p',
  '270p',
] as const;
export type StaticResolution = (typeof STATIC_RESOLUTIONS)[number];

export const isStaticResolution = (value: string): value is StaticResolution =>
  (STATIC_RESOLUTIONS as readonly string[]).includes(value);

/** One requested static rendition (Mux's `CreateStaticRenditionRequest`). */
export interface StaticRenditionRequest {
  resolution: StaticResolution;
  passthrough?: string;
}

export type StaticRenditionStatus = 'preparing' | 'ready' | 'skipped' | 'errored';

/** One file of an asset's static renditions as stored; its JSON is Mux's `static_renditions.files[]` entry. */
export interface StaticRenditionFile {
  id: string;
  type: 'standard';
  resolution: StaticResolution;
  name: string;
  ext: 'mp4' | 'm4a';
  status: StaticRenditionStatus;
  passthrough?: string;
  /** Set once ready. */
  resolution_tier?: string;
  width?: number;
  height?: number;
  /** Bits per second over the whole file. */
  bitrate?: number;
  /** Bytes, as a string (Mux's type). */
  filesize?: string;
  /** Made for the deprecated `mp4_support` (not reported: the asset's `mp4_support` says it). */
  fromMp4Support?: true;
}

/**
 * What the transcoder learned about one rendition. `cappedMp4`: it is the job's `capped-1080p`, written as
 * `resolution` (the file it applies to is the asset's capped MP4, whatever resolution it was recorded with).
 */
export type StaticRenditionOutcome = { cappedMp4?: true } & (
  | {
      resolution: StaticResolution;
      status: 'ready';
      width?: number;
      height?: number;
      /** Absent when the writer cannot tell (MediaConvert's events do not report sizes). */
      bitrate?: number;
      filesize?: number;
    }
  | { resolution: StaticResolution; status: 'skipped' | 'errored' }
);

/** Mux's file name of a resolution: `highest.mp4`, `audio.m4a`, `720p.mp4`. */
export function staticFileName(resolution: StaticResolution): string {
  if (resolution === 'audio-only') return 'audio.m4a';
  return `${resolution}.mp4`;
}

/** Mux's name for the MP4 that `mp4_support: capped-1080p` makes (Gamma's `highest.mp4` or `1080p.mp4`). */
export const CAPPED_1080P_FILE_NAME = 'capped-1080p.mp4';

/**
 * How a transcode job names the MP4 of `mp4_support: capped-1080p` (TranscodeJob `staticRenditions`, the task's
 * `STATIC_RENDITIONS`): its rung is chosen from the ladder the task plans (`cappedResolution`), which a new asset does
 * not know yet. Never a file's `resolution` (not one of Mux's), never accepted from a client.
 */
export const CAPPED_1080P = 'capped-1080p';

/** What a job asks the transcoder to write: a resolution, or the capped MP4 whose resolution the ladder decides. */
export type StaticRenditionKey = StaticResolution | typeof CAPPED_1080P;

export const isStaticRenditionKey = (value: string): value is StaticRenditionKey =>
  value === CAPPED_1080P || isStaticResolution(value);

/** The short side a rendition is named by (`1080p` → 1080); undefined for the audio-only rendition. */
const shortSideOf = (rendition: string): number | undefined => {
  const m = /^(\d+)p$/.exec(rendition);
  return m ? Number(m[1]) : undefined;
};

const CAPPED_SHORT_SIDE = 1080;

/**
 * Which of Gamma's files is Mux's `capped-1080p.mp4`, given the asset's renditions (lowest first: the names the plan
 * makes, or those a ready asset recorded). `highest` while the top rung is 1080p or less (always with the default
 * `max_resolution_tier`). Above it (`1440p`/`2160p` and a source that big) the highest rung at or below 1080p: the
 * ladder has every standard tier up to the source's, so that is the `1080p` rung, remuxed by stream copy like any
 * static rendition (no second encode at a capped size).
 */
export function cappedResolution(renditions: readonly string[]): StaticResolution {
  const top = renditions.at(-1);
  const topSide = top === undefined ? undefined : shortSideOf(top);
  if (topSide === undefined || topSide <= CAPPED_SHORT_SIDE) return 'highest';
  const capped = renditions.findLast((r) => (shortSideOf(r) ?? Number.POSITIVE_INFINITY) <= CAPPED_SHORT_SIDE);
  return capped !== undefined && isStaticResolution(capped) ? capped : '1080p';
}

/** The file a job's key stands for, against the asset's renditions (lowest first). */
export function resolveStaticRenditionKey(key: StaticRenditionKey, renditions: readonly string[]): StaticResolution {
  return key === CAPPED_1080P ? cappedResolution(renditions) : key;
}

/** Whether a file is the MP4 that `mp4_support: capped-1080p` made: it answers to `capped-1080p.mp4`. */
export const isCappedMp4 = (file: StaticRenditionFile): boolean =>
  file.fromMp4Support === true && file.resolution !== 'audio-only';

/** Every file name a static rendition can have (the playback paths that are downloads). */
export const STATIC_FILE_NAMES: ReadonlySet<string> = new Set([
  ...STATIC_RESOLUTIONS.map(staticFileName),
  CAPPED_1080P_FILE_NAME,
]);

/** The file a download path names: by its own name, or by Mux's `capped-1080p.mp4` when `mp4_support` made it. */
export function staticFileNamed(
  files: readonly StaticRenditionFile[] | undefined,
  name: string,
): StaticRenditionFile | undefined {
  return files?.find((f) => f.name === name || (name === CAPPED_1080P_FILE_NAME && isCappedMp4(f)));
}

/**
 * One requested file, `preparing`, its id derived from the asset's id and the resolution (one file each). The capped
 * MP4 `mp4_support` makes is derived from `capped-1080p` instead: its resolution may still change once the ladder is
 * known (a new asset's `1080p` that the transcoder makes `highest`), and its id must not be the one a later file of
 * the Static Renditions API derives from that resolution.
 */
export function newStaticRenditionFile(
  assetId: string,
  r: StaticRenditionRequest,
  fromMp4Support = false,
): StaticRenditionFile {
  const idOf = fromMp4Support && r.resolution !== 'audio-only' ? CAPPED_1080P : r.resolution;
  return {
    id: derivedId('static-rendition', `${assetId}:${idOf}`),
    type: 'standard',
    resolution: r.resolution,
    name: staticFileName(r.resolution),
    ext: r.resolution === 'audio-only' ? 'm4a' : 'mp4',
    status: 'preparing',
    ...(r.passthrough !== undefined && { passthrough: r.passthrough }),
    ...(fromMp4Support && { fromMp4Support: true as const }),
  };
}

/**
 * The `static_renditions` of a new asset: one `preparing` file per request of the Static Renditions API, or those
 * `mp4_support` stands for (`none` stands for none). The capped MP4 follows the `max_resolution_tier` the asset is
 * made with: by default its ladder cannot pass 1080p, so `highest` is capped. With `1440p`/`2160p` the ladder is not
 * known before the transcoder plans it: the file is recorded as `1080p`, the job names it `capped-1080p`
 * (`transcodeJobKey`), and `settleFiles` gives it the resolution the task chose (`highest` for a source of 1080p or
 * less).
 */
export function staticRenditionsFor(
  assetId: string,
  settings: {
    static_renditions?: readonly StaticRenditionRequest[];
    mp4_support?: Mp4Support;
    max_resolution_tier?: ResolutionTier;
  },
): { static_renditions?: StaticRenditionFile[] } {
  const legacy = settings.mp4_support === 'none' ? undefined : settings.mp4_support;
  const capped: StaticResolution = (settings.max_resolution_tier ?? '1080p') === '1080p' ? 'highest' : '1080p';
  const requests = legacy ? requestsForMp4Support(legacy, capped) : settings.static_renditions;
  if (!requests?.length) return {};
  return { static_renditions: requests.map((r) => newStaticRenditionFile(assetId, r, legacy !== undefined)) };
}

/** The asset's `mp4_support`: what its files made for it stand for (`none` when it has none). */
export function mp4SupportOf(files: readonly StaticRenditionFile[] = []): Mp4Support {
  const ofMp4Support = files.filter((f) => f.fromMp4Support);
  const parts = [
    ofMp4Support.some((f) => f.resolution === 'audio-only') && 'audio-only',
    ofMp4Support.some(isCappedMp4) && 'capped-1080p',
  ].filter(Boolean);
  return parts.length > 0 ? (parts.join(',') as Mp4Support) : 'none';
}

/**
 * The key a transcode job names a file by: its resolution, or `capped-1080p` for the capped MP4 of `mp4_support`,
 * whose rung the task picks from the ladder it plans.
 */
export function transcodeJobKey(file: StaticRenditionFile): StaticRenditionKey {
  return isCappedMp4(file) ? CAPPED_1080P : file.resolution;
}

/**
 * The one status Mux reports for the files `mp4_support` made (`static_renditions.status`), undefined when it made
 * none: preparing while one is (errored once the asset itself has failed: it will make none of them), errored when
 * one failed, otherwise ready. A file the asset cannot have is `skipped` and not counted: Mux makes only what the
 * asset has (only the MP4 of a video without audio), so a value none of whose files applies is ready with no files.
 */
export function mp4SupportStatus(
  files: readonly StaticRenditionFile[] = [],
  assetStatus?: string,
): 'preparing' | 'ready' | 'errored' | undefined {
  const ofMp4Support = files.filter((f) => f.fromMp4Support);
  if (ofMp4Support.length === 0) return undefined;
  if (ofMp4Support.some((f) => f.status === 'preparing')) return assetStatus === 'errored' ? 'errored' : 'preparing';
  return ofMp4Support.some((f) => f.status === 'errored') ? 'errored' : 'ready';
}

/**
 * The asset's `static_renditions` as Mux reports them: the Static Renditions API's files, each with its id, resolution
 * and status; and, when `mp4_support` made some, their one aggregate `status` and each made file by the name Mux
 * gives it (`capped-1080p.mp4`, `audio.m4a`) without the per-rendition fields (the SDK's `StaticRendition`: "Not set
 * for renditions created with the deprecated `mp4_support` option").
 */
export function toMuxStaticRenditions(files: readonly StaticRenditionFile[], assetStatus?: string) {
  const status = mp4SupportStatus(files, assetStatus);
  const made = files.filter((f) => f.fromMp4Support && f.status === 'ready').map(toMuxMp4SupportFile);
  const own = files.filter((f) => !f.fromMp4Support).map(toMuxStaticRenditionFile);
  return { ...(status && { status }), files: [...own, ...made] };
}

/** A file of the Static Renditions API as Mux reports it (in the asset and in its events): without Gamma's mark. */
export function toMuxStaticRenditionFile({ fromMp4Support: _internal, ...file }: StaticRenditionFile) {
  return file;
}

/**
 * A ready file of `mp4_support` as Mux lists it: its name, extension and what it measured; none of the Static
 * Renditions API's per-file fields (typed `never`, so a reader of `files[]` can tell the two apart by them).
 */
export interface MuxMp4SupportFile {
  name: string;
  ext: 'mp4' | 'm4a';
  width?: number;
  height?: number;
  bitrate?: number;
  filesize?: string;
  id?: never;
  status?: never;
  resolution?: never;
}

function toMuxMp4SupportFile(file: StaticRenditionFile): MuxMp4SupportFile {
  const { ext, width, height, bitrate, filesize } = file;
  return {
    name: isCappedMp4(file) ? CAPPED_1080P_FILE_NAME : file.name,
    ext,
    ...(width !== undefined && { width }),
    ...(height !== undefined && { height }),
    ...(bitrate !== undefined && { bitrate }),
    ...(filesize !== undefined && { filesize }),
  };
}

/**
 * Mux's deprecated `mp4_support` as static renditions: `capped-1080p` is an MP4 of at most 1080p — the file of the
 * resolution `cappedResolution` picks, `highest` unless the ladder goes above 1080p — and `audio-only` the M4A.
 * `standard` (deprecated by Mux in 2024) is not offered.
 */
export const MP4_SUPPORT_VALUES = ['none', 'capped-1080p', 'audio-only', 'audio-only,capped-1080p'] as const;
export type Mp4Support = (typeof MP4_SUPPORT_VALUES)[number];

/** The files a value stands for; `capped` is the resolution of its capped MP4 (`cappedResolution`). */
export function requestsForMp4Support(value: Mp4Support, capped: StaticResolution): StaticRenditionRequest[] {
  const out: StaticRenditionRequest[] = [];
  if (value.includes('capped-1080p')) out.push({ resolution: capped });
  if (value.includes('audio-only')) out.push({ resolution: 'audio-only' });
  return out;
}

/**
 * Where a static rendition comes from: the stored HLS rendition (its folder name) whose segments are remuxed, and
 * which streams are kept; undefined when the asset cannot have it (Mux's `skipped`: no video for `highest`, no audio
 * for `audio-only`, no rung of that size).
 */
export function staticRenditionSource(
  resolution: StaticResolution,
  plan: LadderPlan,
): { rendition: string; streams: 'video+audio' | 'audio'; rung?: VideoRung } | undefined {
  const rungs = plan.video?.rungs ?? [];
  if (resolution === 'audio-only') {
    if (!plan.audio) return undefined;
    // Every rung carries the same audio: the smallest one is the least to read.
    const lowest = rungs[0];
    return { rendition: lowest?.name ?? AUDIO_ONLY_RENDITION, streams: 'audio' };
  }
  const rung = resolution === 'highest' ? rungs.at(-1) : rungs.find((r) => r.name === resolution);
  return rung && { rendition: rung.name, streams: 'video+audio', rung };
}

/**
 * The same choice for an asset that is already ready, from what it recorded (its renditions and tracks) rather than
 * the plan: a file added after creation is remuxed from the rung stored then. Undefined: Mux's `skipped`.
 */
export function storedRenditionSource(
  resolution: StaticResolution,
  asset: { renditions?: string[]; tracks?: { type: string }[] },
): { rendition: string; streams: 'video+audio' | 'audio' } | undefined {
  const renditions = asset.renditions ?? [];
  const has = (type: string) => (asset.tracks ?? []).some((t) => t.type === type);
  if (resolution === 'audio-only') {
    const lowest = renditions[0];
    return has('audio') && lowest ? { rendition: lowest, streams: 'audio' } : undefined;
  }
  if (!has('video')) return undefined;
  const rendition = resolution === 'highest' ? renditions.at(-1) : renditions.find((r) => r === resolution);
  return rendition ? { rendition, streams: 'video+audio' } : undefined;
}

/**
 * The stored files with the transcoder's outcomes applied (matched by resolution; others are left as they are). The
 * outcome of a job's `capped-1080p` applies to the capped MP4 and gives it the resolution the ladder settled (a new
 * asset's `1080p` becomes `highest` when its source stops at 1080p). No other file can share it: an asset has the
 * files of `mp4_support` or of the Static Renditions API, never both (usecases/asset-files.ts).
 */
export function settleFiles(
  files: readonly StaticRenditionFile[],
  outcomes: readonly StaticRenditionOutcome[],
): StaticRenditionFile[] {
  return files.map((file) => {
    const outcome = outcomes.find((o) => (o.cappedMp4 ? isCappedMp4(file) : o.resolution === file.resolution));
    if (!outcome) return file;
    const moved =
      outcome.resolution === file.resolution
        ? file
        : { ...file, resolution: outcome.resolution, name: staticFileName(outcome.resolution) };
    return withOutcome(moved, outcome);
  });
}

function withOutcome(file: StaticRenditionFile, outcome: StaticRenditionOutcome): StaticRenditionFile {
  if (outcome.status !== 'ready') return { ...file, status: outcome.status };
  const tier =
    outcome.width && outcome.height ? resolutionTier(outcome.width, outcome.height) : ('audio-only' as const);
  return {
    ...file,
    status: 'ready',
    ...(tier && { resolution_tier: tier }),
    ...(outcome.width !== undefined && { width: outcome.width }),
    ...(outcome.height !== undefined && { height: outcome.height }),
    ...(outcome.bitrate !== undefined && { bitrate: outcome.bitrate }),
    ...(outcome.filesize !== undefined && { filesize: String(outcome.filesize) }),
  };
}

/** Why an asset with mp4_support's files takes none of the Static Renditions API's, and the other way round. */
export const ONE_KIND_OF_FILES = {
  mp4Support:
    'mp4_support: the asset has static renditions made with the Static Renditions API, and Mux does not let an ' +
    'asset have both: keep adding files there, or delete them first',
  staticRenditions:
    'resolution: the asset has MP4s made by mp4_support, and Mux does not let an asset have both: set ' +
    'mp4_support to none first (PUT …/mp4-support), or keep using it',
} as const;

/**
 * The stored files with `files` added: ValidationError for files of the other kind than the asset's
 * (`ONE_KIND_OF_FILES`, first: it says what to do), AlreadyExistsError for a resolution the asset has. Applied inside the list's versioned rewrite, so two
 * requests racing cannot leave either.
 */
export function withAddedFiles(
  stored: readonly StaticRenditionFile[],
  files: readonly StaticRenditionFile[],
): StaticRenditionFile[] {
  const otherKind = files.find((f) => stored.some((s) => !s.fromMp4Support !== !f.fromMp4Support));
  if (otherKind) {
    throw new ValidationError([
      otherKind.fromMp4Support ? ONE_KIND_OF_FILES.mp4Support : ONE_KIND_OF_FILES.staticRenditions,
    ]);
  }
  const taken = files.find((f) => stored.some((s) => s.resolution === f.resolution));
  if (taken) throw new AlreadyExistsError('static rendition', taken.resolution);
  return [...stored, ...files];
}

/**
 * The stored files without `fileIds`. With `settledOnly` (a client's delete) a file still `preparing` is refused:
 * its task is running, and a delete that let a new request for the same resolution start another task would let
 * create/delete in a loop run any number of tasks on one asset. The transcoder's own undo passes false.
 */
export function withoutFiles(
  files: readonly StaticRenditionFile[],
  fileIds: readonly string[],
  settledOnly: boolean,
): StaticRenditionFile[] {
  const busy = settledOnly && files.find((f) => fileIds.includes(f.id) && f.status === 'preparing');
  if (busy) {
    throw new ValidationError([
      `static rendition: ${busy.name} is still being prepared; delete it once it is ready or errored`,
    ]);
  }
  return files.filter((f) => !fileIds.includes(f.id));
}

/** `/{playbackId}/{name}` for a static rendition's name, e.g. `/abc123/highest.mp4`. */
export function staticRenditionFromPath(path: string): { playbackId: string; name: string } | undefined {
  const m = /^\/([A-Za-z0-9]+)\/([A-Za-z0-9-]+\.(?:mp4|m4a))$/.exec(path);
  if (!m?.[1] || !m[2] || !STATIC_FILE_NAMES.has(m[2])) return undefined;
  return { playbackId: m[1], name: m[2] };
}
