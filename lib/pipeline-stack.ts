import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { VideoApi } from './constructs/api.js';
import { Ingest } from './constructs/ingest.js';
import type { MediaStorage } from './constructs/media-storage.js';
import { StatusPush } from './constructs/status-push.js';
import { Stream } from './constructs/stream.js';
import { FargateTranscoder } from './constructs/transcode.js';

export interface PipelineStackProps extends StackProps {
  readonly storage: MediaStorage;
  /** Origins browsers may call the API from. @default ['*'] */
  readonly corsOrigins?: string[];
  /** Transcoder container image. @default built from containers/transcoder */
  readonly transcoderImage?: ecs.ContainerImage;
  /**
   * Public playback base URL handed to the API and notifications.
   * @default the CloudFront distribution's URL (override only where something else serves playback, e.g. locally)
   */
  readonly streamUrl?: string;
}

/**
 * The pipeline, in flow order:
 * API (upload URL) → [S3 → SQS, in the stateful stack] → Ingest (asset + dispatch) → Transcode (Fargate FFmpeg)
 * → Stream (CloudFront over the output bucket) → StatusPush (table stream → WebSocket).
 */
export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { storage } = props;

    const stream = new Stream(this, 'Stream', { outputBucket: storage.outputBucket, mediaTable: storage.mediaTable });
    const streamUrl = props.streamUrl ?? stream.url;

    const api = new VideoApi(this, 'Api', {
      mediaTable: storage.mediaTable,
      tokensTable: storage.tokensTable,
      ingestBucket: storage.ingestBucket,
      streamUrl,
      corsOrigins: props.corsOrigins,
    });

    const transcoder = new FargateTranscoder(this, 'Transcode', {
      ingestBucket: storage.ingestBucket,
      outputBucket: storage.outputBucket,
      mediaTable: storage.mediaTable,
      image: props.transcoderImage,
    });

    new Ingest(this, 'Ingest', {
      queue: storage.ingestQueue,
      ingestBucket: storage.ingestBucket,
      outputBucket: storage.outputBucket,
      mediaTable: storage.mediaTable,
      transcoder,
    });

    const push = new StatusPush(this, 'StatusPush', {
      mediaTable: storage.mediaTable,
      connectionsTable: storage.connectionsTable,
      tokensTable: storage.tokensTable,
      streamUrl,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Video API base URL (/video/v1/...)' });
    new CfnOutput(this, 'WebSocketUrl', { value: push.url, description: 'Live status WebSocket URL' });
    new CfnOutput(this, 'StreamUrl', { value: streamUrl, description: 'Playback base URL ({playbackId}.m3u8)' });
    new CfnOutput(this, 'ClusterArn', { value: transcoder.cluster.clusterArn });
    new CfnOutput(this, 'TokensTableName', { value: storage.tokensTable.tableName });
  }
}
