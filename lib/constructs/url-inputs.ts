import { Duration, type Size } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvName } from '../../lambdas/core/env.js';
import { INPUT_QUEUE } from '../../lambdas/core/usecases/url-inputs.js';
import { GammaFunction } from './gamma-function.js';
import type { Transcoder } from './transcoder.js';
import { DEFAULT_MAX_UPLOAD_SIZE } from './upload-limits.js';

export interface UrlInputsProps {
  readonly ingestBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  readonly mediaTable: dynamodb.ITable;
  readonly transcoder: Transcoder;
  /** A URL's file larger than this is refused (declared) or stopped (sent). @default DEFAULT_MAX_UPLOAD_SIZE (api.ts) */
  readonly maxUploadSize?: Size;
  /**
   * Let input URLs point at loopback addresses (the local platform's tests serve files on 127.0.0.1).
   * @default false — private, loopback and link-local addresses are all refused
   */
  readonly allowLoopback?: boolean;
}

/**
 * Assets from an input URL: the API queues each new asset here; the fetch function streams the URL into the ingest
 * bucket (refusing internal addresses at every connection) and starts the transcode. Failed fetches are retried,
 * then go to a dead-letter queue.
 */
export class UrlInputs extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: GammaFunction;
  readonly allowLoopback: boolean;

  constructor(scope: Construct, id: string, props: UrlInputsProps) {
    super(scope, id);
    this.allowLoopback = props.allowLoopback ?? false;
    this.deadLetterQueue = new sqs.Queue(this, 'DLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.queue = new sqs.Queue(this, 'Queue', {
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INPUT_QUEUE.visibilitySeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INPUT_QUEUE.maxReceives },
    });
    this.function = new GammaFunction(this, 'Function', {
      handler: 'url-fetch',
      components: ['urlFetch', props.transcoder.runnerComponent],
      environment: {
        MEDIA_TABLE: props.mediaTable.tableName,
        INGEST_BUCKET: props.ingestBucket.bucketName,
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        MAX_UPLOAD_BYTES: String((props.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE).toBytes()),
        ...props.transcoder.runnerEnvironment(),
        ...this.environment(),
      },
      // A large file streams for minutes; the fetcher's own deadline (14 minutes, transfer-guard.ts) stops it first.
      timeout: Duration.minutes(15),
      memorySize: 1024,
      description: 'Fetches input URLs into the ingest bucket and starts their transcode',
    });
    props.mediaTable.grantReadWriteData(this.function);
    props.ingestBucket.grantPut(this.function, 'uploads/*');
    // HeadObject: what an earlier delivery stored is not fetched again (a 404, not a 403, needs the bucket's list).
    props.ingestBucket.grantRead(this.function, 'uploads/*');
    props.transcoder.grantStart(this.function);
    this.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }));
  }

  /** What a function that submits assets needs: the queue, and the loopback switch when it is on. */
  environment(): Partial<Record<EnvName, string>> {
    return { INPUT_QUEUE_URL: this.queue.queueUrl, ...(this.allowLoopback && { ALLOW_LOOPBACK_URLS: 'true' }) };
  }

  grantSubmit(grantee: iam.IGrantable): void {
    this.queue.grantSendMessages(grantee);
  }
}
