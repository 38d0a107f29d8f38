import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CONNECTIONS_TABLE,
  MEDIA_TABLE,
  SEARCH_TIER_INDEXES,
  SIGNING_KEYS_TABLE,
  TOKENS_TABLE,
} from '../../lambdas/core/tables.js';

export interface MediaStorageProps {
  /**
   * Keep buckets and tables when the stack is deleted.
   * @default true — data survives `cdk destroy`; pass false for throw-away environments.
   */
  readonly retainData?: boolean;
  /** Origins allowed to PUT direct uploads from a browser. @default ['*'] */
  readonly corsOrigins?: string[];
  /** Receives of an ingest message before it moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /**
   * How long a received ingest message stays hidden before it is delivered again, so also the wait between two
   * attempts at a message that failed. @default 3 minutes — six times the ingest function's timeout, as AWS
   * recommends for Lambda event sources. The local deployment shortens it so a retried message is seen in seconds.
   */
  readonly ingestVisibilityTimeout?: Duration;
}

/**
 * Everything stateful: the ingest bucket and the queue its ObjectCreated events go to (with a DLQ), the output
 * bucket, and the tables. Lives in its own stack so the pipeline can be replaced without touching data.
 */
export class MediaStorage extends Construct {
  readonly ingestBucket: s3.Bucket;
  readonly ingestQueue: sqs.Queue;
  readonly ingestDeadLetterQueue: sqs.Queue;
  readonly outputBucket: s3.Bucket;
  readonly mediaTable: dynamodb.Table;
  readonly connectionsTable: dynamodb.Table;
  readonly tokensTable: dynamodb.Table;
  /** Public keys that verify playback tokens: apart from the media table, so the transcoder cannot replace one. */
  readonly signingKeysTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: MediaStorageProps = {}) {
    super(scope, id);
    const removalPolicy = (props.retainData ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects,
    });
    const privateBucket: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      removalPolicy,
      autoDeleteObjects,
    };

    this.ingestBucket = new s3.Bucket(this, 'IngestBucket', {
      ...privateBucket,
      serverAccessLogsPrefix: 'ingest/',
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT],
          allowedOrigins: props.corsOrigins ?? ['*'],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      // Versions, so an asset reads exactly the object ingest saw (its S3 event's version id): a presigned PUT URL
      // still works until it expires, and a second PUT must not change what an asset is made from.
      versioned: true,
      // Parts of an abandoned multipart upload are dropped after 7 days: the longest an upload may stay open (Mux's
      // largest `timeout`), so a slow transfer of a large file is never cut short. Cancelling aborts at once.
      // Replaced and deleted versions go after 7 days too (a pinned source outlives any transcode and its retries).
      lifecycleRules: [
        {
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(7),
          expiredObjectDeleteMarker: true,
        },
      ],
    });

    this.ingestDeadLetterQueue = new sqs.Queue(this, 'IngestDLQ', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    this.ingestQueue = new sqs.Queue(this, 'IngestQueue', {
      visibilityTimeout: props.ingestVisibilityTimeout ?? Duration.minutes(3),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      deadLetterQueue: { queue: this.ingestDeadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.ingestBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.ingestQueue), {
      prefix: 'uploads/',
    });

    this.outputBucket = new s3.Bucket(this, 'OutputBucket', {
      ...privateBucket,
      serverAccessLogsPrefix: 'output/',
    });

    this.mediaTable = new dynamodb.Table(this, 'MediaTable', {
      partitionKey: { name: MEDIA_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.mediaTable.addGlobalSecondaryIndex({
      indexName: MEDIA_TABLE.byEnvIndex,
      partitionKey: { name: MEDIA_TABLE.byEnvPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: MEDIA_TABLE.byEnvSortKey, type: dynamodb.AttributeType.STRING },
    });
    // Asset search (domain/search.ts): one GSI per tier, keys only, so an index stores no more than each entry's key.
    for (const { index, partitionKey } of Object.values(SEARCH_TIER_INDEXES)) {
      this.mediaTable.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: MEDIA_TABLE.bySearchSortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
    }

    this.connectionsTable = new dynamodb.Table(this, 'ConnectionsTable', {
      partitionKey: { name: CONNECTIONS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expires_at',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.connectionsTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'Open WebSocket connections expire within hours and are re-created by reconnecting: nothing to restore',
    });
    this.connectionsTable.addGlobalSecondaryIndex({
      indexName: CONNECTIONS_TABLE.byEnvIndex,
      partitionKey: { name: CONNECTIONS_TABLE.byEnvPartitionKey, type: dynamodb.AttributeType.STRING },
    });

    this.tokensTable = new dynamodb.Table(this, 'TokensTable', {
      partitionKey: { name: TOKENS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Expired tokens (dashboard sessions) are removed by DynamoDB at no cost; they stop working at expiry anyway.
      timeToLiveAttribute: TOKENS_TABLE.timeToLive,
      removalPolicy,
    });
    // An environment's tokens, and the environments themselves (tables.ts).
    this.tokensTable.addGlobalSecondaryIndex({
      indexName: TOKENS_TABLE.byEnvIndex,
      partitionKey: { name: TOKENS_TABLE.byEnvPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TOKENS_TABLE.byEnvSortKey, type: dynamodb.AttributeType.NUMBER },
    });

    this.signingKeysTable = new dynamodb.Table(this, 'SigningKeysTable', {
      partitionKey: { name: SIGNING_KEYS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.signingKeysTable.addGlobalSecondaryIndex({
      indexName: SIGNING_KEYS_TABLE.byEnvIndex,
      partitionKey: { name: SIGNING_KEYS_TABLE.byEnvPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SIGNING_KEYS_TABLE.byEnvSortKey, type: dynamodb.AttributeType.NUMBER },
    });
  }
}
