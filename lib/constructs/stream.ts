import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { SIGNATURE_PARAMS } from '../../lambdas/core/domain/cdn-signature.js';
import { IMAGE_PARAMETERS } from '../../lambdas/core/domain/image-params.js';
import {
  CLIP_PARAMETERS,
  PLAYBACK_MODIFIERS,
  TRACKS_VERSION_PARAMETER,
} from '../../lambdas/core/domain/playback-modifiers.js';
import type { EnvName } from '../../lambdas/core/env.js';
import { GammaFunction } from './gamma-function.js';
import { PlaybackSigningKey } from './playback-key.js';

/** What changes an image (Mux's parameters, and the token of a signed playback id): the images cache key. */
const IMAGE_QUERY_PARAMETERS = ['token', ...IMAGE_PARAMETERS];

export interface StreamProps {
  readonly outputBucket: s3.IBucket;
  readonly mediaTable: dynamodb.ITable;
  /** Public keys that verify signed playback ids' tokens (read only). */
  readonly signingKeysTable: dynamodb.ITable;
  /**
   * Where viewers reach playback, which signatures name.
   * @default the distribution's https URL; the local platform passes its stream server's URL
   */
  readonly publicUrl?: string;
  /**
   * Concurrent executions reserved for the playback function, which is also its ceiling: a flood of image renders
   * (public, no token needed) then throttles here instead of taking the account's whole concurrency from the API,
   * ingest and every other function. Reserving takes this many from the account's unreserved pool, which AWS keeps
   * at 100 or more, so the account's concurrency quota must be at least this plus 100 (the default quota is 1000;
   * some new accounts start at 10 and must raise it, or pass a smaller number here).
   * @default 100
   */
  readonly playbackConcurrency?: number;
  /**
   * The ARN of a CloudFront-scope AWS WAF web ACL to attach to the distribution (`EdgeRateLimit`).
   * @default none — no WAF, nothing charged at rest
   */
  readonly webAclArn?: string;
}

/**
 * Playback: a CloudFront distribution in front of the output bucket (origin access control, the bucket stays
 * private). `/{playbackId}.m3u8` is answered by the playback function, which resolves the playback id and returns
 * the asset's master playlist pointing at `/assets/{assetId}/...`, every URI signed for that folder with a key the
 * distribution trusts (CloudFront signed URLs, `PlaybackSigningKey`). Everything under `/assets/` needs that
 * signature: rendition playlists go back to the function, which hands the signature on to their segments, and
 * segments and init segments come from S3.
 */
export const DEFAULT_PLAYBACK_CONCURRENCY = 100;

function playbackConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`playbackConcurrency must be a whole number ≥ 1 (0 would refuse every playback), not ${value}`);
  }
  return value;
}

export class Stream extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly playbackFunction: GammaFunction;
  readonly signingKey: PlaybackSigningKey;
  private readonly streamUrlParameter: ssm.IStringParameter;

  constructor(scope: Construct, id: string, props: StreamProps) {
    super(scope, id);
    this.signingKey = new PlaybackSigningKey(this, 'SigningKey');
    // The function signs for the distribution's URL, but the distribution is made after the function it routes to:
    // the URL reaches the function through a parameter of a fixed name, written once the distribution exists.
    const streamUrlParameterName = `/gamma/${Stack.of(this).stackName}/stream-url`;
    this.streamUrlParameter = ssm.StringParameter.fromStringParameterName(
      this,
      'StreamUrlByName',
      streamUrlParameterName,
    );
    this.playbackFunction = new GammaFunction(this, 'PlaybackFunction', {
      handler: 'playback',
      components: ['playback'],
      environment: {
        MEDIA_TABLE: props.mediaTable.tableName,
        SIGNING_KEYS_TABLE: props.signingKeysTable.tableName,
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        PLAYBACK_KEY_SECRET: this.signingKey.secret.secretArn,
        PLAYBACK_KEY_PAIR_ID: this.signingKey.keyPairId,
        STREAM_URL_PARAMETER: streamUrlParameterName,
      },
      // Images are drawn here (sharp): 1 GB buys the memory for a 10-second animation and ~0.6 vCPU to encode it.
      memorySize: 1024,
      nativeModules: ['sharp'],
      reservedConcurrentExecutions: playbackConcurrency(props.playbackConcurrency ?? DEFAULT_PLAYBACK_CONCURRENCY),
      description: 'Resolves a playback id to its master playlist; serves signed rendition playlists',
    });
    props.mediaTable.grantReadData(this.playbackFunction);
    props.signingKeysTable.grantReadData(this.playbackFunction);
    props.outputBucket.grantRead(this.playbackFunction, 'assets/*');
    this.grantSignUrls(this.playbackFunction);
    const playbackUrl = this.playbackFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    const playbackOrigin = origins.FunctionUrlOrigin.withOriginAccessControl(playbackUrl);
    // Playback restrictions (domain/playback-restrictions.ts) read the viewer's Referer and User-Agent: forwarded to
    // the function but kept out of the cache key (a key per page URL and browser build would cache nothing). What a
    // restriction allowed is answered `private, no-store`, so it is never served from the cache to another viewer.
    const viewerHeaders = new cloudfront.OriginRequestPolicy(this, 'ViewerHeaders', {
      comment: 'Referer and User-Agent for playback restrictions; not in the cache key',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Referer', 'User-Agent'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });

    // Images (usecases/images.ts): drawn by the function from immutable inputs, so cached long, keyed on Mux's
    // image parameters (and the token of a signed playback id, whose lifetime the function's max-age follows).
    const imageBehavior: cloudfront.BehaviorOptions = {
      origin: playbackOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachePolicy: new cloudfront.CachePolicy(this, 'ImageCache', {
        comment: 'Thumbnails, animated previews, storyboards: as long as the function says, one per parameter set',
        defaultTtl: Duration.days(1),
        maxTtl: Duration.days(365),
        minTtl: Duration.seconds(0),
        queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...IMAGE_QUERY_PARAMETERS),
        enableAcceptEncodingGzip: true,
      }),
      originRequestPolicy: viewerHeaders,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS,
    };
    const signed = {
      trustedKeyGroups: [this.signingKey.keyGroup],
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Gamma playback',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin: playbackOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: new cloudfront.CachePolicy(this, 'MasterPlaylistCache', {
          comment: 'Playlists and image redirects: short-lived, keyed by path, token and thumbnail time',
          defaultTtl: Duration.seconds(10),
          maxTtl: Duration.minutes(1),
          minTtl: Duration.seconds(0),
          // `time` picks the still of `/{playbackId}/thumbnail.jpg` (usecases/images.ts).
          // The playback modifiers change the master playlist (domain/playback-modifiers.ts); the dashboard's
          // tracks version keeps a master fetched after a text track change apart from the one cached before it.
          queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(
            'token',
            'time',
            ...PLAYBACK_MODIFIERS,
            TRACKS_VERSION_PARAMETER,
          ),
        }),
        originRequestPolicy: viewerHeaders,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS,
      },
      // In this order: CloudFront takes the first pattern that matches (`assets/{id}/storyboard.jpg` is an object).
      additionalBehaviors: {
        'assets/*.m3u8': {
          ...signed,
          origin: playbackOrigin,
          cachePolicy: new cloudfront.CachePolicy(this, 'RenditionPlaylistCache', {
            comment: 'Rendition playlists: as long as the function says (2 s while growing), one per signature',
            defaultTtl: Duration.seconds(2),
            maxTtl: Duration.minutes(1),
            minTtl: Duration.seconds(0),
            // The body carries the signature: part of the key, and forwarded to the function, which checks it.
            // An instant clip trims the playlist; `redundant` keeps a redundant stream's copy apart (usecases/playback.ts).
            queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(
              ...SIGNATURE_PARAMS,
              ...CLIP_PARAMETERS,
              'redundant',
            ),
          }),
        },
        'assets/*': {
          ...signed,
          origin: origins.S3BucketOrigin.withOriginAccessControl(props.outputBucket),
          // Segments are keyed by path alone: CloudFront checks the signature before the cache.
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        },
        '*/thumbnail.*': imageBehavior,
        '*/animated.*': imageBehavior,
        '*/storyboard.*': imageBehavior,
      },
    });

    new ssm.StringParameter(this, 'StreamUrl', {
      parameterName: streamUrlParameterName,
      stringValue: props.publicUrl ?? this.url,
      description: 'Gamma: the public URL of playback, which the playback function signs for',
    });
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** The variables that let a component sign URLs of the stream (the master MP4's): the key and the URL's parameter. */
  signingEnvironment(): Partial<Record<EnvName, string>> {
    return {
      PLAYBACK_KEY_SECRET: this.signingKey.secret.secretArn,
      PLAYBACK_KEY_PAIR_ID: this.signingKey.keyPairId,
      STREAM_URL_PARAMETER: this.streamUrlParameter.parameterName,
    };
  }

  /** Lets `grantee` read the signing key and the stream URL it signs for. */
  grantSignUrls(grantee: iam.IGrantable): void {
    this.signingKey.secret.grantRead(grantee);
    this.streamUrlParameter.grantRead(grantee);
  }
}
