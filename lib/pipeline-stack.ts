import { CfnOutput, Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ChunkWorkers } from '../lambdas/core/domain/chunks.js';
import { VideoApi } from './constructs/api.js';
import { Dashboard } from './constructs/dashboard.js';
import { FirstAccessToken } from './constructs/first-token.js';
import { GeneratedSubtitles, IN_TASK_TRANSCRIPTION } from './constructs/generated-subtitles.js';
import { Ingest } from './constructs/ingest.js';
import type { MediaStorage } from './constructs/media-storage.js';
import { MediaConvertTranscoder } from './constructs/mediaconvert.js';
import { Monitoring } from './constructs/monitoring.js';
import { StatusPush } from './constructs/status-push.js';
import type { Stream } from './constructs/stream.js';
import { FargateTranscoder, type JobRuntime } from './constructs/transcode.js';
import { DEFAULT_MAX_UPLOAD_SIZE } from './constructs/upload-limits.js';
import { UploadTimeouts } from './constructs/upload-timeouts.js';
import { UrlInputs } from './constructs/url-inputs.js';
import { Webhooks } from './constructs/webhooks.js';

export interface PipelineStackProps extends StackProps {
  readonly storage: MediaStorage;
  readonly stream: Stream;
  /** Where this stack's alarms notify (the stateful stack's topic). @default a topic of this stack */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Which TranscodeRunner the ingest function uses: FFmpeg on Fargate, or AWS Elemental MediaConvert.
   * @default 'fargate'
   */
  readonly transcoder?: TranscoderKind;
  /**
   * The speech-to-text service of generated subtitles: Amazon Transcribe, or pocketsphinx in the FFmpeg
   * transcoder's task (US English only, much less accurate; see README "Generated subtitles").
   * @default 'transcribe' on AWS; 'pocketsphinx' locally (the emulator's Transcribe recognises no speech)
   */
  readonly transcriber?: TranscriberChoice;
  /** Origins browsers may call the API from. @default ['*'] */
  readonly corsOrigins?: string[];
  /**
   * The largest file a direct upload may send (refused at multipart start; errored and deleted at ingest).
   * @default DEFAULT_MAX_UPLOAD_SIZE (512 GiB) on AWS; 100 MiB locally, where the emulator holds objects in memory
   */
  readonly maxUploadSize?: Size;
  /** Transcoder container image. @default built from containers/transcoder */
  readonly transcoderImage?: ecs.ContainerImage;
  /**
   * How long sources are encoded in chunks (FargateTranscoder `chunkWorkers`).
   * @default 'queue' on AWS (a queue-driven worker service, a job per chunk); 'process' locally (one task: the
   * quicker choice on one machine)
   */
  readonly chunkWorkers?: ChunkWorkers;
  /** With `queue` workers: where the jobs run (FargateTranscoder `jobRuntime`). @default 'lambda' */
  readonly jobRuntime?: JobRuntime;
  /**
   * With `queue` workers: workers kept running at rest (TranscodeWorkers `warmWorkers`).
   * @default 0 with jobRuntime 'lambda', else 1
   */
  readonly warmWorkers?: number;
  /**
   * With the transcode function (`queue` workers, jobRuntime 'lambda'): sandboxes kept initialised at all times
   * (TranscodeFunction `provisionedConcurrency`, about $88 a month each).
   * @default 0
   */
  readonly provisionedConcurrency?: number;
  /**
   * With the transcode function: chunk jobs' sandboxes at once at most, which a long source's chunk count follows
   * (TranscodeFunction `maxConcurrency`).
   * @default FUNCTION_DEFAULTS.maxConcurrency (16)
   */
  readonly maxConcurrency?: number;
  /**
   * With the transcode function: uploads' first jobs at once at most, on an event source of their own
   * (TranscodeFunction `uploadConcurrency`).
   * @default FUNCTION_DEFAULTS.uploadConcurrency (16)
   */
  readonly uploadConcurrency?: number;
  /**
   * Deploying into the local emulator instead of AWS: see README "On one machine".
   * @default undefined — a real AWS account
   */
  readonly local?: LocalOptions;
}

export type TranscoderKind = 'fargate' | 'mediaconvert';
export type TranscriberChoice = 'transcribe' | 'pocketsphinx';
export const TRANSCRIBER_CHOICES: readonly TranscriberChoice[] = ['transcribe', 'pocketsphinx'];
export const TRANSCODER_KINDS: readonly TranscoderKind[] = ['fargate', 'mediaconvert'];

export interface LocalOptions {
  /** The emulator's endpoint, e.g. http://127.0.0.1:4566. */
  readonly endpoint: string;
  /** Where the local stream server (which plays CloudFront) serves playback. */
  readonly streamUrl: string;
}

/** Source under which the local Fargate agent reports task stops (only AWS may publish `aws.ecs`). */
export const LOCAL_ECS_EVENT_SOURCE = 'gamma.local.ecs';

/**
 * The pipeline, in flow order:
 * API (upload URL) → [S3 → SQS, stateful stack] → Ingest (asset + dispatch) → Transcode (Fargate FFmpeg or
 * MediaConvert) → [output bucket → Stream (CloudFront), stateful stack] → StatusPush (table stream → WebSocket).
 * Monitoring adds an alarm to every function and dead-letter queue.
 */
export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { storage } = props;

    const { local, stream } = props;
    const streamUrl = local?.streamUrl ?? stream.url;

    const webhooks = new Webhooks(this, 'Webhooks', {
      mediaTable: storage.mediaTable,
      tokensTable: storage.tokensTable,
      urlSigner: stream,
      // Locally, retries come quickly (tests watch them), receivers on 127.0.0.1 are allowed, and nothing is kept.
      ...(local && {
        retryBaseDelay: Duration.seconds(1),
        retryMaxDelay: Duration.seconds(4),
        removalPolicy: RemovalPolicy.DESTROY,
        allowLoopback: true,
      }),
    });

    new UploadTimeouts(this, 'UploadTimeouts', { mediaTable: storage.mediaTable, ingestBucket: storage.ingestBucket });

    const transcriber = props.transcriber ?? (local ? 'pocketsphinx' : 'transcribe');
    // (Locally MediaConvert is refused below for a reason of its own.)
    if (transcriber === 'pocketsphinx' && props.transcoder === 'mediaconvert' && !local) {
      throw new Error(
        "pocketsphinx runs in the FFmpeg transcoder's task: use -c transcriber=transcribe with MediaConvert",
      );
    }
    if (transcriber === 'transcribe' && local) {
      throw new Error(
        "The emulator's Transcribe recognises no speech: deploy locally with -c transcriber=pocketsphinx",
      );
    }
    // The transcode function's own settings, refused where no function takes them. (FargateTranscoder refuses
    // provisionedConcurrency off the function itself: with jobRuntime fargate, or chunks not on the queue.)
    const onFunction =
      props.transcoder !== 'mediaconvert' &&
      (props.chunkWorkers ?? 'queue') === 'queue' &&
      (props.jobRuntime ?? 'lambda') === 'lambda';
    const functionSettings = {
      provisionedConcurrency: {
        set: Boolean(props.provisionedConcurrency),
        locally: 'the Lambda agent keeps its sandboxes started itself',
        offFunction: props.transcoder === 'mediaconvert',
      },
      maxConcurrency: {
        set: props.maxConcurrency !== undefined,
        locally: 'chunks are 4 at most and the Lambda agent runs its own sandboxes, for the machine’s cores',
        offFunction: !onFunction,
      },
      uploadConcurrency: {
        set: props.uploadConcurrency !== undefined,
        locally: 'the Lambda agent runs its own sandboxes for each queue, for the machine’s cores',
        offFunction: !onFunction,
      },
    };
    for (const [name, setting] of Object.entries(functionSettings)) {
      if (setting.set && local) throw new Error(`${name} is for Lambda on AWS: locally ${setting.locally}`);
      if (setting.set && setting.offFunction) {
        throw new Error(
          `${name} is for the transcode function: deploy with -c transcoder=fargate, ` +
            '-c chunkWorkers=queue and -c jobRuntime=lambda (the defaults)',
        );
      }
    }
    const transcoder =
      (props.transcoder ?? 'fargate') === 'mediaconvert'
        ? new MediaConvertTranscoder(this, 'Transcode', {
            ingestBucket: storage.ingestBucket,
            outputBucket: storage.outputBucket,
            mediaTable: storage.mediaTable,
          })
        : new FargateTranscoder(this, 'Transcode', {
            ingestBucket: storage.ingestBucket,
            outputBucket: storage.outputBucket,
            mediaTable: storage.mediaTable,
            image: local ? ecs.ContainerImage.fromRegistry('gamma/transcoder:local') : props.transcoderImage,
            extraStopEventSources: local ? [LOCAL_ECS_EVENT_SOURCE] : undefined,
            flowLogs: !local,
            transcribeInTask: transcriber === 'pocketsphinx',
            chunkWorkers: props.chunkWorkers ?? (local ? 'process' : 'queue'),
            ...(props.jobRuntime && { jobRuntime: props.jobRuntime }),
            ...(props.warmWorkers !== undefined && { workers: { warmWorkers: props.warmWorkers } }),
            jobFunction: {
              ...(props.provisionedConcurrency !== undefined && {
                provisionedConcurrency: props.provisionedConcurrency,
              }),
              ...(props.maxConcurrency !== undefined && { maxConcurrency: props.maxConcurrency }),
              ...(props.uploadConcurrency !== undefined && { uploadConcurrency: props.uploadConcurrency }),
            },
            // Locally, chunks are for trying the AWS paths on short clips: small chunks, a few workers; the Fargate
            // agent plays the worker service (no service autoscaling in the emulator), and a dead worker's job
            // comes back after 10 s.
            ...(local && {
              chunkTasks: 4,
              minChunkDuration: Duration.seconds(12),
              allowLoopbackUrls: true,
              workers: { service: false, maxWorkers: 4, visibilityTimeout: Duration.seconds(10) },
              // The Lambda agent plays the function and its event source (scripts/local/lambda-agent.ts) with the
              // bundle; the image it names is never pulled. Local sources are short: over 30 s, handed off.
              functionCode: lambda.DockerImageCode.fromEcr(
                ecr.Repository.fromRepositoryName(this, 'LocalTranscoderRepository', 'gamma/transcoder'),
                { tagOrDigest: 'local' },
              ),
              // Its queue's visibility is the workers' 10 s (the runtime extends it while a job runs), so a killed
              // sandbox's job comes back as soon as a worker's; on AWS Lambda requires the function's 15 minutes.
              jobFunction: {
                eventSource: false,
                maxConcurrency: 4,
                handoffAfter: Duration.seconds(30),
                visibilityTimeout: Duration.seconds(10),
              },
            }),
          });
    if (local && transcoder instanceof MediaConvertTranscoder) {
      throw new Error('MediaConvert is not emulated: deploy into the emulator with -c transcoder=fargate');
    }

    const maxUploadSize = props.maxUploadSize ?? (local ? Size.mebibytes(100) : DEFAULT_MAX_UPLOAD_SIZE);
    const urlInputs = new UrlInputs(this, 'UrlInputs', {
      ingestBucket: storage.ingestBucket,
      outputBucket: storage.outputBucket,
      mediaTable: storage.mediaTable,
      transcoder,
      maxUploadSize,
      // The local platform's tests serve input files on 127.0.0.1; on AWS every internal address is refused.
      allowLoopback: Boolean(local),
    });

    new Ingest(this, 'Ingest', {
      maxUploadSize,
      queue: storage.ingestQueue,
      ingestBucket: storage.ingestBucket,
      outputBucket: storage.outputBucket,
      mediaTable: storage.mediaTable,
      transcoder,
      urlInputs,
    });

    const push = new StatusPush(this, 'StatusPush', {
      mediaTable: storage.mediaTable,
      connectionsTable: storage.connectionsTable,
      tokensTable: storage.tokensTable,
      streamUrl,
      callbackUrl: local
        ? (api, stage) => `${local.endpoint}/_aws/execute-api/${api.apiId}/${stage.stageName}`
        : undefined,
    });

    // Amazon Transcribe (the AWS default), or pocketsphinx in the transcoder's task (the local default).
    const generatedSubtitles =
      transcriber === 'pocketsphinx'
        ? IN_TASK_TRANSCRIPTION
        : new GeneratedSubtitles(this, 'GeneratedSubtitles', {
            mediaTable: storage.mediaTable,
            ingestBucket: storage.ingestBucket,
            outputBucket: storage.outputBucket,
          });

    const api = new VideoApi(this, 'Api', {
      mediaTable: storage.mediaTable,
      webhooksTable: webhooks.table,
      tokensTable: storage.tokensTable,
      statusPush: push,
      signingKeysTable: storage.signingKeysTable,
      ingestBucket: storage.ingestBucket,
      urlInputs,
      transcoder,
      outputBucket: storage.outputBucket,
      streamUrl,
      corsOrigins: props.corsOrigins,
      maxUploadSize,
      generatedSubtitles,
      urlSigner: stream,
    });

    new Monitoring(this, 'Monitoring', { topic: props.alarmTopic });

    // Locally the dashboard server (scripts/local/dashboard-server.ts) serves the same build and config.json.
    if (!local) {
      const dashboard = new Dashboard(this, 'Dashboard', { apiUrl: api.url, websocketUrl: push.url, streamUrl });
      new CfnOutput(this, 'DashboardUrl', { value: dashboard.url, description: 'The dashboard' });
      // Locally `npm start` makes its own token (scripts/local/platform.ts) and prints it.
      const firstToken = new FirstAccessToken(this, 'FirstToken', { tokensTable: storage.tokensTable });
      new CfnOutput(this, 'FirstTokenCommand', {
        value: firstToken.readCommand,
        description:
          'Run once to read the first access token (every permission, environment "production"), keep it somewhere safe, then delete the secret',
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Video API base URL (/video/v1/...)' });
    new CfnOutput(this, 'WebSocketUrl', { value: push.url, description: 'Live status WebSocket URL' });
    new CfnOutput(this, 'StreamUrl', { value: streamUrl, description: 'Playback base URL ({playbackId}.m3u8)' });
    new CfnOutput(this, 'ApiId', { value: api.httpApi.apiId });
    new CfnOutput(this, 'WebSocketApiId', { value: push.webSocketApi.apiId });
    if (transcoder instanceof FargateTranscoder) {
      new CfnOutput(this, 'ClusterArn', { value: transcoder.cluster.clusterArn });
      new CfnOutput(this, 'TaskDefinitionArn', { value: transcoder.taskDefinition.taskDefinitionArn });
      if (transcoder.workers) new CfnOutput(this, 'WorkQueueUrl', { value: transcoder.workers.queue.queueUrl });
      if (transcoder.jobFunction) {
        new CfnOutput(this, 'TranscodeFunctionName', { value: transcoder.jobFunction.function.functionName });
      }
    }
    new CfnOutput(this, 'PlaybackFunctionName', { value: stream.playbackFunction.functionName });
    new CfnOutput(this, 'PlaybackKeyGroupId', { value: stream.signingKey.keyGroup.keyGroupId });
    new CfnOutput(this, 'OutputBucketName', { value: storage.outputBucket.bucketName });
    new CfnOutput(this, 'MediaTableName', { value: storage.mediaTable.tableName });
    new CfnOutput(this, 'TokensTableName', { value: storage.tokensTable.tableName });
    new CfnOutput(this, 'SigningKeysTableName', { value: storage.signingKeysTable.tableName });
    new CfnOutput(this, 'IngestQueueUrl', { value: storage.ingestQueue.queueUrl });
    new CfnOutput(this, 'IngestBucketName', { value: storage.ingestBucket.bucketName });
    new CfnOutput(this, 'WebhooksTableName', { value: webhooks.table.tableName });
    new CfnOutput(this, 'WebhookDeadLetterQueueUrl', { value: webhooks.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', { value: storage.ingestDeadLetterQueue.queueUrl });
  }
}
