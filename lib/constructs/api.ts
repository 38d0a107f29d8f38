import { Duration, type Size, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';
import type { SpeechToText } from './generated-subtitles.js';
import type { StatusPush } from './status-push.js';
import type { Transcoder } from './transcoder.js';
import { DEFAULT_MAX_UPLOAD_SIZE } from './upload-limits.js';
import type { UrlInputs } from './url-inputs.js';
import type { UrlSigner } from './url-signer.js';

export interface VideoApiProps {
  readonly mediaTable: dynamodb.ITable;
  /** Access tokens and environments, managed through `/system/v1/access-tokens` and `/system/v1/environments`. */
  readonly tokensTable: dynamodb.ITable;
  /** Live status: revoking a token closes its WebSocket connections. */
  readonly statusPush: StatusPush;
  /** Signing keys, managed through `/system/v1/signing-keys`. */
  readonly signingKeysTable: dynamodb.ITable;
  /** Webhook endpoints, registered through `/system/v1/webhooks`. */
  readonly webhooksTable: dynamodb.ITable;
  readonly ingestBucket: s3.IBucket;
  /** Where assets created from an input URL are queued for fetching. */
  readonly urlInputs: UrlInputs;
  /**
   * Starts the transcoder on a ready asset: alternate audio tracks, shots, and static renditions and the master after
   * creation (refused when it is MediaConvert).
   */
  readonly transcoder: Transcoder;
  /** Renditions; deleting an asset deletes its objects here. */
  readonly outputBucket: s3.IBucket;
  /** Base URL playback ids are served under. */
  readonly streamUrl: string;
  /** Origins browsers may call the API from. @default ['*'] */
  readonly corsOrigins?: string[];
  /** Lifetime of a direct-upload URL when the request names none. @default 3600 seconds, as Mux */
  readonly uploadTimeout?: Duration;
  /**
   * The largest file a direct upload may send: a multipart start declaring more is refused (400), and part URLs are
   * issued only within the declared size. Give Ingest the same value. @default DEFAULT_MAX_UPLOAD_SIZE (512 GiB)
   */
  readonly maxUploadSize?: Size;
  /**
   * The speech-to-text service of generated subtitles: Amazon Transcribe (GeneratedSubtitles) or pocketsphinx in
   * the transcoder's task (IN_TASK_TRANSCRIPTION). @default none: they are refused (400), saying so
   */
  readonly generatedSubtitles?: SpeechToText;
  /**
   * Signs the master MP4's URL when an asset is read (usecases/master-urls.ts): the function may read the stream's
   * key. @default none: a ready master is shown without its URL
   */
  readonly urlSigner?: UrlSigner;
}

/** The HTTPS API (`/video/v1/...` and `/system/v1/...`, Mux's paths): one function that checks access tokens. */
export class VideoApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly function: GammaFunction;

  constructor(scope: Construct, id: string, props: VideoApiProps) {
    super(scope, id);
    this.function = new GammaFunction(this, 'Function', {
      handler: 'api',
      components: ['api', props.transcoder.runnerComponent],
      environment: {
        MEDIA_TABLE: props.mediaTable.tableName,
        TOKENS_TABLE: props.tokensTable.tableName,
        SIGNING_KEYS_TABLE: props.signingKeysTable.tableName,
        INGEST_BUCKET: props.ingestBucket.bucketName,
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        STREAM_URL: props.streamUrl,
        UPLOAD_TIMEOUT_SECONDS: String((props.uploadTimeout ?? Duration.hours(1)).toSeconds()),
        MAX_UPLOAD_BYTES: String((props.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE).toBytes()),
        WEBHOOKS_TABLE: props.webhooksTable.tableName,
        ...props.urlInputs.environment(),
        ...props.statusPush.closeConnectionsEnvironment(),
        ...props.generatedSubtitles?.environment(),
        ...props.transcoder.runnerEnvironment(),
        // A direct upload or input URL created starts a transcode sandbox for the job that follows.
        ...props.transcoder.warmUpEnvironment(),
        ...props.urlSigner?.signingEnvironment(),
      },
      description: 'Mux-compatible video API: uploads and assets',
    });
    props.mediaTable.grantReadWriteData(this.function);
    props.tokensTable.grantReadWriteData(this.function);
    props.statusPush.grantCloseConnections(this.function);
    props.signingKeysTable.grantReadWriteData(this.function);
    props.urlSigner?.grantSignUrls(this.function);
    props.webhooksTable.grantReadWriteData(this.function);
    props.urlInputs.grantSubmit(this.function);
    props.generatedSubtitles?.grantStart(this.function);
    props.transcoder.grantStart(this.function);
    props.transcoder.grantWarmUp(this.function);
    // Presigned direct-upload URLs are signed with this function's role.
    // (s3:PutObject also covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload; s3:Abort* cancelling.)
    props.ingestBucket.grantPut(this.function, 'uploads/*');
    // Resuming a multipart upload lists its parts; no Bucket grant has this action alone (grantRead adds GetObject).
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ['s3:ListMultipartUploadParts'],
      resourceArns: [props.ingestBucket.arnForObjects('uploads/*')],
    });
    // Deleting an asset removes its source and its renditions.
    props.ingestBucket.grantDelete(this.function, 'uploads/*');
    props.outputBucket.grantRead(this.function, 'assets/*');
    // Text tracks: the API writes a track's segmented WebVTT rendition under the asset's folder.
    props.outputBucket.grantPut(this.function, 'assets/*');
    props.outputBucket.grantDelete(this.function, 'assets/*');

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Gamma video API',
      corsPreflight: {
        allowOrigins: props.corsOrigins ?? ['*'],
        allowMethods: [apigw.CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    // No API Gateway authorizer: its denials are a bare 403, while Mux clients expect 401 in Mux's error shape.
    // The function verifies the access token itself on every route but /openapi.json (api.ts `callerOf`).
    const integration = new HttpLambdaIntegration('Api', this.function);
    const methods = [
      apigw.HttpMethod.GET,
      apigw.HttpMethod.POST,
      apigw.HttpMethod.PUT,
      apigw.HttpMethod.PATCH,
      apigw.HttpMethod.DELETE,
    ];
    const routes = [
      ...this.httpApi.addRoutes({ path: '/video/v1/{proxy+}', methods, integration }),
      ...this.httpApi.addRoutes({ path: '/system/v1/{proxy+}', methods, integration }),
      ...this.httpApi.addRoutes({ path: '/openapi.json', methods: [apigw.HttpMethod.GET], integration }),
      // Mux Data is not offered: every method gets the 404 naming why (handlers/api/router.ts `notOffered`), not
      // API Gateway's bare one.
      ...this.httpApi.addRoutes({ path: '/data/v1/{proxy+}', methods, integration }),
      // The SDK's playback helpers with a custom baseURL (`/{playbackId}.m3u8`, `/{playbackId}/thumbnail.jpg`):
      // redirected to the stream URL by handlers/api/playback.ts.
      ...this.httpApi.addRoutes({ path: '/{proxy+}', methods: [apigw.HttpMethod.GET], integration }),
    ];
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The function checks the access token of every request (answering Mux-shaped 401s); only /openapi.json is public',
      });
    }
  }

  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
