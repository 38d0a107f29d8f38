/**
 * The asset item's storage-only attributes and the named conditions its writes are guarded by. The record fields
 * are mapped in media-items.ts; DynamoAssetRepository (dynamo-assets.ts) is the only writer of the item.
 *
 *   job_id                        the current transcode job
 *   dispatch_claimed_until        the dispatch claim that precedes it, held until its holder's invocation has ended
 *   attempts                      transcodes started (absent = 1, the first dispatch)
 *   chunk_plan                    the plan of a chunked transcode (a map, written once)
 *   chunks_done                   the chunks finished (a number set)
 *   chunk_jobs, chunk_attempts    each chunk's current task and its attempts (maps keyed by the chunk index)
 *   text_tracks                   (a record field) the text tracks, a map keyed by track id, each written alone
 *   audio_tracks, shots           (record fields) alternate audio tracks and shot detection (dynamo-asset-work.ts)
 */
import type { ChunkPlanRecord, ChunkState } from '../domain/chunks.js';
import type { PreparingAsset } from '../ports.js';
import { MEDIA_TABLE } from '../tables.js';
import type { Expr } from './dynamo-expressions.js';
import { assetFromItem } from './media-items.js';

type Item = Record<string, unknown>;

const status = { '#status': 'status' };
const statusIs = (value: string): Expr => ({
  text: `#status = :${value}`,
  names: status,
  values: { [`:${value}`]: value },
});
const chunk = (index: number) => ({ '#i': String(index) });
const textTrack = (trackId: string) => ({ '#track': trackId });
/** The item's maps of tracks, each keyed by track id. */
type TrackMap = 'text_tracks' | 'audio_tracks';

/** Conditions by what they guard; combine them with `and`. */
export const when = {
  hasTextTracks: { text: 'attribute_exists(text_tracks)' },
  textTrackAbsent: (trackId: string): Expr => when.trackAbsent(trackId, 'text_tracks'),
  textTrackExists: (trackId: string): Expr => when.trackExists(trackId, 'text_tracks'),
  /** The track is in one of `from` (a guarded transition of the track, text-tracks-asset.ts). */
  textTrackIn: (trackId: string, from: readonly string[]): Expr => when.trackIn(trackId, from, 'text_tracks'),
  /** A map of tracks (`text_tracks`, `audio_tracks`) not yet on the item. */
  mapAbsent: (map: TrackMap): Expr => ({ text: `attribute_not_exists(${map})` }),
  trackAbsent: (trackId: string, map: TrackMap): Expr => ({
    text: `attribute_not_exists(${map}.#track)`,
    names: textTrack(trackId),
  }),
  trackExists: (trackId: string, map: TrackMap): Expr => ({
    text: `attribute_exists(${map}.#track)`,
    names: textTrack(trackId),
  }),
  /** The track of `map` is in one of `from` (a guarded transition of the track). */
  trackIn: (trackId: string, from: readonly string[], map: TrackMap): Expr => {
    const values = Object.fromEntries(from.map((value, i) => [`:trackFrom${i}`, value]));
    return {
      text: `${map}.#track.#status IN (${Object.keys(values).join(', ')})`,
      names: { ...textTrack(trackId), ...status },
      values,
    };
  },
  exists: { text: 'attribute_exists(#pk)', names: { '#pk': MEDIA_TABLE.partitionKey } },
  absent: { text: 'attribute_not_exists(#pk)', names: { '#pk': MEDIA_TABLE.partitionKey } },
  preparing: statusIs('preparing'),
  ready: statusIs('ready'),
  notDeleted: { text: '#status <> :deleted', names: status, values: { ':deleted': 'deleted' } },
  /** No job recorded: between a claim and the runner accepting the job, or never dispatched. */
  noJob: { text: 'attribute_not_exists(job_id)' },
  jobIs: (jobId: string): Expr => ({ text: 'job_id = :failed', values: { ':failed': jobId } }),
  /** Nobody holds the dispatch claim, or its holder's time ran out before `now` (it died before starting the job). */
  claimFree: (now: number): Expr => ({
    text: '(attribute_not_exists(dispatch_claimed_until) OR dispatch_claimed_until < :now)',
    values: { ':now': now },
  }),
  /** The attempts counter still reads as it did (absent while on the first attempt). */
  attemptsAre: (stored: number | undefined): Expr =>
    stored === undefined
      ? { text: 'attribute_not_exists(attempts)' }
      : { text: 'attempts = :current', values: { ':current': stored } },
  noChunkPlan: { text: 'attribute_not_exists(chunk_plan)' },
  hasChunkPlan: { text: 'attribute_exists(chunk_plan)' },
  chunkNotDone: (index: number): Expr => ({
    text: '(attribute_not_exists(chunks_done) OR NOT contains(chunks_done, :i))',
    values: { ':i': index },
  }),
  chunkJobIs: (index: number, jobId: string): Expr => ({
    text: 'chunk_jobs.#i = :failed',
    names: chunk(index),
    values: { ':failed': jobId },
  }),
  chunkAttemptsAre: (index: number, stored: number | undefined): Expr =>
    stored === undefined
      ? { text: 'attribute_not_exists(chunk_attempts.#i)', names: chunk(index) }
      : { text: 'chunk_attempts.#i = :current', names: chunk(index), values: { ':current': stored } },
  /** The playback id at `index` of the list is still `id` (the list may have changed since it was read). */
  playbackIdAt: (index: number, id: string): Expr => ({
    text: `playback_ids[${index}].id = :id`,
    values: { ':id': id },
  }),
} as const;

export const storedAttempts = (item: Item | undefined) => (typeof item?.attempts === 'number' ? item.attempts : 1);

export function preparingFromItem(item: Item): PreparingAsset {
  return {
    asset: assetFromItem(item),
    attempts: storedAttempts(item),
    ...(typeof item.job_id === 'string' && { jobId: item.job_id }),
    ...(typeof item.dispatch_claimed_until === 'number' && { claimedUntil: item.dispatch_claimed_until }),
  };
}

export function chunkStateFromItem(item: Item | undefined): ChunkState | undefined {
  if (!item?.chunk_plan) return undefined;
  return {
    plan: item.chunk_plan as ChunkPlanRecord,
    done: [...((item.chunks_done as Set<number> | undefined) ?? [])].map(Number).sort((a, b) => a - b),
    jobs: numberKeyed(item.chunk_jobs as Record<string, string> | undefined),
    attempts: numberKeyed(item.chunk_attempts as Record<string, number> | undefined),
  };
}

function numberKeyed<T>(map: Record<string, T> | undefined): Record<number, T> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [Number(k), v]));
}
