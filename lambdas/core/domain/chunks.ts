/**
 * Chunk-parallel encoding plan: a long source is cut into chunks on segment boundaries, so each chunk can be
 * encoded by its own worker and its segments written under their final names. Pure: no SDK, no I/O.
 */
import { type LadderPlan, type SegmentGrid, type SourceProbe, segmentCount, segmentStartSeconds } from './ladder.js';

export interface Chunk {
  index: number;
  /** Source time the chunk starts at, seconds (a segment start: domain/ladder.ts `segmentStartSeconds`). */
  startSeconds: number;
  /** Seconds of source the chunk covers; the last chunk runs to the end of the source. */
  durationSeconds: number;
  /** Index of the chunk's first segment in every rendition (its segments are numbered from here). */
  firstSegment: number;
  segmentCount: number;
}

export interface ChunkOptions extends SegmentGrid {
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

/**
 * Splits a source into at most `workers` chunks of whole segments, as even as whole segments allow (earlier chunks
 * take the extra segment) and none shorter than `minChunkSeconds` unless the source itself is.
 */
export function planChunks(durationSeconds: number, options: ChunkOptions): Chunk[] {
  const { segmentSeconds } = options;
  if (!(durationSeconds > 0) || !(segmentSeconds > 0)) throw new Error('Duration and segment length must be positive');
  const segments = segmentCount(durationSeconds, options);
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
  let next = 0;
  const starts = sizes.map((size) => {
    const start = next;
    next += size;
    return start;
  });
  return chunksFrom(starts, options, durationSeconds);
}

/**
 * The chunks that start at the segments `firstSegments` (ascending, the first 0): each runs to the next one's start,
 * the last to the source's end.
 */
export function chunksFrom(firstSegments: readonly number[], grid: SegmentGrid, durationSeconds: number): Chunk[] {
  const segments = segmentCount(durationSeconds, grid);
  return firstSegments.map((firstSegment, index) => {
    const endSegment = firstSegments[index + 1] ?? segments;
    const startSeconds = segmentStartSeconds(grid, firstSegment);
    const end = index === firstSegments.length - 1 ? durationSeconds : segmentStartSeconds(grid, endSegment);
    return {
      index,
      startSeconds,
      durationSeconds: end - startSeconds,
      firstSegment,
      segmentCount: endSegment - firstSegment,
    };
  });
}

/**
 * How the keyframes are looked up (transcoder probe.ts `keyframesBefore`): one ffprobe per `timesPerProcess` times,
 * at most `processes` at once (each re-reads the headers), each seek one ranged read; for the first `maxBoundaries`
 * boundaries only, so the lookup takes about as long as the decode check beside it whatever the source's length
 * (the plan is recorded, and chunk 0 published, once both are done). Later boundaries stay where they are planned.
 */
export const KEYFRAME_LOOKUP = { timesPerProcess: 12, processes: 8, maxBoundaries: 32 } as const;

/** The ffprobe processes looking up `times` keyframes, and the most times one of them seeks to. */
export function keyframeLookupShape(times: number): { processes: number; timesEach: number } {
  if (times === 0) return { processes: 0, timesEach: 0 };
  const timesEach = Math.max(KEYFRAME_LOOKUP.timesPerProcess, Math.ceil(times / KEYFRAME_LOOKUP.processes));
  return { processes: Math.ceil(times / timesEach), timesEach };
}

/** A boundary moves only for at least this much less decode: about 0.5 CPU-s of 1080p here (README, How fast). */
export const MIN_SEEK_SAVING_SECONDS = 1;

/**
 * The source times whose keyframes `alignToKeyframes` weighs: each boundary after chunk 1's start (the first
 * `KEYFRAME_LOOKUP.maxBoundaries`), a segment either side of it, and itself (those after chunk 1's start and before
 * the last segment's start).
 */
export function keyframeProbeTimes(chunks: readonly Chunk[], grid: SegmentGrid, durationSeconds: number): number[] {
  const segments = segmentCount(durationSeconds, grid);
  const floor = chunks[1]?.firstSegment ?? segments;
  const boundaries = chunks.slice(2, 2 + KEYFRAME_LOOKUP.maxBoundaries);
  const indices = boundaries.flatMap((c) => [c.firstSegment - 1, c.firstSegment, c.firstSegment + 1]);
  return [...new Set(indices.filter((i) => i > floor && i < segments))]
    .sort((a, b) => a - b)
    .map((i) => segmentStartSeconds(grid, i));
}

/**
 * Moves the boundaries between chunks to where the source's keyframes make their seeks cheap. A chunk seeks to its
 * start, which ffmpeg can only do from the keyframe at or before it: every frame from there is decoded and thrown
 * away, up to a whole GOP (x264's default is 250 frames, 8.3 s at 30 fps; phones write 1–2 s), each second about
 * 0.5 CPU-s of 1080p here. Each boundary after chunk 1's start may move one segment either way, to the candidate whose
 * keyframe is nearest before it, when that saves at least `MIN_SEEK_SAVING_SECONDS`; chunk 0 and chunk 1's start
 * stay (chunk 0 encodes while the keyframes are looked up), every chunk keeps at least one segment, and a chunk grows
 * by at most two segments and never past `maxChunkSeconds` (the transcode function's `handoffAfter`).
 * `keyframeBefore(t)` is the last keyframe at or before source time t, undefined when unknown (a boundary whose own
 * keyframe is unknown stays).
 */
export function alignToKeyframes(
  chunks: readonly Chunk[],
  grid: SegmentGrid,
  durationSeconds: number,
  keyframeBefore: (seconds: number) => number | undefined,
  maxChunkSeconds = Number.POSITIVE_INFINITY,
): Chunk[] {
  const segments = segmentCount(durationSeconds, grid);
  const starts = chunks.map((c) => c.firstSegment);
  const at = (segment: number) => (segment >= segments ? durationSeconds : segmentStartSeconds(grid, segment));
  const waste = (segment: number) => {
    const at = segmentStartSeconds(grid, segment);
    const keyframe = keyframeBefore(at);
    return keyframe === undefined || keyframe > at + 1e-6 ? undefined : at - keyframe;
  };
  for (let j = 2; j < starts.length; j++) {
    const own = starts[j] as number;
    const stays = waste(own);
    if (stays === undefined) continue;
    const previous = starts[j - 1] as number;
    const next = starts[j + 1] ?? segments;
    let best = { segment: own, waste: stays };
    for (const segment of [own - 1, own + 1]) {
      if (segment <= previous || segment >= next) continue;
      if (Math.max(at(segment) - at(previous), at(next) - at(segment)) > maxChunkSeconds + 1e-6) continue;
      const w = waste(segment);
      if (w !== undefined && w < best.waste) best = { segment, waste: w };
    }
    if (stays - best.waste >= MIN_SEEK_SAVING_SECONDS) starts[j] = best.segment;
  }
  return chunksFrom(starts, grid, durationSeconds);
}

/**
 * The chunks that keep every one within `maxChunkSeconds` (a runtime's limit, the transcode function's): whole
 * segments spread over all but a short first chunk are at most one segment over an even share, so an even share of a
 * segment less than the limit does. The plan takes at least this many chunks, more where there are more workers.
 */
export function chunksWithin(durationSeconds: number, segmentSeconds: number, maxChunkSeconds: number): number {
  return Math.ceil(durationSeconds / (maxChunkSeconds - segmentSeconds)) + 1;
}

/**
 * Containers ffmpeg seeks in by guessing a byte offset from the bit rate (MPEG transport and program streams, which
 * carry no index): with keyframes far apart its seek there can land past the chunk's start, losing frames, so such a
 * source is encoded in a single pass. Every indexed container (MP4, QuickTime, Matroska, WebM…) is chunked.
 */
const UNINDEXED_CONTAINERS = ['mpegts', 'mpeg'];

/**
 * How much earlier than asked ffmpeg's `-ss` seeks in `source`: in a container that cannot seek by presentation time
 * (all but MP4/QuickTime here: Matroska, WebM…) it seeks 3/23 s early when a stream has B-frames (fftools). The
 * keyframe lookup asks that much earlier too, so it finds the keyframe the chunk's seek will land on; where there
 * are no B-frames it is only cautious.
 */
export function seekLeadSeconds(source: Pick<SourceProbe, 'file'>): number {
  const names = source.file?.container_format.split(',') ?? [];
  return names.includes('mov') || names.includes('mp4') ? 0 : 3 / 23;
}

/**
 * Whether the video runs (within a segment) to the end of the part of `source` to encode: the chunks can only join
 * into the planned segments where every chunk has video to encode, so a video track that ends well before the
 * audio is encoded in one pass. Unknown track lengths count as whole.
 */
export function videoRunsToEnd(
  source: Pick<SourceProbe, 'file' | 'durationSeconds'>,
  grid: SegmentGrid,
  fromSeconds = 0,
): boolean {
  const video = source.file?.tracks.find((t) => t.type === 'video')?.duration;
  return video === undefined || video >= fromSeconds + source.durationSeconds - grid.segmentSeconds;
}

/** Whether chunks can read their part of `source` by seeking (`UNINDEXED_CONTAINERS`). */
export function seeksByIndex(source: Pick<SourceProbe, 'file'>): boolean {
  const names = source.file?.container_format.split(',') ?? [];
  return !names.some((name) => UNINDEXED_CONTAINERS.includes(name));
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

/**
 * The transcode function (queue jobs on Lambda, the default on AWS): chunk jobs at once at most, which the chunk plan
 * follows (a chunk per sandbox); the uploads' first jobs (and work on ready assets) at once at most, on an event
 * source of their own so a long source's chunks never hold every sandbox a new upload needs; and the most source one
 * job takes on. Every sandbox a source opens starts cold and Lambda bills the start, so more chunk sandboxes make a
 * source ready sooner for more: in the model on the bench run of 2026-12-06, a 10-minute source on 16 is ready in
 * 25 s for 0.091× MediaConvert's basic price, on 32 in 20 s for 0.113× (README, How fast). `-c maxConcurrency` and
 * `-c uploadConcurrency` set them.
 */
export const FUNCTION_DEFAULTS = { maxConcurrency: 16, uploadConcurrency: 16, handoffAfterSeconds: 600 } as const;

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
export const chunkManifestFile = (index: number) => `${CHUNK_WORK_DIR}/${String(index).padStart(4, '0')}.json`;

/**
 * What one chunk task wrote, per rendition: its segments (final names) with their durations and sizes; and the
 * images it cut from its own decode: its stills (numbered on the whole source's grid) and its preview frames.
 */
export interface ChunkManifest {
  index: number;
  renditions: Record<string, { targetDuration: number; map?: string; segments: ManifestSegment[] }>;
  /** Stills written (files `thumbnails/<first…>.jpg`); absent for a chunk that cut none. */
  stills?: number;
  /** Preview frames cut, on sheets of their own starting at the chunk's first sheet (`chunkImages`). */
  previewFrames?: number;
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

/** Samples in one AAC frame: the audio's packet grid. */
export const AAC_FRAME_SAMPLES = 1024;
/**
 * How far before its start a chunk's own audio encode begins, and how many AAC frames past its end it runs, all
 * dropped afterwards. Past the end, a few frames hold the MDCT's overlap with the next frame. Before the start the
 * encoder's priming falls in the pre-roll, and so does most of its adaptive state (psychoacoustic model, bit
 * reservoir), which forgets its start slowly: on a tone + chirp at 128 kbit/s an encode started elsewhere agreed
 * with the whole-source encode to 33 dB in its first second, 62 dB in the second, 76 dB in the third and 95 dB in
 * the fourth (the codec's own error against the source there: ~40 dB), though not on every signal: with 3 s the
 * media test's chunks (chunk-tasks) had 15 dB more error than the single pass in the half second after one join,
 * on the chirp's high notes, and 6 dB more around a clip's; with 4 s up to 4 dB; with 5 s at most 1.2 dB at every
 * join. Five seconds of audio cost a chunk about 0.05 CPU-s to encode and the demuxing of five more seconds.
 */
export const AUDIO_PREROLL_SECONDS = 5;
export const AUDIO_POSTROLL_FRAMES = 8;
/**
 * Seconds a chunk decodes before its read and does not encode (at least; a whole number of grid steps): after a seek
 * a decoder's first output is wrong — AAC's first frame lacks the overlap of the one before it (14–29 dB from the
 * whole decode's samples there, measured on the media test's tone and chirp; decoded from two frames earlier they
 * are the whole decode's, bit for bit), Opus needs 80 ms, MP3 may need frames its bit reservoir spans — and the
 * encoder would carry that into its state up to the join.
 */
export const AUDIO_PRIME_SECONDS = 0.1;

/**
 * How a chunk encodes its own slice of the audio so that the slices join as one stream. The whole source's encode
 * puts packet k at k × 1024 samples (of the output rate) on the timeline its slices are cut on; a chunk keeps the
 * packets from the first at or after its start to the first at or after its end (the next chunk's first), so the
 * slices partition that grid. It reads the source from `readFromSeconds`, a grid point AUDIO_PREROLL_SECONDS
 * earlier (and on a whole input sample, so a resampler starts in the same phase), for `readSeconds` (absent: to the
 * end), encodes it, and keeps by stream copy the packets between `keepFromSeconds` and `keepToSeconds` of that
 * encode's own timeline (half a frame before each packet, so no rounding decides), shifted by `shiftSeconds` so the
 * slice's times count from the chunk's start as the chunk's mux expects. Where the read seeks, it decodes from
 * `primeSeconds` earlier and drops those samples before the encoder (AUDIO_PRIME_SECONDS).
 */
export interface ChunkAudioWindow {
  readFromSeconds: number;
  primeSeconds: number;
  readSeconds?: number;
  keepFromSeconds: number;
  keepToSeconds?: number;
  shiftSeconds: number;
}

export function chunkAudioWindow(
  chunk: Pick<Chunk, 'startSeconds' | 'durationSeconds'>,
  last: boolean,
  rates: { output: number; source?: number },
): ChunkAudioWindow {
  const rate = rates.output;
  const frame = AAC_FRAME_SAMPLES;
  const packetAt = (seconds: number) => Math.ceil((seconds * rate) / frame - 1e-9);
  const first = packetAt(chunk.startSeconds);
  // Grid points that are also whole input samples: every `step` frames (44.1 kHz → 48 kHz: every 5th frame).
  const step = rates.source && rates.source !== rate ? rate / gcd(frame * rates.source, rate) : 1;
  const preroll = Math.ceil((AUDIO_PREROLL_SECONDS * rate) / frame);
  const from = Math.max(0, Math.floor((first - preroll) / step) * step);
  const readFromSeconds = (from * frame) / rate;
  // Whole steps, so the resampler still starts in phase; none from the start (no seek: nothing to prime).
  const primeFrames = Math.ceil((AUDIO_PRIME_SECONDS * rate) / frame / step) * step;
  const primeSeconds = (Math.min(from, primeFrames) * frame) / rate;
  const keepAt = (packet: number) => Math.max(0, ((packet - from) * frame - frame / 2) / rate);
  const keepFromSeconds = first === 0 ? 0 : keepAt(first);
  // In samples, so a shift of nothing is 0, not a rounding error of the seconds.
  const shift = first === 0 ? 0 : first * frame - frame / 2 - Math.round(chunk.startSeconds * rate);
  const window: ChunkAudioWindow = { readFromSeconds, primeSeconds, keepFromSeconds, shiftSeconds: shift / rate };
  if (last) return window;
  const end = packetAt(chunk.startSeconds + chunk.durationSeconds);
  return {
    ...window,
    readSeconds: ((end + AUDIO_POSTROLL_FRAMES) * frame) / rate - readFromSeconds,
    keepToSeconds: keepAt(end),
  };
}

/** Greatest common divisor of two whole numbers. */
export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The images a chunk cuts from its own decode, on the whole source's numbering: the stills whose moment
 * (k × interval) falls in the chunk (the first frame at or after it is in the chunk too: chunk edges and moments are
 * whole seconds, frames at least one a second), and its preview frames from frame start × fps, tiled on sheets of
 * its own so chunks never share a sheet (the preview manifest's `parts` say where each chunk's frames are).
 */
export interface ChunkImages {
  firstStill: number;
  stills: number;
  firstPreviewFrame: number;
  /** Preview frames planned for the chunk: the encode cuts at most these. */
  previewFrames: number;
  firstPreviewSheet: number;
}

export function chunkImages(
  chunks: readonly Pick<Chunk, 'index' | 'startSeconds' | 'durationSeconds'>[],
  index: number,
  plan: {
    stillIntervalSeconds: number;
    stillCount: number;
    previewFps: number;
    previewFrames: number;
    sheetFrames: number;
  },
): ChunkImages {
  const stillAt = (seconds: number) =>
    Math.max(0, Math.min(plan.stillCount, Math.ceil(seconds / plan.stillIntervalSeconds - 1e-9)));
  const frameAt = (seconds: number) => Math.round(seconds * plan.previewFps);
  let firstPreviewSheet = 0;
  for (const c of chunks) {
    if (c.index >= index) break;
    firstPreviewSheet += Math.ceil(
      (frameAt(c.startSeconds + c.durationSeconds) - frameAt(c.startSeconds)) / plan.sheetFrames,
    );
  }
  const chunk = chunks.find((c) => c.index === index);
  if (!chunk) throw new Error(`No chunk ${index}`);
  const last = chunks[chunks.length - 1]?.index === index;
  const firstStill = stillAt(chunk.startSeconds);
  const endStill = last ? plan.stillCount : stillAt(chunk.startSeconds + chunk.durationSeconds);
  const firstPreviewFrame = frameAt(chunk.startSeconds);
  const endFrame = last ? plan.previewFrames : frameAt(chunk.startSeconds + chunk.durationSeconds);
  return {
    firstStill,
    stills: endStill - firstStill,
    firstPreviewFrame,
    previewFrames: endFrame - firstPreviewFrame,
    firstPreviewSheet,
  };
}
