import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOKS_TABLE } from '../../lambdas/core/tables.js';
import { GammaFunction } from './gamma-function.js';

export interface WebhooksProps {
  /** The media table, whose stream is the outbox every event comes from. */
  readonly mediaTable: dynamodb.ITable;
  /** Delay before the second delivery attempt; each later one waits twice as long (±20%). @default 30 seconds */
  readonly retryBaseDelay?: Duration;
  /** Attempts per event and endpoint before the message goes to the dead-letter queue. @default 10 (about 8.5 h) */
  readonly maxAttempts?: number;
  /** @default RemovalPolicy.RETAIN — registered endpoints survive the pipeline stack */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deliver to loopback addresses (the local platform's tests receive on 127.0.0.1).
   * @default false — private, loopback and link-local endpoints are refused
   */
  readonly allowLoopback?: boolean;
}

/**
 * Webhooks, Mux-style: the media table's stream → fan-out function → one queue message per event and endpoint →
 * deliver function (signed POST, exponential backoff through the message's visibility timeout) → dead-letter
 * queue after the last attempt. Endpoints and a per-endpoint delivery log live in the webhooks table.
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

    this.deadLetterQueue = new sqs.Queue(this, 'DLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.queue = new sqs.Queue(this, 'Queue', {
      enforceSSL: true,
      // Above the deliver function's timeout, so a message is never handed out twice at once.
      visibilityTimeout: Duration.seconds(90),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxAttempts ?? 10 },
    });

    this.fanoutFunction = new GammaFunction(this, 'FanoutFunction', {
      handler: 'webhook-fanout',
      components: ['webhookFanout'],
      environment: { WEBHOOKS_TABLE: this.table.tableName, WEBHOOK_QUEUE_URL: this.queue.queueUrl },
      description: 'Queues each upload and asset event once per webhook endpoint of its environment',
    });
    this.table.grantReadData(this.fanoutFunction);
    this.queue.grantSendMessages(this.fanoutFunction);
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
