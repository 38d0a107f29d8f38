import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

export interface StatusPushProps {
  readonly mediaTable: dynamodb.ITable;
  readonly connectionsTable: dynamodb.ITable;
  readonly tokensTable: dynamodb.ITable;
  readonly streamUrl: string;
  /**
   * Base URL of the @connections management API.
   * @default the stage's callback URL (override where the API is reached another way, e.g. in the emulator)
   */
  readonly callbackUrl?: (api: apigw.WebSocketApi, stage: apigw.WebSocketStage) => string;
}

/**
 * Live status: a WebSocket API clients connect to with an access token, and the notify function that reads the
 * media table's stream (the outbox) and pushes every upload/asset change to the connections that want it.
 */
export class StatusPush extends Construct {
  readonly webSocketApi: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;
  readonly notifyFunction: GammaFunction;
  /** Where functions reach the stage's @connections API. */
  readonly callbackUrl: string;
  private readonly connectionsTable: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: StatusPushProps) {
    super(scope, id);
    const connections = { CONNECTIONS_TABLE: props.connectionsTable.tableName };
    this.connectionsTable = props.connectionsTable;

    const connect = new GammaFunction(this, 'ConnectFunction', {
      handler: 'ws-connect',
      components: ['wsConnect'],
      environment: { ...connections, TOKENS_TABLE: props.tokensTable.tableName },
      description: 'Accepts a WebSocket connection that carries a valid access token',
    });
    props.connectionsTable.grantWriteData(connect);
    props.tokensTable.grantReadData(connect);
    const disconnect = new GammaFunction(this, 'DisconnectFunction', {
      handler: 'ws-disconnect',
      components: ['wsDisconnect'],
      environment: connections,
      description: 'Forgets a closed WebSocket connection',
    });
    props.connectionsTable.grantWriteData(disconnect);
    const subscribe = new GammaFunction(this, 'SubscribeFunction', {
      handler: 'ws-subscribe',
      components: ['wsSubscribe'],
      environment: connections,
      description: 'Narrows a connection to the assets and uploads it asks for',
    });
    props.connectionsTable.grantReadWriteData(subscribe);

    this.webSocketApi = new apigw.WebSocketApi(this, 'WebSocketApi', {
      description: 'Gamma live status',
      connectRouteOptions: { integration: new WebSocketLambdaIntegration('Connect', connect) },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('Disconnect', disconnect) },
    });
    this.webSocketApi.addRoute('subscribe', { integration: new WebSocketLambdaIntegration('Subscribe', subscribe) });
    this.stage = new apigw.WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName: 'live',
      autoDeploy: true,
    });
    this.callbackUrl = props.callbackUrl?.(this.webSocketApi, this.stage) ?? this.stage.callbackUrl;

    this.notifyFunction = new GammaFunction(this, 'NotifyFunction', {
      handler: 'notify',
      components: ['notify'],
      environment: {
        MEDIA_TABLE: props.mediaTable.tableName,
        CONNECTIONS_TABLE: props.connectionsTable.tableName,
        WEBSOCKET_CALLBACK_URL: this.callbackUrl,
        STREAM_URL: props.streamUrl,
      },
      description: 'Pushes every upload and asset status change to subscribed WebSocket clients',
    });
    props.connectionsTable.grantReadWriteData(this.notifyFunction);
    this.webSocketApi.grantManageConnections(this.notifyFunction);
    this.notifyFunction.addEventSource(
      new DynamoEventSource(props.mediaTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 50,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(
          new sqs.Queue(this, 'NotifyDLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) }),
        ),
      }),
    );
  }

  get url(): string {
    return this.stage.url;
  }

  /** The variables a function needs to close connections (revoking a token closes its sockets). */
  closeConnectionsEnvironment() {
    return { CONNECTIONS_TABLE: this.connectionsTable.tableName, WEBSOCKET_CALLBACK_URL: this.callbackUrl };
  }

  /** Lets a function find a token's connections, close them (@connections DELETE) and forget them. */
  grantCloseConnections(grantee: GammaFunction): void {
    this.connectionsTable.grantReadWriteData(grantee);
    this.webSocketApi.grantManageConnections(grantee);
  }
}
