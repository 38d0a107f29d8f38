import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PACKAGES, PROJECT_ROOT, sourcesHash } from './sources-hash.js';

const WEB_DIR = join(PROJECT_ROOT, 'web');

export interface DashboardProps {
  /** The video API's base URL (`{apiUrl}/video/v1/...`). */
  readonly apiUrl: string;
  /** The live status WebSocket URL. */
  readonly websocketUrl: string;
  /** Playback base URL (`{streamUrl}/{playbackId}.m3u8`). */
  readonly streamUrl: string;
}

/**
 * The dashboard (web/): a private bucket behind its own CloudFront distribution (origin access control), filled
 * by a BucketDeployment with the Vite build — built at synth, like a function bundle — plus a `config.json`
 * written from the stack's URLs, which the app reads at start. The browser calls the API cross-origin (the
 * API's CORS allows it), uploads straight to S3, and plays from the Stream distribution.
 */
export class Dashboard extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Only build output lives here: it is redeployed on every `cdk deploy`, so it is never data to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Holds only the dashboard build, written by deployments; its readers are counted by CloudFront',
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Gamma dashboard',
      defaultRootObject: 'index.html',
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    });

    const deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(WEB_DIR, {
          exclude: ['dist', 'node_modules'],
          // Named by its sources, the packages (Vite, React: the root's) and the tsconfig Vite reads: CDK's
          // default hashes web/ alone, so a dependency update gave the same name and was never deployed.
          assetHash: sourcesHash(
            this,
            [WEB_DIR, ...PACKAGES, join(PROJECT_ROOT, 'tsconfig.json')],
            ['dist', 'node_modules'],
          ),
          bundling: {
            // Without Docker too: Vite runs here, as esbuild does for the functions.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
            command: ['sh', '-c', 'echo "build the dashboard locally (npm ci) so Vite can run" && exit 1'],
            local: {
              tryBundle(outputDir) {
                execFileSync(
                  join(PROJECT_ROOT, 'node_modules', '.bin', 'vite'),
                  ['build', '--config', join(WEB_DIR, 'vite.config.ts'), '--outDir', outputDir, '--emptyOutDir'],
                  { cwd: WEB_DIR, stdio: ['ignore', 'ignore', 'inherit'] },
                );
                return true;
              },
            },
          },
        }),
        s3deploy.Source.jsonData('config.json', {
          apiUrl: props.apiUrl,
          websocketUrl: props.websocketUrl,
          streamUrl: props.streamUrl,
        }),
      ],
      // Pages and config must be fresh after a deploy; the hashed files under assets/ are new names anyway.
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/embed.html', '/config.json'],
    });

    // CDK's own deploy-time function (Python, with the AWS CLI layer) that copies the files: its findings.
    const handler = deployment.handlerRole.node.scope ?? deployment.handlerRole;
    const acks: Array<[string, string]> = [
      ['AwsSolutions-L1', "CDK's BucketDeployment handler; its runtime is chosen by aws-cdk-lib"],
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's deploy-time handler writes only its own logs with the basic execution policy",
      ],
      [
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'Reads the build from the CDK asset bucket, where the asset key is only known at deploy time',
      ],
      [
        `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        'Writes and prunes every object of the dashboard bucket, which holds nothing else',
      ],
      ['AwsSolutions-IAM5[Resource::*]', 'cloudfront:CreateInvalidation after a deploy: invalidations have no ARN'],
    ];
    for (const [id, reason] of acks) Validations.of(handler).acknowledge({ id, reason });
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
