/**
 * The ladder's filter graph: one decode feeding every rung and every image output, for the single pass and, on the
 * asset's clock, for a chunk. Pure: no I/O.
 */
import type { VideoPlan } from '../../../../lambdas/core/domain/ladder.js';
import type { PreviewManifest } from '../../../../lambdas/core/domain/preview-frames.js';
import type { ImagePlan } from '../../../../lambdas/core/domain/thumbnails.js';
import { burnOverlays } from '../options/overlay-filter.js';
import { decimalSeconds } from './args.js';

/**
 * What the ladder's decode also feeds besides the rungs, so the source is decoded once for everything: stills and
 * the storyboard (domain/thumbnails.ts), and the preview frames animated images are drawn from, whose frame list
 * (one line per frame, counted afterwards) goes outside the published folder.
 */
export interface SideOutputs {
  images?: ImagePlan;
  previews?: { plan: PreviewManifest; frameList: string };
}

/**
 * Seconds a chunk decodes past its end for its images: a preview frame or still at the chunk's last moments may be
 * the next source frame, as in the single pass (each image branch stops at its own count).
 */
const CHUNK_LOOKAHEAD_SECONDS = 1;

/**
 * The preview frames' branch of a filter graph, from the pad `from`: `fps` frames a second (a chunk's: from its start,
 * at most its share), scaled, tiled.
 */
export function previewFilter(
  from: string,
  plan: PreviewManifest,
  chunk?: Pick<ChunkPosition, 'startSeconds' | 'frames'>,
): string {
  // From the asset's start, preview frame 0 is at 0 s even where the first frame is nearer the second time, so frame
  // k is at k / fps in the single pass and in every chunk (a later chunk starts at a keyframe before its own start).
  const fromZero = !chunk || chunk.startSeconds === 0 ? ':start_time=0' : '';
  const start = chunk ? `trim=start=${decimalSeconds(chunk.startSeconds)},` : '';
  const cap = chunk?.frames === undefined ? '' : `trim=end_frame=${chunk.frames},`;
  return (
    `${from}fps=${plan.fps}${fromZero},${start}${cap}scale=${plan.width}:${plan.height},setsar=1,format=yuvj420p,split=2[frames][count];` +
    `[frames]tile=${plan.columns}x${plan.rows}[sheets]`
  );
}

/**
 * Where a chunk's decode sits in the source (chunkFfmpegArgs): its frames keep the file's timestamps, which read
 * `originSeconds` at the asset's start; it owns the frames from `startSeconds` to `endSeconds`, `stills` stills from
 * `firstStill` and at most `frames` preview frames; its storyboard is assembled from every chunk's stills by the
 * task that finishes the asset.
 */
export interface ChunkPosition {
  originSeconds: number;
  startSeconds: number;
  endSeconds: number;
  firstStill?: number;
  stills?: number;
  frames?: number;
}

/**
 * The frames an encode keeps when it is not the whole read: a chunk's own, or a single pass over a clip those of the
 * clip's length (the read starts at the clip's start).
 */
export type EncodeSpan = { chunk: ChunkPosition } | { clipSeconds: number };

/**
 * Decode once, convert to 8-bit 4:2:0 (what High profile and every player expect, even from 10-bit phone video),
 * resample the frame rate if the plan says so, then split into the rungs' scalers (`rungBranches`: smaller rungs scaled
 * from larger ones) and one branch per side output.
 * ffmpeg's decoder-side autorotation has already turned the frames upright, so rung sizes are display sizes. `span`
 * says which frames the encode keeps (a chunk's, a clip's) when not every frame read.
 */
export function filterGraph(
  { fps, resampleFrameRate, rungs, overlays }: VideoPlan,
  side: SideOutputs = {},
  span?: EncodeSpan,
): string {
  const chunk = span && 'chunk' in span ? span.chunk : undefined;
  const clipSeconds = span && 'clipSeconds' in span ? span.clipSeconds : undefined;
  const { images, previews } = side;
  const rate = resampleFrameRate ? [`fps=${rationalRate(fps)}`] : [];
  const common = [...(chunk ? onAssetClock(chunk, rate) : rate), 'format=yuv420p'];
  // Watermarks are burned in before the split (options/watermark.ts), so every rung and image shows them.
  const head = burnOverlays(`[0:v:0]${common.join(',')}`, overlays);
  const { roots, branches } = rungBranches(rungs);
  const rungPads = roots.map((i) => `[r${i}]`).join('');
  // A chunk's images keep the frames from its start, each branch to its own count.
  const from = chunk ? `trim=start=${decimalSeconds(chunk.startSeconds)},` : '';
  const sidePads: string[] = [];
  if (images) {
    const { intervalSeconds: i, still, tile, columns, rows, count } = images;
    // The first frame at or after each multiple of the interval (the fps filter would take the last one before
    // the next), so still k shows the moment k × interval; a chunk's frames are on the asset's clock too.
    const newMoment = `isnan(prev_selected_t)+gt(floor(t/${i}),floor(prev_selected_t/${i}))`;
    const mine = chunk ? `gte(t,${(chunk.firstStill ?? 0) * i})*(${newMoment})` : newMoment;
    // At most the planned stills (a chunk's share, or all): a read past the end — a chunk's lookahead, a clip's frame
    // after its end — could start one more interval (and an unplanned still, and tile).
    const planned = `trim=end_frame=${chunk?.stills ?? count}`;
    const scaled = `[images]${from}select='${mine}',${planned},scale=${still.width}:${still.height},setsar=1`;
    sidePads.push('[images]');
    if (chunk) branches.push(`${scaled}[stills]`);
    else
      branches.push(
        `${scaled},split=2[stills][tiles]`,
        `[tiles]scale=${tile.width}:${tile.height},tile=${columns}x${rows}[storyboard]`,
      );
  }
  if (previews) {
    sidePads.push('[previews]');
    // A chunk's preview frames are resampled before its start is trimmed: the first may show the frame before it.
    branches.push(previewFilter('[previews]', previews.plan, chunk));
  }
  // The frames the rungs keep: a chunk's own; a clip's before its end, on the clock the read starts at the clip's
  // start (the read's `-t` counts from the first frame, which the exact seek may put up to a frame after that start,
  // so it alone can keep a frame past the clip's end). In microseconds, as a chunk's trims (`onAssetClock`): after a
  // resample the frames' time base is the rate's, in which the end would be rounded to the nearest frame.
  const clipEnd = clipSeconds !== undefined && `settb=AVTB,trim=end=${decimalSeconds(clipSeconds)}`;
  const keep = chunk ? chunkRungFrames(chunk) : clipEnd;
  if (!keep)
    return [`${head},split=${roots.length + sidePads.length}${rungPads}${sidePads.join('')}`, ...branches].join(';');
  return [
    `${head},split=${1 + sidePads.length}[rungs]${sidePads.join('')}`,
    `[rungs]${keep},split=${roots.length}${rungPads}`,
    ...branches,
  ].join(';');
}

/**
 * A rung is scaled from the smallest larger rung at least this many times its size (its short side), or from the
 * decoded frames when none is: 720p from 1080p, 480p and 360p from 720p. Scaling is what ffmpeg does besides decoding
 * and x264, all on its one filtering thread, and a scaler's work grows with the lines it reads: on the bench's 1080p
 * source the three scalers took 0.29 CPU-s per source second from the decoded frames and 0.17 in this cascade, and
 * the whole ladder command 9% less CPU (four pairs of runs, 2 cores). Each step still shrinks by 1.5× or more, so
 * swscale's filter spans the ratio as it does from the source: after encoding, the 480p and 360p rungs' SSIM against
 * a Lanczos scale of the source moved by 0.0001–0.00015, their sizes by under 0.3%. A step as small as 1440p to
 * 1080p (1.33×) would add a scaling's blur for little.
 */
const CASCADE_MIN_RATIO = 1.5;

/**
 * The rungs' scalers: each rung's branch reads `[r<i>]`, scales, and ends in `[v<i>]` (the encoder's pad), split
 * once more for each smaller rung scaled from it. `roots` are the rungs scaled from the decoded frames.
 */
function rungBranches(rungs: readonly Pick<VideoPlan['rungs'][number], 'width' | 'height'>[]): {
  roots: number[];
  branches: string[];
} {
  const sides = rungs.map((r) => Math.min(r.width, r.height));
  const indexes = rungs.map((_, i) => i);
  const parentOf = sides.map((own) =>
    indexes
      .filter((j) => (sides[j] as number) >= CASCADE_MIN_RATIO * own)
      .reduce<number | undefined>(
        (best, j) => (best === undefined || (sides[j] as number) < (sides[best] as number) ? j : best),
        undefined,
      ),
  );
  const roots = indexes.filter((i) => parentOf[i] === undefined);
  const branches = rungs.map((r, i) => {
    const children = indexes.filter((j) => parentOf[j] === i);
    const scaled = `[r${i}]scale=${r.width}:${r.height},setsar=1`;
    if (children.length === 0) return `${scaled}[v${i}]`;
    return `${scaled},split=${1 + children.length}[v${i}]${children.map((j) => `[r${j}]`).join('')}`;
  });
  return { roots, branches };
}

/**
 * A chunk's frames on the asset's clock: the file's timestamps less the origin (the same in every chunk, rounded to
 * the nearest tick: truncating could put a frame on a chunk's start a tick before it), none before the asset's start
 * (a clip's: the seek hands over frames from the keyframe before it, which the single pass's exact seek drops),
 * resampled as the plan says, and none later than a second past the chunk's end (`CHUNK_LOOKAHEAD_SECONDS`), which
 * ends the read. In microseconds from the resample on: a trim converts its times to the frames' time base, rounded,
 * and in the rate's own (1001/30000 s) 26 s is frame 779.22, rounded to 779, which a trim would then drop as the end.
 */
function onAssetClock(chunk: ChunkPosition, rate: readonly string[]): string[] {
  const origin = chunk.originSeconds ? [`setpts=round(PTS-(${decimalSeconds(chunk.originSeconds)})/TB)`] : [];
  const end = decimalSeconds(chunk.endSeconds + CHUNK_LOOKAHEAD_SECONDS);
  return [...origin, 'trim=start=0', ...rate, 'settb=AVTB', `trim=end=${end}`];
}

/**
 * The frames a chunk's rungs encode: those at or after its start and before its end, each at its nearest time on the
 * grid of the rate the encoder runs at (`source_fps`: the stream's, or the resample's), as the single pass's encoder
 * writes a file whose frames sit between grid times (its start off the grid); on the grid first, the trim keeps the
 * frames the encoder writes there. From the asset's start the grid's first time has a frame, as in the single pass
 * (whose encoder repeats the first frame there when it is nearer the second time). A frame more than half a frame
 * late is dropped for the next one and the one before it shown twice, where the single pass's encoder would show it
 * and shift the frames after it (README, Transcoding). The images, like the single pass's, see the frames at their
 * own times.
 */
function chunkRungFrames(chunk: ChunkPosition): string {
  const fromZero = chunk.startSeconds === 0 ? ':start_time=0' : '';
  const keep = `trim=start=${decimalSeconds(chunk.startSeconds)}:end=${decimalSeconds(chunk.endSeconds)}`;
  return `fps=source_fps${fromZero},settb=AVTB,${keep}`;
}

/** A frame rate as ffmpeg reads it exactly: NTSC rates as n/1001 ("30000/1001"), others as they are. */
function rationalRate(fps: number): string {
  const ntsc = Math.round(fps * 1.001);
  return Math.abs(fps - ntsc / 1.001) < 1e-6 && Math.abs(fps - ntsc) > 1e-6 ? `${ntsc * 1000}/1001` : String(fps);
}
