import {
  CreateJobCommand,
  type JobSettings,
  type MediaConvertClient,
  type Output,
  type OutputGroup,
  type VideoDescription,
} from '@aws-sdk/client-mediaconvert';
import { InvalidInputError, ValidationError } from '../domain/errors.js';
import {
  type AudioPlan,
  isResolutionTier,
  type LadderPlan,
  planLadder,
  type ResolutionTier,
  renditionNames,
  type SourceProbe,
  type VideoRung,
} from '../domain/ladder.js';
import { assetOutputPrefix } from '../domain/layout.js';
import { resolveStaticRenditionKey, staticFileName, staticRenditionSource } from '../domain/static-renditions.js';
import type { TranscodeJob, TranscodeRunner } from '../ports.js';
import { JOB_METADATA, MASTER_BASENAME, renditionNameModifier } from '../usecases/mediaconvert-status.js';

export interface MediaConvertRunnerConfig {
  /** The IAM role MediaConvert assumes to read the source and write the renditions. */
  roleArn: string;
  /** @default the account's Default queue */
  queue?: string;
}

const TIER_SIZE: Record<ResolutionTier, { width: number; height: number }> = {
  '1080p': { width: 1920, height: 1080 },
  '1440p': { width: 2560, height: 1440 },
  '2160p': { width: 3840, height: 2160 },
};

const AUDIO_SELECTOR = 'Audio Selector 1';
/** QVBR quality 1–10; 7 is AWS's recommendation for the top rungs of an adaptive ladder. */
const QVBR_QUALITY = 7;

/**
 * MediaConvert cannot probe a source before the job is created, so the ladder is planned for the source Gamma
 * assumes: 16:9 landscape at the asset's resolution cap (1920x1080 unless `max_resolution_tier` says more), 30 fps,
 * stereo. Each rung's box is scaled into with "fit without upscaling", so a smaller or portrait source is never
 * upscaled or distorted (rungs above its size come out at its size); the frame rate follows the source.
 */
export function assumedSource(maxResolutionTier?: string): SourceProbe {
  const tier = maxResolutionTier && isResolutionTier(maxResolutionTier) ? maxResolutionTier : '1080p';
  return { durationSeconds: 0, video: { ...TIER_SIZE[tier], fps: 30 }, audio: { channels: 2 } };
}

/**
 * CreateJob settings for one asset: one HLS group into `assets/<assetId>/` with `master.m3u8` over the rungs, and a
 * File group per static rendition asked for.
 */
export function jobSettings(job: TranscodeJob, plan: LadderPlan): JobSettings {
  const audio = plan.audio;
  const rungs = plan.video?.rungs ?? [];
  if (rungs.length === 0 || !audio) throw new Error('MediaConvert jobs are planned for a source with video and audio');
  return {
    TimecodeConfig: { Source: 'ZEROBASED' },
    Inputs: [
      {
        FileInput: `s3://${job.source.bucket}/${job.source.key}`,
        TimecodeSource: 'ZEROBASED',
        VideoSelector: { Rotate: 'AUTO' },
        AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } },
      },
    ],
    OutputGroups: [
      {
        Name: 'HLS',
        OutputGroupSettings: {
          Type: 'HLS_GROUP_SETTINGS',
          HlsGroupSettings: {
            Destination: `s3://${job.outputBucket}/${assetOutputPrefix(job.assetId)}/${MASTER_BASENAME}`,
            // Every segment `segmentSeconds`, the first too (`firstSegmentSeconds` is the ffmpeg path's fast start:
            // MediaConvert has no shorter first segment, and nothing of its output plays before its job completes).
            SegmentLength: plan.segmentSeconds,
            SegmentLengthControl: 'GOP_MULTIPLE',
            MinSegmentLength: 0,
            SegmentControl: 'SEGMENTED_FILES',
            DirectoryStructure: 'SINGLE_DIRECTORY',
            OutputSelection: 'MANIFESTS_AND_SEGMENTS',
            ManifestDurationFormat: 'INTEGER',
            CodecSpecification: 'RFC_4281',
            StreamInfResolution: 'INCLUDE',
            ProgramDateTime: 'EXCLUDE',
            ClientCache: 'ENABLED',
          },
        },
        Outputs: rungs.map(
          (rung): Output => ({
            NameModifier: renditionNameModifier(rung.name),
            ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
            OutputSettings: { HlsSettings: {} },
            VideoDescription: h264(rung, plan),
            AudioDescriptions: [aac(audio)],
          }),
        ),
      },
      ...staticRenditionGroups(job, plan, audio),
    ],
  };
}

/**
 * The static renditions (`highest.mp4`, `audio.m4a`, …): MediaConvert cannot remux its own HLS output as the FFmpeg
 * task does, so each is one more encode of its rung, into a File group whose destination names the file, with the
 * index first (progressive download). A rendition the planned ladder lacks is not encoded (it is reported skipped).
 */
function staticRenditionGroups(job: TranscodeJob, plan: LadderPlan, audio: AudioPlan): OutputGroup[] {
  return (job.staticRenditions ?? []).flatMap((key): OutputGroup[] => {
    // The planned ladder is the cap's (assumedSource), so `capped-1080p` is the file the asset recorded for it.
    const resolution = resolveStaticRenditionKey(key, renditionNames(plan));
    const from = staticRenditionSource(resolution, plan);
    if (!from) return [];
    const name = staticFileName(resolution);
    const dot = name.lastIndexOf('.');
    return [
      {
        Name: `File ${name}`,
        OutputGroupSettings: {
          Type: 'FILE_GROUP_SETTINGS',
          FileGroupSettings: {
            Destination: `s3://${job.outputBucket}/${assetOutputPrefix(job.assetId)}/${name.slice(0, dot)}`,
          },
        },
        Outputs: [
          {
            Extension: name.slice(dot + 1),
            ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } },
            ...(from.streams === 'video+audio' && from.rung && { VideoDescription: h264(from.rung, plan) }),
            AudioDescriptions: [aac(audio)],
          },
        ],
      },
    ];
  });
}

function h264(rung: VideoRung, plan: LadderPlan): VideoDescription {
  return {
    Width: rung.width,
    Height: rung.height,
    ScalingBehavior: 'FIT_NO_UPSCALE',
    AntiAlias: 'ENABLED',
    CodecSettings: {
      Codec: 'H_264',
      H264Settings: {
        RateControlMode: 'QVBR',
        QvbrSettings: { QvbrQualityLevel: QVBR_QUALITY },
        MaxBitrate: rung.maxrateKbps * 1000,
        HrdBufferSize: rung.bufsizeKbps * 1000,
        CodecProfile: 'HIGH',
        // The frame rate follows the source, so the level the plan computed for 30 fps may be too low.
        CodecLevel: 'AUTO',
        GopSize: plan.keyframeSeconds,
        GopSizeUnits: 'SECONDS',
        GopClosedCadence: 1,
        SceneChangeDetect: 'TRANSITION_DETECTION',
        FramerateControl: 'INITIALIZE_FROM_SOURCE',
      },
    },
  };
}

function aac(audio: AudioPlan) {
  return {
    AudioSourceName: AUDIO_SELECTOR,
    CodecSettings: {
      Codec: 'AAC' as const,
      AacSettings: {
        Bitrate: audio.kbps * 1000,
        CodingMode: audio.channels === 1 ? ('CODING_MODE_1_0' as const) : ('CODING_MODE_2_0' as const),
        SampleRate: audio.sampleRate,
      },
    },
  };
}

/**
 * Starts one MediaConvert job per asset; the job id is the job id. The asset id is the client request token, so a
 * retried dispatch whose first CreateJob did go through gets the same job back instead of a second one.
 */
export class MediaConvertRunner implements TranscodeRunner {
  constructor(
    private readonly mediaConvert: MediaConvertClient,
    private readonly config: MediaConvertRunnerConfig,
  ) {}

  async start(job: TranscodeJob): Promise<{ jobId: string }> {
    // A job reads the source and writes the ladder in one go: nothing to remux from or into after the asset is ready.
    if ((job.mode ?? 'transcode') !== 'transcode') {
      throw new ValidationError([
        `${job.mode}: is not supported by this deployment (the MediaConvert transcoder makes files only at creation)`,
      ]);
    }
    // Its input clipping and image inserter need the source's frame rate and size, which this mode never probes.
    const unsupported = [job.clip && 'clips', job.overlays?.length && 'watermarks', job.test && 'test assets'];
    const named = unsupported.filter(Boolean).join(', ');
    if (named) throw new InvalidInputError(`MediaConvert mode does not make ${named}; the FFmpeg transcoder does`);
    const plan = planLadder(assumedSource(job.maxResolutionTier), {
      ...(job.maxResolutionTier && isResolutionTier(job.maxResolutionTier)
        ? { maxResolutionTier: job.maxResolutionTier }
        : {}),
    });
    const { Job } = await this.mediaConvert.send(
      new CreateJobCommand({
        Role: this.config.roleArn,
        ...(this.config.queue && { Queue: this.config.queue }),
        Settings: jobSettings(job, plan),
        UserMetadata: { [JOB_METADATA.assetId]: job.assetId, [JOB_METADATA.outputBucket]: job.outputBucket },
        ClientRequestToken: job.assetId,
        StatusUpdateInterval: 'SECONDS_60',
      }),
    );
    if (!Job?.Id) throw new Error(`CreateJob for asset ${job.assetId} returned no job`);
    return { jobId: Job.Id };
  }
}
