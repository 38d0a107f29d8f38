import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvName } from '../../lambdas/core/env.js';
import { JOB_METADATA } from '../../lambdas/core/usecases/mediaconvert-status.js';
import { GammaFunction } from './gamma-function.js';
import type { Transcoder } from './transcoder.js';

export interface MediaConvertTranscoderProps {
  readonly ingestBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  readonly mediaTable: dynamodb.ITable;
  /** The MediaConvert queue jobs are submitted to. @default the account's `Default` queue (on-demand pricing) */
  readonly queueName?: string;
}

/**
 * The managed transcoder (`-c transcoder=mediaconvert`): the role MediaConvert assumes to read uploads and write
 * renditions, and the rule that turns this deployment's job state changes (COMPLETE, ERROR) into asset status.
 * Job settings are built by the MediaConvertRunner in the ingest function, from the same ladder plan as Fargate's.
 */
export class MediaConvertTranscoder extends Construct implements Transcoder {
  readonly runnerComponent = 'mediaconvertRunner';
  /** The role MediaConvert assumes for Gamma's jobs. */
  readonly jobRole: iam.Role;
  readonly statusFunction: GammaFunction;
  private readonly queueArn: string;

  constructor(scope: Construct, id: string, props: MediaConvertTranscoderProps) {
    super(scope, id);
    this.queueArn = Stack.of(this).formatArn({
      service: 'mediaconvert',
      resource: 'queues',
      resourceName: props.queueName ?? 'Default',
    });

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('mediaconvert.amazonaws.com'),
      description: 'Assumed by MediaConvert for Gamma jobs: reads uploads, writes renditions',
    });
    props.ingestBucket.grantRead(this.jobRole, 'uploads/*');
    props.outputBucket.grantPut(this.jobRole, 'assets/*');

    this.statusFunction = new GammaFunction(this, 'StatusFunction', {
      handler: 'mediaconvert-status',
      components: ['mediaconvertStatus'],
      environment: { MEDIA_TABLE: props.mediaTable.tableName },
      description: 'Marks an asset ready or errored when its MediaConvert job completes or fails',
    });
    props.mediaTable.grantReadWriteData(this.statusFunction);
    new events.Rule(this, 'JobStateRule', {
      description: 'Final states of this deployment’s MediaConvert jobs',
      eventPattern: {
        source: ['aws.mediaconvert'],
        detailType: ['MediaConvert Job State Change'],
        detail: {
          status: ['COMPLETE', 'ERROR'],
          userMetadata: { [JOB_METADATA.outputBucket]: [props.outputBucket.bucketName] },
        },
      },
      targets: [
        new targets.LambdaFunction(this.statusFunction, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: new sqs.Queue(this, 'JobStateDLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) }),
        }),
      ],
    });
  }

  /** Variables a dispatcher needs to create jobs (the `mediaconvertRunner` entry of the registry). */
  runnerEnvironment(): Partial<Record<EnvName, string>> {
    return { TRANSCODER: 'mediaconvert', MEDIACONVERT_ROLE_ARN: this.jobRole.roleArn };
  }

  /** MediaConvert has no sandboxes to start ahead of a job. */
  warmUpEnvironment(): Partial<Record<EnvName, string>> {
    return {};
  }

  grantWarmUp(_grantee: iam.IGrantable): void {}

  /** Lets `grantee` create jobs in the queue (mediaconvert:CreateJob) and hand MediaConvert the job role. */
  grantStart(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['mediaconvert:CreateJob'], resourceArns: [this.queueArn] });
    this.jobRole.grantPassRole(grantee.grantPrincipal);
  }
}
