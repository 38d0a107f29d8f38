import { z } from 'zod';
import { TransitionError } from '../domain/errors.js';
import { derivedId } from '../domain/ids.js';
import { resolutionTier } from '../domain/ladder.js';
import { MASTER_PLAYLIST } from '../domain/layout.js';
import { type AssetRecord, aspectRatio, type ReadyPatch, storedResolution, type Track } from '../domain/media.js';
import type { StaticRenditionOutcome } from '../domain/static-renditions.js';
import type { MasterStore, MediaRepository, StaticRenditionsStore } from '../ports.js';

/**
 * Keys of the `UserMetadata` every Gamma MediaConvert job carries. MediaConvert echoes them in its job state change
 * events, so the EventBridge rule can match this deployment's jobs (by output bucket) and the handler knows the asset.
 */
export const JOB_METADATA = { assetId: 'gammaAssetId', outputBucket: 'gammaOutputBucket' } as const;

/** The master manifest's base name: MediaConvert appends `.m3u8` to the destination's last path segment. */
export const MASTER_BASENAME = MASTER_PLAYLIST.replace(/\.m3u8$/, '');

/** Child manifests are `master_<rendition>.m3u8`: the NameModifier of each output is `_<rendition>`. */
export const renditionNameModifier = (rendition: string) => `_${rendition}`;

/** The parts of a "MediaConvert Job State Change" event's detail this use case reads. */
export const JobStateChange = z.object({
  status: z.string(),
  jobId: z.string(),
  userMetadata: z.record(z.string(), z.string()).default({}),
  errorCode: z.number().optional(),
  errorMessage: z.string().optional(),
  outputGroupDetails: z
    .array(
      z.object({
        outputDetails: z
          .array(
            z.object({
              outputFilePaths: z.array(z.string()).default([]),
              durationInMs: z.number().optional(),
              videoDetails: z.object({ widthInPx: z.number(), heightInPx: z.number() }).optional(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});
export type JobStateChange = z.output<typeof JobStateChange>;

export type JobStateOutcome =
  | 'not_a_transcode' // not a final state, or a job without Gamma's metadata
  | 'marked_ready'
  | 'marked_errored'
  | 'already_final'; // the asset left `preparing` meanwhile (deleted, or an earlier event was handled)

/** Audio is always encoded as the ladder plans it: AAC stereo (see MediaConvertRunner). */
const AUDIO_CHANNELS = 2;

/**
 * Records the outcome of a MediaConvert job on its asset: COMPLETE → ready, with duration and the stored sizes read
 * from the job's outputs, then its static renditions; ERROR → errored with MediaConvert's message. Safe to run twice
 * for the same event.
 */
export async function mediaConvertJobChanged(
  job: JobStateChange,
  ctx: {
    media: MediaRepository;
    staticRenditions?: Pick<StaticRenditionsStore, 'record'>;
    master?: Pick<MasterStore, 'settleMaster'>;
  },
): Promise<{ outcome: JobStateOutcome; assetId?: string }> {
  const assetId = job.userMetadata[JOB_METADATA.assetId];
  if (!assetId || (job.status !== 'COMPLETE' && job.status !== 'ERROR')) return { outcome: 'not_a_transcode' };
  try {
    if (job.status === 'COMPLETE') {
      const asset = await ctx.media.markReady(assetId, readyPatch(assetId, job));
      if (asset.static_renditions?.length && ctx.staticRenditions) {
        await ctx.staticRenditions.record(assetId, staticRenditionOutcomes(asset, job));
      }
      // A MediaConvert job writes no master MP4 (it cannot stream-copy the source): the master says so at once.
      if (asset.master?.status === 'preparing' && ctx.master) {
        await ctx.master.settleMaster(assetId, { status: 'errored' });
      }
      return { outcome: 'marked_ready', assetId };
    }
    const code = job.errorCode === undefined ? '' : ` (${job.errorCode})`;
    const message = `MediaConvert job ${job.jobId} failed${code}: ${job.errorMessage ?? 'no reason given'}`;
    await ctx.media.markErrored(assetId, { type: 'transcode_failed', messages: [message] });
    return { outcome: 'marked_errored', assetId };
  } catch (err) {
    if (err instanceof TransitionError) return { outcome: 'already_final', assetId };
    throw err;
  }
}

/** What the asset reports once ready, from the outputs MediaConvert actually wrote. */
export function readyPatch(assetId: string, job: JobStateChange): ReadyPatch {
  const outputs = job.outputGroupDetails.flatMap((g) => g.outputDetails);
  const duration = Math.max(0, ...outputs.map((o) => o.durationInMs ?? 0)) / 1000;
  const sizes = outputs.flatMap((o) => (o.videoDetails ? [o.videoDetails] : []));
  const top = sizes.reduce<(typeof sizes)[number] | undefined>(
    (best, s) => (!best || s.widthInPx * s.heightInPx > best.widthInPx * best.heightInPx ? s : best),
    undefined,
  );
  const tracks: Track[] = [];
  if (top) {
    tracks.push({
      id: derivedId('video-track', assetId),
      type: 'video',
      max_width: top.widthInPx,
      max_height: top.heightInPx,
      // The event does not report frame rates; Mux reports -1 when the frame rate is unknown.
      max_frame_rate: -1,
      duration,
    });
  }
  tracks.push({
    id: derivedId('audio-track', assetId),
    type: 'audio',
    max_channels: AUDIO_CHANNELS,
    duration,
    primary: true,
  });
  return {
    duration,
    max_stored_resolution: storedResolution(top && Math.min(top.widthInPx, top.heightInPx)),
    ...(top && { aspect_ratio: aspectRatio(top.widthInPx, top.heightInPx) }),
    tracks,
    renditions: outputs.flatMap((o) => o.outputFilePaths.map(renditionOf)).filter((r) => r !== undefined),
    resolution_tier: (top && resolutionTier(top.widthInPx, top.heightInPx)) ?? 'audio-only',
  };
}

/**
 * The static renditions the job wrote (its File group outputs, named as the files): ready with the size MediaConvert
 * reports (it reports no file size or bit rate); one it did not write was not in the planned ladder, so skipped.
 */
export function staticRenditionOutcomes(asset: AssetRecord, job: JobStateChange): StaticRenditionOutcome[] {
  const outputs = job.outputGroupDetails.flatMap((g) => g.outputDetails);
  return (asset.static_renditions ?? []).map(({ resolution, name }): StaticRenditionOutcome => {
    const output = outputs.find((o) => o.outputFilePaths.some((p) => p.endsWith(`/${name}`)));
    if (!output) return { resolution, status: 'skipped' };
    const size = output.videoDetails;
    return { resolution, status: 'ready', ...(size && { width: size.widthInPx, height: size.heightInPx }) };
  });
}

/** `s3://b/assets/a/master_720p.m3u8` → `720p`. */
function renditionOf(path: string): string | undefined {
  const file = path.slice(path.lastIndexOf('/') + 1);
  const prefix = `${MASTER_BASENAME}${renditionNameModifier('')}`;
  return file.startsWith(prefix) && file.endsWith('.m3u8') ? file.slice(prefix.length, -'.m3u8'.length) : undefined;
}
