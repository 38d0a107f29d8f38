import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

export interface UploadTimeoutsProps {
  readonly mediaTable: dynamodb.ITable;
  /** Where direct uploads land: a timed-out multipart upload is aborted there. */
  readonly ingestBucket: s3.IBucket;
  /** How often expired uploads are looked for. @default 5 minutes */
  readonly every?: Duration;
}

/** A schedule that moves direct uploads whose URL expired without a file to `timed_out` (as Mux does). */
export class UploadTimeouts extends Construct {
  readonly function: GammaFunction;

  constructor(scope: Construct, id: string, props: UploadTimeoutsProps) {
    super(scope, id);
    this.function = new GammaFunction(this, 'Function', {
      handler: 'upload-timeouts',
      components: ['uploadTimeouts'],
      environment: { MEDIA_TABLE: props.mediaTable.tableName, INGEST_BUCKET: props.ingestBucket.bucketName },
      timeout: Duration.minutes(2),
      description: 'Times out direct uploads whose URL expired without a file',
    });
    props.mediaTable.grantReadWriteData(this.function);
    // s3:Abort* (AbortMultipartUpload) comes with the put grant, under uploads/ only.
    props.ingestBucket.grantPut(this.function, 'uploads/*');
    new events.Rule(this, 'Schedule', {
      description: 'Time out expired direct uploads',
      schedule: events.Schedule.rate(props.every ?? Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
