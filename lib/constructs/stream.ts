import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

export interface StreamProps {
  readonly outputBucket: s3.IBucket;
  readonly mediaTable: dynamodb.ITable;
}

/**
 * Playback: a CloudFront distribution in front of the output bucket (origin access control, the bucket stays
 * private). `/{playbackId}.m3u8` is answered by the playback function, which resolves the playback id and returns
 * the asset's master playlist pointing at `/assets/{assetId}/...`; those paths are served from S3.
 */
export class Stream extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly playbackFunction: GammaFunction;

  constructor(scope: Construct, id: string, props: StreamProps) {
    super(scope, id);
    this.playbackFunction = new GammaFunction(this, 'PlaybackFunction', {
      handler: 'playback',
      components: ['playback'],
      environment: { MEDIA_TABLE: props.mediaTable.tableName, OUTPUT_BUCKET: props.outputBucket.bucketName },
      memorySize: 256,
      description: 'Resolves a playback id to its master playlist',
    });
    props.mediaTable.grantReadData(this.playbackFunction);
    props.outputBucket.grantRead(this.playbackFunction, 'assets/*');
    const playbackUrl = this.playbackFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Gamma playback',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.FunctionUrlOrigin.withOriginAccessControl(playbackUrl),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: new cloudfront.CachePolicy(this, 'MasterPlaylistCache', {
          comment: 'Playlists and image redirects: short-lived, keyed by path, token and thumbnail time',
          defaultTtl: Duration.seconds(10),
          maxTtl: Duration.minutes(1),
          minTtl: Duration.seconds(0),
          // `time` picks the still of `/{playbackId}/thumbnail.jpg` (usecases/images.ts).
          queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList('token', 'time'),
        }),
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS,
      },
      additionalBehaviors: {
        'assets/*': {
          origin: origins.S3BucketOrigin.withOriginAccessControl(props.outputBucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS,
        },
      },
    });
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
