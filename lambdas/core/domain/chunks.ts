/**
 * Chunk-parallel encoding plan: a long source is cut into chunks on segment boundaries, so each chunk can be
 * encoded by its own worker and its segments written under their final names. Pure: no SDK, no I/O.
 */

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
  const count = Math.max(1, Math.min(Math.floor(options.workers), Math.floor(segments / minSegments)));
  const chunks: Chunk[] = [];
  let firstSegment = 0;
  for (let index = 0; index < count; index++) {
    const segmentsHere = Math.floor(segments / count) + (index < segments % count ? 1 : 0);
    const startSeconds = firstSegment * segmentSeconds;
    const end = index === count - 1 ? durationSeconds : (firstSegment + segmentsHere) * segmentSeconds;
    chunks.push({ index, startSeconds, durationSeconds: end - startSeconds, firstSegment, segmentCount: segmentsHere });
    firstSegment += segmentsHere;
  }
  return chunks;
}
