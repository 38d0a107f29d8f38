/**
 * Ladder planning: which HLS renditions to encode from a probed source, and how. Pure: no SDK, no I/O.
 *
 * Rungs are named and chosen by the SHORT side, so a portrait 1080x1920 source gets 1080x1920, 720x1280, …
 * The ladder never upscales, and stops at the asset's `max_resolution_tier` (1080p unless asked, as Mux does).
 */
import type { OverlayPlan } from './overlays.js';

/** The ladder's cap, an asset's `max_resolution_tier`. */
export type ResolutionTier = '1080p' | '1440p' | '2160p';

/**
 * What the source file is, as the transcoder's probe read it: Mux's `input-info` `file` (the container as ffprobe
 * names its format, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, and every video and audio stream in it).
 */
export interface InputFile {
  container_format: string;
  tracks: InputTrack[];
}

export interface InputTrack {
  type: 'video' | 'audio';
  /** The codec, e.g. `h264`, `aac`. */
  encoding?: string;
  duration?: number;
  width?: number;
  height?: number;
  frame_rate?: number;
  channels?: number;
  sample_rate?: number;
  sample_size?: number;
}

/** Mux's `resolution_tier`: the tier of the highest stored rendition. */
export function resolutionTier(width: number, height: number): string | undefined {
  const shortSide = Math.min(width, height);
  if (shortSide === 0) return undefined;
  if (shortSide > 1440) return '2160p';
  if (shortSide > 1080) return '1440p';
  if (shortSide > 720) return '1080p';
  return '720p';
}

/** What the transcoder knows about a source, in display orientation (rotation and pixel aspect applied). */
export interface SourceProbe {
  durationSeconds: number;
  /**
   * The file's start time as ffmpeg reports it (`format.start_time`; absent when 0): ffmpeg counts a read's
   * timestamps from it, so a chunk that keeps the file's own timestamps takes it away (ffmpeg/encode-args.ts
   * `chunkFfmpegArgs`).
   */
  startSeconds?: number;
  /**
   * Absent for audio-only sources. `fps` is the rate the source is encoded at: its base rate where frames are evenly
   * spaced, the average where they are not; 0 when the source does not say. `variableFrameRate` is set when frames
   * are not evenly spaced (phones, screen recordings).
   */
  video?: { width: number; height: number; fps: number; variableFrameRate?: boolean };
  /** Absent for video-only sources. */
  /** `sampleRate`: the source's own (a chunk's audio starts on a whole source sample: domain/chunks.ts). */
  audio?: { channels: number; sampleRate?: number };
  /** The file as a whole, for the asset's input info (`GET …/input-info`). */
  file?: InputFile;
}

export interface VideoRung {
  /** The rendition's name and output folder, e.g. "720p" (the short side). */
  name: string;
  width: number;
  height: number;
  /** Target average bitrate, kbit/s. */
  videoKbps: number;
  /** VBV peak rate and buffer, kbit/s. */
  maxrateKbps: number;
  bufsizeKbps: number;
  profile: 'high';
  /** H.264 `level_idc`, e.g. 31 for level 3.1. */
  level: number;
  /**
   * Constant quality (x264 CRF) under the maxrate/bufsize cap, fitted to the content (`plus`, `premium`); absent:
   * constrained bit rate at `videoKbps` (`basic`, today's ladder). See containers/transcoder/src/options/quality.ts.
   */
  crf?: number;
}

export interface VideoPlan {
  /** Output frame rate of every rung. */
  fps: number;
  /**
   * True when the source's frame rate is too high, unknown or variable, so frames must be resampled to the constant
   * `fps` (variable-rate sources then play as smoothly as constant ones, and every rung has the same frames).
   */
  resampleFrameRate: boolean;
  rungs: VideoRung[];
  /** x264's speed/quality trade-off. @default 'veryfast' */
  preset?: X264Preset;
  /** Watermark images burned into the frames before they are split into rungs (domain/overlays.ts). */
  overlays?: OverlayPlan[];
}

export type X264Preset = 'veryfast' | 'faster' | 'fast' | 'medium' | 'slow';

export interface AudioPlan {
  /**
   * An ffmpeg audio filter run before the encoder, e.g. loudness normalisation (Mux's `normalize_audio`, see
   * containers/transcoder/src/options/audio.ts); absent: the audio as it is.
   */
  filter?: string;
  codec: 'aac';
  kbps: number;
  channels: number;
  sampleRate: number;
}

export interface LadderPlan {
  /**
   * The probed length of the source the plan covers: every encode of the whole source stops at it (plus a small
   * margin) however much more media the file holds, so the work done is what the source policy checked.
   */
  sourceSeconds: number;
  /**
   * Set for a clip or a test asset: every encode reads the source from `startSeconds` for exactly `sourceSeconds`
   * (the window's length), frame-accurately (containers/transcoder/src/options/clip.ts). Absent: the whole source.
   */
  window?: { startSeconds: number };
  /** Every segment's length but the first's (EXT-X-TARGETDURATION). */
  segmentSeconds: number;
  /**
   * The first segment's length, at most `segmentSeconds`: shorter with video, so the first segment of every rung
   * exists within seconds of the upload (fast start) and so does the first chunk of a chunked transcode. Absent in
   * plans recorded before it existed: `segmentSeconds`.
   */
  firstSegmentSeconds?: number;
  /**
   * Every rung has a keyframe at each segment start (`segmentStartSeconds`) and every `keyframeSeconds` after it
   * within the segment, at the same times in every rung, so segments of all rungs line up and each starts with one.
   * Either `segmentSeconds` (one per segment) or a length that divides both segment lengths.
   */
  keyframeSeconds: number;
  /** Absent for audio-only sources. */
  video?: VideoPlan;
  /** Absent for video-only sources; otherwise muxed into every rung. */
  audio?: AudioPlan;
}

export interface LadderOptions {
  /** Highest tier to encode. @default '1080p' */
  maxResolutionTier?: ResolutionTier;
  /** @default 6 */
  segmentSeconds?: number;
  /** With video; an audio-only plan's segments are all `segmentSeconds`. @default 2, at most `segmentSeconds` */
  firstSegmentSeconds?: number;
}

/**
 * The first segment of a source with video: the first job encodes it for every rung before the asset plays, and
 * two seconds cost about a third of six (README, How fast).
 */
export const FIRST_SEGMENT_SECONDS = 2;

/** `basic`'s keyframe interval, after Apple's HLS authoring guidelines; the fitted tiers put one per segment. */
const BASIC_KEYFRAME_SECONDS = 2;
/** Whether `length` is a whole number of `step`s (to rounding). */
export const divides = (step: number, length: number) => Math.abs(length / step - Math.round(length / step)) < 1e-9;

/** Where segments start and how long they are: the first `firstSegmentSeconds`, every later one `segmentSeconds`. */
export type SegmentGrid = Pick<LadderPlan, 'segmentSeconds' | 'firstSegmentSeconds'>;

const firstOf = (grid: SegmentGrid) => grid.firstSegmentSeconds ?? grid.segmentSeconds;

/** Source time segment `index` starts at (plan time: a clip's window starts at 0). */
export function segmentStartSeconds(grid: SegmentGrid, index: number): number {
  return index === 0 ? 0 : firstOf(grid) + (index - 1) * grid.segmentSeconds;
}

/** Segments of a source of `durationSeconds`, the last one possibly short. */
export function segmentCount(durationSeconds: number, grid: SegmentGrid): number {
  const first = firstOf(grid);
  if (durationSeconds <= first + 1e-6) return 1;
  return 1 + Math.ceil((durationSeconds - first) / grid.segmentSeconds - 1e-6);
}

/**
 * The segment that starts at `seconds`, which must be a segment start. A keyframe-placing encode that begins there
 * cuts its first segment `firstCutSeconds` in (the first segment's length at the source's start, a whole segment
 * later on) and the others a segment apart.
 */
export function segmentAt(grid: SegmentGrid, seconds: number): { index: number; firstCutSeconds: number } {
  if (seconds <= 1e-6) return { index: 0, firstCutSeconds: firstOf(grid) };
  const index = 1 + Math.round((seconds - firstOf(grid)) / grid.segmentSeconds);
  if (Math.abs(segmentStartSeconds(grid, index) - seconds) > 1e-6) throw new Error(`No segment starts at ${seconds} s`);
  return { index, firstCutSeconds: grid.segmentSeconds };
}

/** The single rendition of an audio-only source. */
export const AUDIO_ONLY_RENDITION = 'audio';

const MAX_SHORT_SIDE: Record<ResolutionTier, number> = { '1080p': 1080, '1440p': 1440, '2160p': 2160 };

/** Standard rungs by short side, with the average bitrate (kbit/s) of a 16:9 frame of that size at ≤30 fps. */
const LOWEST_TIER = { shortSide: 360, kbps: 900 };
const TIERS: readonly (typeof LOWEST_TIER)[] = [
  LOWEST_TIER,
  { shortSide: 480, kbps: 1600 },
  { shortSide: 720, kbps: 3000 },
  { shortSide: 1080, kbps: 6000 },
  { shortSide: 1440, kbps: 10000 },
  { shortSide: 2160, kbps: 16000 },
];

const MAX_FPS = 60;
const DEFAULT_FPS = 30;
/** Above 30 fps a rung needs more bits for the same quality. */
const HIGH_FPS_BITRATE_FACTOR = 1.5;
const MAXRATE_FACTOR = 1.5;
const BUFSIZE_FACTOR = 2;

export function isResolutionTier(value: string): value is ResolutionTier {
  return Object.hasOwn(MAX_SHORT_SIDE, value);
}

export function planLadder(source: SourceProbe, options: LadderOptions = {}): LadderPlan {
  const segmentSeconds = options.segmentSeconds ?? 6;
  const first = Math.min(options.firstSegmentSeconds ?? FIRST_SEGMENT_SECONDS, segmentSeconds);
  if (!(first > 0)) throw new Error('firstSegmentSeconds must be positive');
  return {
    sourceSeconds: source.durationSeconds,
    segmentSeconds,
    keyframeSeconds:
      divides(BASIC_KEYFRAME_SECONDS, first) && divides(BASIC_KEYFRAME_SECONDS, segmentSeconds)
        ? BASIC_KEYFRAME_SECONDS
        : segmentSeconds,
    // An audio-only plan is cut by time alone, which ffmpeg's HLS muxer can only do evenly.
    ...(source.video && { firstSegmentSeconds: first }),
    ...(source.video && { video: planVideo(source.video, options.maxResolutionTier ?? '1080p') }),
    ...(source.audio && { audio: planAudio(source.audio.channels) }),
  };
}

/** The names of the renditions a plan produces, lowest first. */
export function renditionNames(plan: LadderPlan): string[] {
  return plan.video ? plan.video.rungs.map((r) => r.name) : [AUDIO_ONLY_RENDITION];
}

function planVideo(video: NonNullable<SourceProbe['video']>, cap: ResolutionTier): VideoPlan {
  const measured = video.fps > 0 ? Math.min(video.fps, MAX_FPS) : DEFAULT_FPS;
  const fps = video.variableFrameRate ? nearestStandardRate(measured) : measured;
  const sizes = rungSizes(video.width, video.height, MAX_SHORT_SIDE[cap]);
  return {
    fps,
    resampleFrameRate: fps !== video.fps || video.variableFrameRate === true,
    rungs: sizes.map((size) => rung(size, fps)),
  };
}

/** Constant rates a variable-rate source is resampled to: the common one nearest its average rate. */
const STANDARD_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 50, 60000 / 1001, 60];

function nearestStandardRate(fps: number): number {
  return STANDARD_RATES.reduce((best, rate) => (Math.abs(rate - fps) < Math.abs(best - fps) ? rate : best));
}

interface RungSize {
  shortSide: number;
  width: number;
  height: number;
}

/** Every standard tier the source reaches (up to the cap), or the source's own size if it reaches none. */
function rungSizes(width: number, height: number, maxShortSide: number): RungSize[] {
  const shortSide = Math.min(width, height);
  const tiers = TIERS.filter((t) => t.shortSide <= Math.min(shortSide, maxShortSide));
  if (tiers.length === 0) {
    const own = { width: evenAtMost(width, width), height: evenAtMost(height, height) };
    return [{ shortSide: Math.min(own.width, own.height), ...own }];
  }
  return tiers.map((t) => scaledTo(t.shortSide, width, height));
}

/** The source scaled so its short side is `shortSide`, both dimensions even (H.264 4:2:0 needs them even). */
function scaledTo(shortSide: number, width: number, height: number): RungSize {
  const scale = shortSide / Math.min(width, height);
  return {
    shortSide,
    width: evenAtMost(width * scale, width),
    height: evenAtMost(height * scale, height),
  };
}

/** The nearest even number to `value`, never above `limit` (so rounding never upscales). */
function evenAtMost(value: number, limit: number): number {
  const floorEven = (n: number) => n - (n % 2);
  return Math.max(2, Math.min(2 * Math.round(value / 2), floorEven(Math.floor(limit))));
}

function rung(size: RungSize, fps: number): VideoRung {
  const videoKbps = Math.round(referenceKbps(size) * (fps > 30 ? HIGH_FPS_BITRATE_FACTOR : 1));
  const maxrateKbps = Math.round(videoKbps * MAXRATE_FACTOR);
  const bufsizeKbps = videoKbps * BUFSIZE_FACTOR;
  return {
    name: `${size.shortSide}p`,
    width: size.width,
    height: size.height,
    videoKbps,
    maxrateKbps,
    bufsizeKbps,
    profile: 'high',
    level: h264Level(size.width, size.height, fps, maxrateKbps, bufsizeKbps),
  };
}

/** The tier's bitrate scaled by the rung's area relative to a 16:9 frame of the tier (the lowest tier for smaller rungs). */
function referenceKbps(size: RungSize): number {
  const tier = TIERS.findLast((t) => t.shortSide <= size.shortSide) ?? LOWEST_TIER;
  const referenceArea = tier.shortSide * ((tier.shortSide * 16) / 9);
  return (tier.kbps * size.width * size.height) / referenceArea;
}

/**
 * H.264 levels (ITU-T H.264 Table A-1) from 3.0 up: max macroblocks per second, per frame, and max bitrate and
 * CPB size in kbit/s for Baseline/Main (High allows 1.25×).
 */
const LEVELS: readonly { idc: number; mbPerSecond: number; mbPerFrame: number; kbps: number; cpbKbits: number }[] = [
  { idc: 30, mbPerSecond: 40_500, mbPerFrame: 1_620, kbps: 10_000, cpbKbits: 10_000 },
  { idc: 31, mbPerSecond: 108_000, mbPerFrame: 3_600, kbps: 14_000, cpbKbits: 14_000 },
  { idc: 32, mbPerSecond: 216_000, mbPerFrame: 5_120, kbps: 20_000, cpbKbits: 20_000 },
  { idc: 40, mbPerSecond: 245_760, mbPerFrame: 8_192, kbps: 20_000, cpbKbits: 25_000 },
  { idc: 41, mbPerSecond: 245_760, mbPerFrame: 8_192, kbps: 50_000, cpbKbits: 62_500 },
  { idc: 42, mbPerSecond: 522_240, mbPerFrame: 8_704, kbps: 50_000, cpbKbits: 62_500 },
  { idc: 50, mbPerSecond: 589_824, mbPerFrame: 22_080, kbps: 135_000, cpbKbits: 135_000 },
  { idc: 51, mbPerSecond: 983_040, mbPerFrame: 36_864, kbps: 240_000, cpbKbits: 240_000 },
  { idc: 52, mbPerSecond: 2_073_600, mbPerFrame: 36_864, kbps: 240_000, cpbKbits: 240_000 },
];
const HIGH_PROFILE_FACTOR = 1.25;

/** The lowest High-profile level that allows this frame size, rate and VBV. */
export function h264Level(width: number, height: number, fps: number, maxrateKbps: number, bufsizeKbps: number) {
  const mbWide = Math.ceil(width / 16);
  const mbHigh = Math.ceil(height / 16);
  const mbPerFrame = mbWide * mbHigh;
  const fits = (l: (typeof LEVELS)[number]) =>
    mbPerFrame <= l.mbPerFrame &&
    Math.max(mbWide, mbHigh) <= Math.sqrt(8 * l.mbPerFrame) &&
    mbPerFrame * fps <= l.mbPerSecond &&
    maxrateKbps <= l.kbps * HIGH_PROFILE_FACTOR &&
    bufsizeKbps <= l.cpbKbits * HIGH_PROFILE_FACTOR;
  const level = LEVELS.find(fits);
  if (!level) throw new Error(`No H.264 level allows ${width}x${height} at ${fps} fps`);
  return level.idc;
}

function planAudio(sourceChannels: number): AudioPlan {
  const channels = Math.min(Math.max(sourceChannels, 1), 2);
  return { codec: 'aac', kbps: 64 * channels, channels, sampleRate: 48_000 };
}
