import { type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type EdgeRateLimit, EdgeWebAclArn } from './constructs/edge-rate-limit.js';
import { MediaStorage } from './constructs/media-storage.js';
import { Monitoring } from './constructs/monitoring.js';
import { Stream } from './constructs/stream.js';

export interface StatefulStackProps extends StackProps {
  /** @default true — buckets and tables survive stack deletion */
  readonly retainData?: boolean;
  /** Origins allowed to upload from a browser. @default ['*'] */
  readonly corsOrigins?: string[];
  /** Subscribed to the alarm topic. @default none (subscribe to the topic yourself) */
  readonly alarmEmail?: string;
  /** See MediaStorageProps. @default 3 minutes */
  readonly ingestVisibilityTimeout?: Duration;
  /** See StreamProps.publicUrl. @default the distribution's URL */
  readonly streamUrl?: string;
  /**
   * A web ACL (in its us-east-1 stack) to put in front of the playback distribution; this stack then deploys after it.
   * @default none
   */
  readonly edgeRateLimit?: EdgeRateLimit;
}

/**
 * The data, kept apart from the replaceable pipeline: buckets, the ingest queue, the tables, and the playback
 * distribution in front of the output bucket (its origin access control writes the bucket's policy, so it must
 * live beside the bucket). It also owns the alarm topic.
 */
export class StatefulStack extends Stack {
  readonly storage: MediaStorage;
  readonly stream: Stream;
  /** Owns the alarm topic both stacks notify. */
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    this.storage = new MediaStorage(this, 'Storage', {
      retainData: props.retainData,
      corsOrigins: props.corsOrigins,
      ingestVisibilityTimeout: props.ingestVisibilityTimeout,
    });
    this.stream = new Stream(this, 'Stream', {
      outputBucket: this.storage.outputBucket,
      mediaTable: this.storage.mediaTable,
      signingKeysTable: this.storage.signingKeysTable,
      publicUrl: props.streamUrl,
      webAclArn: props.edgeRateLimit && this.edgeWebAclArn(props.edgeRateLimit),
    });
    this.monitoring = new Monitoring(this, 'Monitoring', { alarmEmail: props.alarmEmail });
  }

  private edgeWebAclArn(edge: EdgeRateLimit): string {
    this.addStackDependency(Stack.of(edge), 'the distribution reads the web ACL the edge stack creates');
    return new EdgeWebAclArn(this, 'EdgeWebAclArn', edge).arn;
  }
}
