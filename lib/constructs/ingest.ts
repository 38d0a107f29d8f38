import { Duration, type Size } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';
import type { Transcoder } from './transcoder.js';
import { DEFAULT_MAX_UPLOAD_SIZE } from './upload-limits.js';
import type { UrlInputs } from './url-inputs.js';

export interface IngestProps {
  readonly queue: sqs.IQueue;
  readonly ingestBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  readonly mediaTable: dynamodb.ITable;
  readonly transcoder: Transcoder;
  /** Where an upload's watermark images are fetched before its transcode (its settings' `inputs`). */
  readonly urlInputs: UrlInputs;
  /** A file larger than this errors its upload and is deleted. @default DEFAULT_MAX_UPLOAD_SIZE (upload-limits.ts) */
  readonly maxUploadSize?: Size;
}

/**
 * The dispatcher: consumes the ingest queue (S3 ObjectCreated events), creates each upload's asset exactly once
 * and starts its transcode. Reports partial batch failures so one bad record never holds back the rest.
 */
export class Ingest extends Construct {
  readonly function: GammaFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    this.function = new GammaFunction(this, 'Function', {
      handler: 'ingest',
      components: ['ingest', props.transcoder.runnerComponent],
      environment: {
        MEDIA_TABLE: props.mediaTable.tableName,
        INGEST_BUCKET: props.ingestBucket.bucketName,
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        MAX_UPLOAD_BYTES: String((props.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE).toBytes()),
        ...props.transcoder.runnerEnvironment(),
        INPUT_QUEUE_URL: props.urlInputs.environment().INPUT_QUEUE_URL,
        INGEST_QUEUE_URL: props.queue.queueUrl,
      },
      timeout: Duration.seconds(30),
      description: 'Creates the asset of each uploaded file and starts its transcode',
    });
    props.mediaTable.grantReadWriteData(this.function);
    // A file over the size limit is deleted.
    props.ingestBucket.grantDelete(this.function, 'uploads/*');
    props.transcoder.grantStart(this.function);
    props.urlInputs.grantSubmit(this.function);
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxBatchingWindow: Duration.seconds(1),
      }),
    );
  }
}
