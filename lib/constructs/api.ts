import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

export interface VideoApiProps {
  readonly mediaTable: dynamodb.ITable;
  readonly tokensTable: dynamodb.ITable;
  readonly ingestBucket: s3.IBucket;
  /** Base URL playback ids are served under. */
  readonly streamUrl: string;
  /** Origins browsers may call the API from. @default ['*'] */
  readonly corsOrigins?: string[];
  /** Lifetime of a direct-upload URL when the request names none. @default 3600 seconds, as Mux */
  readonly uploadTimeout?: Duration;
}

/** The HTTPS API (`/video/v1/...`, Mux's paths): one function behind a Lambda authorizer for access tokens. */
export class VideoApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly function: GammaFunction;
  readonly authorizerFunction: GammaFunction;

  constructor(scope: Construct, id: string, props: VideoApiProps) {
    super(scope, id);
    this.authorizerFunction = new GammaFunction(this, 'AuthorizerFunction', {
      handler: 'authorizer',
      components: ['authorizer'],
      environment: { TOKENS_TABLE: props.tokensTable.tableName },
      description: 'Checks access tokens (HTTP Basic) for the video API',
    });
    props.tokensTable.grantReadData(this.authorizerFunction);

    this.function = new GammaFunction(this, 'Function', {
      handler: 'api',
      components: ['api'],
      environment: {
        MEDIA_TABLE: props.mediaTable.tableName,
        TOKENS_TABLE: props.tokensTable.tableName,
        INGEST_BUCKET: props.ingestBucket.bucketName,
        STREAM_URL: props.streamUrl,
        UPLOAD_TIMEOUT_SECONDS: String((props.uploadTimeout ?? Duration.hours(1)).toSeconds()),
      },
      description: 'Mux-compatible video API: uploads and assets',
    });
    props.mediaTable.grantReadWriteData(this.function);
    props.tokensTable.grantReadData(this.function);
    // Presigned direct-upload URLs are signed with this function's role.
    props.ingestBucket.grantPut(this.function, 'uploads/*');

    const authorizer = new HttpLambdaAuthorizer('AccessToken', this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.minutes(5),
    });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Gamma video API',
      corsPreflight: {
        allowOrigins: props.corsOrigins ?? ['*'],
        allowMethods: [apigw.CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    this.httpApi.addRoutes({
      path: '/video/v1/{proxy+}',
      methods: [
        apigw.HttpMethod.GET,
        apigw.HttpMethod.POST,
        apigw.HttpMethod.PUT,
        apigw.HttpMethod.PATCH,
        apigw.HttpMethod.DELETE,
      ],
      integration: new HttpLambdaIntegration('Api', this.function),
      authorizer,
    });
  }

  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
