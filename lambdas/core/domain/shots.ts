/**
 * Shots (Mux's `/video/v1/assets/{ASSET_ID}/shots`): the cuts of a ready asset found by ffmpeg's scene-change score
 * on its smallest stored rung, each with a still of its first frame. The state on the asset, its Mux shape, the
 * manifest's shape, where the files live, and the reading of ffmpeg's `showinfo` lines. Pure.
 */

/** Mux's statuses of shot detection; `deleted` once DELETE removed them. */
export const SHOTS_STATUSES = ['pending', 'completed', 'errored', 'deleted'] as const;
export type ShotsStatus = (typeof SHOTS_STATUSES)[number];

/** A new request may start only from these: not while one is pending, not over completed shots (delete first). */
export const SHOTS_RESTARTABLE: readonly ShotsStatus[] = ['errored', 'deleted'];

export const SHOTS_LIMITS = {
  /**
   * The scene-change score (0–1, ffmpeg's `scene`) above which a frame starts a shot. 0.3 finds hard cuts and
   * leaves camera motion and fades alone on typical footage.
   */
  sceneThreshold: 0.3,
  /** Shots recorded at most: a strobe or noise source would otherwise make one per frame. */
  maxShots: 1000,
  /** How long a shots manifest URL (and its images' URLs) stay valid. */
  urlSeconds: 3600,
} as const;

/** One shot: where it starts (seconds on the asset's timeline) and its still, relative to the asset's folder. */
export interface Shot {
  start_time: number;
  image: string;
}

/** The shot detection state kept on the asset item (`shots`). */
export interface ShotsRecord {
  status: ShotsStatus;
  /** Unix seconds of the request. */
  created_at: number;
  shots?: Shot[];
  errors?: { type: string; messages: string[] };
}

/** The folder of the stills and the manifest, relative to the asset's folder. */
export const SHOTS_FOLDER = 'shots';
export const shotImage = (index: number) => `${SHOTS_FOLDER}/${String(index).padStart(4, '0')}.jpg`;
export const SHOTS_MANIFEST = `${SHOTS_FOLDER}/shots.json`;

/** Mux's AssetShots: the status, its errors when errored, and the manifest's URL when completed. */
export function toMuxShots(record: ShotsRecord, manifestUrl?: string) {
  return {
    status: record.status,
    created_at: String(record.created_at),
    ...(record.status === 'errored' && record.errors && { errors: record.errors }),
    ...(record.status === 'completed' && manifestUrl && { shots_manifest_url: manifestUrl }),
  };
}

/** The manifest a `shots_manifest_url` serves: each shot's start and the URL of its still, in order. */
export function shotsManifest(shots: readonly Shot[], imageUrl: (image: string) => string) {
  return { shots: shots.map((s) => ({ startTime: s.start_time, imageUrl: imageUrl(s.image) })) };
}

/**
 * The shots ffmpeg's `showinfo` reported for the frames `select` let through, in order: the first frame (the first
 * shot) and each scene cut. Lines that are not a frame's (stream headers, side data) are skipped; at most `max`.
 */
export function shotsFromShowinfo(log: string, max: number = SHOTS_LIMITS.maxShots): Shot[] {
  const starts: number[] = [];
  for (const line of log.split('\n')) {
    const match = /Parsed_showinfo.*\bn:\s*(\d+)\b.*\bpts_time:\s*(-?[\d.]+)/.exec(line);
    if (!match) continue;
    const time = Math.max(0, Number(match[2]));
    if (starts.length >= max) break;
    starts.push(Math.round(time * 1000) / 1000);
  }
  return starts.map((start_time, i) => ({ start_time, image: shotImage(i) }));
}
