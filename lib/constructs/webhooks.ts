import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { environmentKey, WEBHOOKS_TABLE } from '../../lambdas/core/tables.js';
import { GammaFunction } from './gamma-function.js';
import type { UrlSigner } from './url-signer.js';

export interface WebhooksProps {
  /** The media table, whose stream is the outbox every event comes from. */
  readonly mediaTable: dynamodb.ITable;
  /** The tokens table, where environments are kept: each event names its environment (`environment.name`). */
  readonly tokensTable: dynamodb.ITable;
  /** Delay before the second delivery attempt; each later one waits twice as long (less up to 20%). @default 30 s */
  readonly retryBaseDelay?: Duration;
  /** The longest wait between two attempts: the doubling stops here (at most 12 hours). @default 1 hour */
  readonly retryMaxDelay?: Duration;
  /**
   * Receives per event and endpoint before the message goes to the dead-letter queue. An event waiting behind a
   * failing one of the same object is received with it, so the two reach the dead-letter queue together.
   * @default 30 (with the default delays, about a day: 30 s, 1, 2 … 32 minutes, then hourly)
   */
  readonly maxAttempts?: number;
  /** @default RemovalPolicy.RETAIN — registered endpoints survive the pipeline stack */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deliver to loopback addresses (the local platform's tests receive on 127.0.0.1).
   * @default false — private, loopback and link-local endpoints are refused
   */
  readonly allowLoopback?: boolean;
  /**
   * Signs the master MP4's URL in `video.asset.master.ready` and the other asset events (the fan-out may read the
   * stream's key). @default none: a ready master is sent without its URL
   */
  readonly urlSigner?: UrlSigner;
}

/**
 * Webhooks, Mux-style: the media table's stream → fan-out function → one queue message per event and endpoint →
 * deliver function (signed POST, exponential backoff through the message's visibility timeout) → dead-letter
 * queue after the last attempt. Endpoints and a per-endpoint delivery log live in the webhooks table.
 *
 * The queue is FIFO with a message group per endpoint and object, so an endpoint gets each asset's events in
 * order (`video.asset.created` before `video.asset.ready`) even across a long outage, while other assets and
 * endpoints are not held up; high-throughput mode scales it per group.
 */
export class Webhooks extends Construct {
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly fanoutFunction: GammaFunction;
  readonly deliverFunction: GammaFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: WEBHOOKS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: WEBHOOKS_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: WEBHOOKS_TABLE.timeToLive,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    const retryMaxDelay = props.retryMaxDelay ?? Duration.hours(1);
    if (retryMaxDelay.toSeconds() > Duration.hours(12).toSeconds()) {
      throw new Error('Webhooks: retryMaxDelay is at most 12 hours (the longest SQS visibility timeout)');
    }
    this.deadLetterQueue = new sqs.Queue(this, 'DLQ', {
      fifo: true,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      enforceSSL: true,
      // Above the deliver function's timeout, so a message is never handed out twice at once.
      visibilityTimeout: Duration.seconds(90),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxAttempts ?? 30 },
    });

    this.fanoutFunction = new GammaFunction(this, 'FanoutFunction', {
      handler: 'webhook-fanout',
      components: ['webhookFanout'],
      environment: {
        WEBHOOKS_TABLE: this.table.tableName,
        WEBHOOK_QUEUE_URL: this.queue.queueUrl,
        TOKENS_TABLE: props.tokensTable.tableName,
        ...props.urlSigner?.signingEnvironment(),
      },
      description: 'Queues each upload and asset event once per webhook endpoint of its environment',
    });
    this.table.grantReadData(this.fanoutFunction);
    // Only the environments' items of the tokens table: the tokens' hashes beside them are none of its business.
    iam.Grant.addToPrincipal({
      grantee: this.fanoutFunction,
      actions: ['dynamodb:GetItem'],
      resourceArns: [props.tokensTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [environmentKey('*')] } },
    });
    this.queue.grantSendMessages(this.fanoutFunction);
    props.urlSigner?.grantSignUrls(this.fanoutFunction);
    this.fanoutFunction.addEventSource(
      new DynamoEventSource(props.mediaTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 50,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        onFailure: new SqsDlq(
          new sqs.Queue(this, 'FanoutDLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) }),
        ),
      }),
    );

    this.deliverFunction = new GammaFunction(this, 'DeliverFunction', {
      handler: 'webhook-deliver',
      components: ['webhookDeliver'],
      environment: {
        WEBHOOKS_TABLE: this.table.tableName,
        WEBHOOK_QUEUE_URL: this.queue.queueUrl,
        WEBHOOK_RETRY_BASE_SECONDS: String((props.retryBaseDelay ?? Duration.seconds(30)).toSeconds()),
        WEBHOOK_RETRY_MAX_SECONDS: String(retryMaxDelay.toSeconds()),
        ...(props.allowLoopback && { ALLOW_LOOPBACK_URLS: 'true' }),
      },
      timeout: Duration.seconds(30),
      description: 'POSTs signed webhooks, retrying with exponential backoff',
    });
    this.table.grantReadWriteData(this.deliverFunction);
    // Receive/delete come with the event source; ChangeMessageVisibility (the backoff) is part of consuming.
    this.queue.grantConsumeMessages(this.deliverFunction);
    this.deliverFunction.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }
}
