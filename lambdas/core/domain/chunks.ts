/**
 * Chunk-parallel encoding plan: a long source is cut into chunks on segment boundaries, so each chunk can be
 * encoded by its own worker and its segments written under their final names. Pure: no SDK, no I/O.
 */
import type { LadderPlan, SourceProbe } from './ladder.js';

export interface Chunk {
  index: number;
  /** Source time the chunk starts at, seconds (a multiple of the segment duration). */
  startSeconds: number;
  /** Seconds of source the chunk covers; the last chunk runs to the end of the source. */
  durationSeconds: number;
  /** Index of the chunk's first segment in every rendition (its segments are numbered from here). */
  firstSegment: number;
  segmentCount: number;
}

export interface ChunkOptions {
  segmentSeconds: number;
  /** Workers available: the plan has at most this many chunks. */
  workers: number;
  /** Chunks shorter than this are not worth a worker's start-up. @default 12 */
  minChunkSeconds?: number;
  /**
   * Segments of the first chunk, when it is to be short (queue workers: the first segments of every rung exist within
   * seconds, while the other chunks share the rest). @default as long as the others
   */
  firstChunkSegments?: number;
}

/** Segments of a source, the last one possibly short. */
export const segmentCount = (durationSeconds: number, segmentSeconds: number) =>
  Math.max(1, Math.ceil(durationSeconds / segmentSeconds - 1e-6));

/**
 * Splits a source into at most `workers` chunks of whole segments, as even as whole segments allow (earlier chunks
 * take the extra segment) and none shorter than `minChunkSeconds` unless the source itself is.
 */
export function planChunks(durationSeconds: number, options: ChunkOptions): Chunk[] {
  const { segmentSeconds } = options;
  if (!(durationSeconds > 0) || !(segmentSeconds > 0)) throw new Error('Duration and segment length must be positive');
  const segments = segmentCount(durationSeconds, segmentSeconds);
  const minSegments = Math.max(1, Math.ceil((options.minChunkSeconds ?? 12) / segmentSeconds));
  const first = options.firstChunkSegments;
  if (first !== undefined && !(Number.isInteger(first) && first >= 1))
    throw new Error('firstChunkSegments must be ≥ 1');
  // A short first chunk: the rest of the source is shared by the other workers, each chunk at least minSegments.
  const rest = first === undefined ? 0 : segments - first;
  const later = first === undefined ? 0 : Math.min(Math.floor(options.workers) - 1, Math.floor(rest / minSegments));
  const count =
    first === undefined
      ? Math.max(1, Math.min(Math.floor(options.workers), Math.floor(segments / minSegments)))
      : 1 + Math.max(0, later);
  const sizes = Array.from({ length: count }, (_, index) => {
    if (first === undefined) return Math.floor(segments / count) + (index < segments % count ? 1 : 0);
    if (count === 1) return segments;
    const i = index - 1;
    return index === 0 ? first : Math.floor(rest / later) + (i < rest % later ? 1 : 0);
  });
  const chunks: Chunk[] = [];
  let firstSegment = 0;
  for (let index = 0; index < count; index++) {
    const segmentsHere = sizes[index] ?? 0;
    const startSeconds = firstSegment * segmentSeconds;
    const end = index === count - 1 ? durationSeconds : (firstSegment + segmentsHere) * segmentSeconds;
    chunks.push({ index, startSeconds, durationSeconds: end - startSeconds, firstSegment, segmentCount: segmentsHere });
    firstSegment += segmentsHere;
  }
  return chunks;
}

/**
 * How a long source is encoded: `process`, one ffmpeg in one task (no chunks, the local default); `tasks`, one task
 * per chunk, started by RunTask and coordinated through the asset's item (ChunkLedger); `queue`, jobs on a work queue
 * taken by running workers (a queue-driven service with a warm minimum), a short first chunk, later chunks sized to
 * the workers. Chunks as child processes of one task were measured and removed (README, Decisions).
 */
export type ChunkWorkers = 'process' | 'tasks' | 'queue';
export const CHUNK_WORKER_KINDS: readonly ChunkWorkers[] = ['process', 'tasks', 'queue'];
export const isChunkWorkers = (value: string): value is ChunkWorkers =>
  (CHUNK_WORKER_KINDS as readonly string[]).includes(value);

/**
 * Chunk tasks on AWS (FargateTranscoder `chunkWorkers: 'tasks'`): at most 16 tasks per asset, and no chunk shorter
 * than a minute, as a Fargate task takes about 30 s to start.
 */
export const CHUNK_TASK_DEFAULTS = { tasks: 16, minChunkSeconds: 60 } as const;

/**
 * Queue workers (the default on AWS): they are already running, so a chunk is worth a worker down to two segments;
 * the first chunk is one segment, so the first segments of every rung exist within seconds.
 */
export const QUEUE_WORKER_DEFAULTS = { maxWorkers: 32, minChunkSeconds: 12, firstChunkSegments: 1 } as const;

/** The chunk the first task encodes itself (it also plans, cuts the audio and the images). */
export const FIRST_CHUNK = 0;

/**
 * A chunked transcode as the first task records it on the asset, so every chunk task (and a retry of any of them)
 * encodes the same ladder on the same cut. Stored once, by a guarded write.
 */
export interface ChunkPlanRecord {
  chunks: Chunk[];
  ladder: LadderPlan;
  source: SourceProbe;
  /**
   * Added to every output timestamp, in every chunk: larger than any encoder's reorder delay, so no chunk's first
   * decode timestamp is negative and none is shifted on its own — the chunks' timelines meet without a gap.
   */
  timeOffsetSeconds: number;
}

/** Where a chunked transcode stands: the plan, the chunks done, the task of each chunk and its attempts. */
export interface ChunkState {
  plan: ChunkPlanRecord;
  done: number[];
  jobs: Record<number, string>;
  attempts: Record<number, number>;
}

/**
 * The constant time offset of a chunked transcode: at least a second and at least four frames (x264's reorder
 * delay is at most three with the encoder settings used), rounded up to a whole frame.
 */
export function chunkTimeOffset(fps: number): number {
  const frames = Math.max(4, Math.ceil(fps));
  return frames / fps;
}

/** Work files of a chunked transcode, beside its output (removed by the task that finishes it). */
export const CHUNK_WORK_DIR = '.chunks';
export const chunkAudioFile = (index: number) => `${CHUNK_WORK_DIR}/audio_${String(index).padStart(4, '0')}.nut`;
export const chunkManifestFile = (index: number) => `${CHUNK_WORK_DIR}/${String(index).padStart(4, '0')}.json`;

/** What one chunk task wrote, per rendition: its segments (final names) with their durations and sizes. */
export interface ChunkManifest {
  index: number;
  renditions: Record<string, { targetDuration: number; map?: string; segments: ManifestSegment[] }>;
}
export interface ManifestSegment {
  uri: string;
  duration: number;
  bytes: number;
}

/**
 * A rendition's VOD playlist from the chunks' manifests, in chunk order: the one ffmpeg writes for the whole source
 * (same header, segment names and durations), as the single-task path publishes it.
 */
export function joinedPlaylist(parts: readonly ChunkManifest['renditions'][string][], hlsVersion: number): string {
  const map = parts.find((p) => p.map)?.map;
  const target = Math.max(1, ...parts.map((p) => p.targetDuration));
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${hlsVersion}`,
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...(map ? [`#EXT-X-MAP:URI="${map}"`] : []),
  ];
  for (const part of parts) {
    for (const s of part.segments) lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/**
 * Checks that the manifests cover the plan: one per chunk, each with exactly its segments in every rendition (the
 * last chunk at least one: the source's end decides its count). Throws naming the first chunk that does not, so a
 * finisher never publishes a playlist with a hole.
 */
export function checkManifests(
  plan: ChunkPlanRecord,
  manifests: readonly ChunkManifest[],
  renditions: readonly string[],
): void {
  const last = plan.chunks.length - 1;
  for (const chunk of plan.chunks) {
    const manifest = manifests.find((m) => m.index === chunk.index);
    if (!manifest) throw new Error(`Chunk ${chunk.index} has no manifest`);
    for (const name of renditions) {
      const count = manifest.renditions[name]?.segments.length ?? 0;
      if (chunk.index === last ? count < 1 : count !== chunk.segmentCount) {
        throw new Error(`Chunk ${chunk.index} wrote ${count} ${name} segments, planned ${chunk.segmentCount}`);
      }
    }
  }
}
