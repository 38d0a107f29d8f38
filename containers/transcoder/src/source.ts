/** The steps before any strategy: fetch the source, probe it, refuse what is out of bounds, plan the outputs. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seeksByIndex } from '../../../lambdas/core/domain/chunks.js';
import { InvalidInputError } from '../../../lambdas/core/domain/errors.js';
import { type LadderPlan, planLadder, renditionNames, type SourceProbe } from '../../../lambdas/core/domain/ladder.js';
import { checkSource } from '../../../lambdas/core/domain/source-policy.js';
import { type ImagePlan, planImages } from '../../../lambdas/core/domain/thumbnails.js';
import { inputProtocols } from './ffmpeg/args.js';
import { normalizeLoudness } from './options/audio.js';
import { windowSource } from './options/clip.js';
import { fitQuality } from './options/quality.js';
import { prepareOverlays } from './options/watermark.js';
import type { StrategyContext } from './strategies/context.js';

/** A download under way: `written` settles once all of it is there, or it failed; `abort` stops it. */
export interface Download {
  written: Promise<void>;
  abort: () => void;
}

/** A probed and planned source: a local file, or a presigned URL ffmpeg reads with Range requests. */
export interface PreparedSource {
  file: string;
  probe: SourceProbe;
  plan: LadderPlan;
  /** Stills and storyboard to cut (video sources only). */
  images?: ImagePlan;
  /**
   * The probe's decode check (probe.ts): settled once the start of the streams has decoded, rejected with the
   * InvalidInputError that refuses the file. Planned over a URL it is still running when the source is returned, so
   * chunk 0 can encode meanwhile; nothing is published, recorded or queued before it has passed.
   */
  decodes: Promise<void>;
  /** Set while `file` is still downloading (`localSource`). */
  downloading?: Download;
}

/**
 * How long a presigned source URL is valid: ffmpeg opens a new ranged request when it seeks, so the URL must outlive
 * the longest encode that reads it (the watchdog stops any ffmpeg long before this).
 */
const SOURCE_URL_SECONDS = 6 * 3600;

/**
 * The source for ffmpeg: with `remote`, a presigned URL of the pinned version, so ffmpeg and ffprobe read only the
 * byte ranges they seek to (a chunk's part, a probe's headers and first seconds); otherwise, or where the store
 * cannot serve that version by range (storage.ts `presignedGet`: MiniStack), the whole file downloaded and checked
 * against the pin.
 */
export async function openSource(ctx: StrategyContext, remote: boolean): Promise<string> {
  const { bucket, key } = ctx.job.source;
  const url = remote ? await ctx.storage.presignedGet(bucket, key, ctx.job.source, SOURCE_URL_SECONDS) : undefined;
  if (url) return url;
  const { file, download } = await startDownload(ctx);
  await download.written;
  return file;
}

/**
 * Starts downloading the pinned source (checked against the pin) to the job's folder; the file exists, empty, before
 * the download's first byte, so it can be followed from the start.
 */
async function startDownload(ctx: StrategyContext): Promise<{ file: string; download: Download }> {
  const { bucket, key } = ctx.job.source;
  const file = join(ctx.workDir, 'source');
  await writeFile(file, '');
  const controller = new AbortController();
  const written = ctx.storage.download(bucket, key, file, ctx.job.source, controller.signal);
  return { file, download: { written, abort: () => controller.abort() } };
}

/**
 * The source as a local file (a single pass reads all of it, and remuxes downloads from it): downloaded if remote.
 * A file read front to back, with no index to seek by (an MPEG transport or program stream: domain/chunks.ts
 * `seeksByIndex`), is read while it downloads: `downloading` is set, and the single pass feeds ffmpeg from the
 * growing file (follow-file.ts), so its first segments do not wait for the last byte. Any other container may keep
 * what ffmpeg needs first at its end (an MP4's index), so it is read once downloaded.
 */
export async function localSource(ctx: StrategyContext, source: PreparedSource): Promise<PreparedSource> {
  if (inputProtocols(source.file) === 'file') return source;
  if (seeksByIndex(source.probe)) return { ...source, file: await openSource(ctx, false) };
  const { file, download } = await startDownload(ctx);
  download.written.catch(() => {}); // awaited by the single pass; never unhandled if the encode fails first
  return { ...source, file, downloading: download };
}

/**
 * Throws InvalidInputError when the source is not usable media or is out of bounds. With `remote` the source is
 * probed and planned over its URL, so planning costs the same whatever the source's length.
 */
export async function prepareSource(ctx: StrategyContext, { remote = false } = {}): Promise<PreparedSource> {
  const { job, deps, logger } = ctx;
  const file = await openSource(ctx, remote);
  let decodes = Promise.resolve();
  // Over a URL (the first job of a deployment that may fan out) the decode check runs beside what follows.
  const deferDecodeCheck = (check: Promise<void>) => {
    decodes = check.catch((error: unknown) => blameTheStore(ctx, file, error));
    decodes.catch(() => {}); // awaited later; never an unhandled rejection if something else fails first
  };
  const probed = await deps
    .probe(file, remote ? { deferDecodeCheck } : {})
    .catch((error: unknown) => blameTheStore(ctx, file, error));
  return refusedFirst(decodes, async () => {
    checkSource(probed); // refuses 8K, sliver-thin pictures, over-long files before any encoding
    // A clip or a test asset is the window's part of the source, as data in the plan (options/clip.ts).
    const { probe, window } = windowSource(probed, job.options);
    const planned = {
      ...planLadder(probe, { maxResolutionTier: job.options.maxResolutionTier }),
      ...(window && { window }),
    };
    // video_quality: plus and premium fit the rungs to the content with a quick complexity pass (options/quality.ts).
    const quality = job.options.videoQuality;
    const fitted = await fitQuality(file, probe, planned, quality, join(ctx.workDir, 'complexity'));
    const { complexity } = fitted;
    // normalize_audio: EBU R128 loudness, measured first (options/audio.ts).
    const normalized = await normalizeLoudness(file, fitted.plan, job.options.normalizeAudio);
    // Watermarks and test mode's badge, placed on the picture before it is split into rungs (options/watermark.ts).
    const plan = await withOverlays(normalized, probe, ctx);
    logger.info('Planned the ladder', { source: probe, renditions: renditionNames(plan), quality, complexity });
    const images = probe.video && planImages(probe.durationSeconds, probe.video);
    return { file, probe, plan, ...(images && { images }), decodes };
  });
}

/**
 * Runs `work` on a source whose decode check may still be running; should the work fail, the check's refusal (if it
 * refuses) is the error thrown: a file that does not decode is the reason, not whatever ffmpeg said about it. A check
 * that failed otherwise (the store) does not replace the work's own refusal (an 8K source).
 */
export async function refusedFirst<T>(decodes: Promise<void>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const checked = await decodes.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    if (checked instanceof InvalidInputError || (checked && !(error instanceof InvalidInputError))) throw checked;
    throw error;
  }
}

/**
 * A refusal of a source read over its URL stands only if the store serves that source: when it does not (deleted,
 * refused, failing), the failure is the store's, and a plain error lets the job be retried (after its receives the
 * asset is errored `transcode_failed`) rather than blaming the upload.
 */
async function blameTheStore(ctx: StrategyContext, file: string, error: unknown): Promise<never> {
  if (!(error instanceof InvalidInputError) || inputProtocols(file) === 'file') throw error;
  const { bucket, key } = ctx.job.source;
  if (await ctx.storage.serves(bucket, key, ctx.job.source)) throw error;
  throw new Error(`The source could not be read from the store: ${error.message}`);
}

async function withOverlays(plan: LadderPlan, probe: SourceProbe, ctx: StrategyContext): Promise<LadderPlan> {
  const { overlays = [], test = false } = ctx.job.options;
  if (!plan.video || !probe.video || (overlays.length === 0 && !test)) return plan;
  const download = (bucket: string, key: string, file: string) => ctx.storage.download(bucket, key, file);
  const placed = await prepareOverlays(overlays, test, probe.video, ctx.workDir, download);
  return { ...plan, video: { ...plan.video, overlays: placed } };
}
