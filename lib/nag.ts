/**
 * Gamma's answers to cdk-nag's AwsSolutions findings that are not fixed in the constructs: every one is a specific
 * acknowledgment (`Validations.of(x).acknowledge`) with its reason. test/infra/nag.test.ts runs the pack over the
 * app and fails on anything else.
 */
import { type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { GammaFunction } from './constructs/gamma-function.js';

const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

/** Action wildcards that come from L2 grants (grantRead/grantPut/grantDelete) on object-prefix resources. */
const GRANT_ACTIONS = new Set(['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']);
/** Resource wildcards that stand for "objects under this prefix" or "this table's indexes" or "any connection". */
const SCOPED_RESOURCES: readonly [RegExp, string][] = [
  [
    /\/(uploads|assets|transcripts)\/\*$/,
    'Objects under one key prefix of one bucket (uploads/, assets/ or transcripts/), as the layout defines',
  ],
  [/\/index\/\*$/, 'The indexes of one table, which the L2 grant includes for Query'],
  [/\/@connections\/\*$/, 'Posting to any connection of this one WebSocket API: connection ids are not known upfront'],
  [
    /:(task|service)\/[^/*]+\/\*$/,
    "The tasks and services of the transcoder's one cluster: a queue worker reads its own task's service and grows it",
  ],
];
/** The construct id of the function every AwsCustomResource of a stack shares (a SingletonFunction). */
const AWS_CUSTOM_RESOURCE_FUNCTION = `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`;
/**
 * Actions granted on `*`: those AWS only grants there, and Amazon Transcribe's job and vocabulary actions, whose
 * resources are named at call time (generated-subtitles.ts; scoping them to the `gamma-` name prefix is open).
 */
const RESOURCE_STAR_ACTIONS = new Set([
  'ecr:GetAuthorizationToken',
  'dynamodb:ListStreams',
  'transcribe:StartTranscriptionJob',
  'transcribe:CreateVocabulary',
  'transcribe:GetTranscriptionJob',
  'transcribe:GetVocabulary',
  'transcribe:DeleteVocabulary',
  'transcribe:DeleteTranscriptionJob',
]);

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export class GammaNagAcknowledgments implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof lambda.DockerImageFunction) {
      ack(
        node.role ?? node,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The AWS-managed basic execution policy only lets the transcode function write its own logs',
      );
    } else if (node instanceof GammaFunction) {
      ack(node, 'AwsSolutions-L1', 'Node.js 22 on purpose: the bundles and the transcoder image target Node 22');
      ack(
        node.role ?? node,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The AWS-managed basic execution policy only lets the function write its own logs',
      );
    } else if (node instanceof iam.Role && node.node.scope?.node.id.startsWith('BucketNotificationsHandler')) {
      ack(
        node,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's own handler that configures the ingest bucket's notification at deploy time writes only its logs",
      );
    } else if (node instanceof iam.Role && node.node.scope?.node.id === AWS_CUSTOM_RESOURCE_FUNCTION) {
      ack(
        node,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's AwsCustomResource function (EdgeWebAclArn reads one SSM parameter at deploy time) writes only its logs",
      );
    } else if (node instanceof iam.CfnPolicy) {
      acknowledgeGrantWildcards(node);
    } else if (node instanceof sqs.Queue && !node.deadLetterQueue) {
      ack(node, 'AwsSolutions-SQS3', 'This queue is a dead-letter queue (alarmed by Monitoring)');
    } else if (node instanceof apigw.HttpStage || node instanceof apigw.WebSocketStage) {
      ack(
        node,
        'AwsSolutions-APIG1',
        'Every request is logged by its function with the asset id (structured JSON); stage access logs would duplicate them at a per-request cost',
      );
    } else if (node instanceof apigw.WebSocketRoute) {
      ack(
        node,
        'AwsSolutions-APIG4',
        '$connect checks the access token in its function (browsers cannot send headers on WebSocket upgrade); $disconnect and subscribe only act on a connection $connect accepted',
      );
    } else if (node instanceof cloudfront.Distribution) {
      ack(node, 'AwsSolutions-CFR1', 'Playback is for a worldwide audience; restrict with a geo restriction if needed');
      ack(
        node,
        'AwsSolutions-CFR2',
        'The web ACL is optional (-c edgeRateLimit adds a rate-based rule on image requests): it costs money at rest',
      );
      ack(node, 'AwsSolutions-CFR3', 'Access logs cost per request; the playback function logs playlist requests');
      ack(
        node,
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate; a custom domain brings its own TLS policy',
      );
    } else if (node instanceof ecs.FargateTaskDefinition) {
      ack(node, 'AwsSolutions-ECS2', 'The environment holds table and bucket names only, no secrets');
    }
  }
}

/**
 * Wildcards an L2 grant produces, each acknowledged by what it stands for; any other wildcard still fails.
 * Findings name resources as resolved: run it again after synthesis (as the nag test does) to cover references
 * to the other stack, which only become exports then.
 */
export function acknowledgeGrantWildcards(scope: IConstruct): void {
  for (const policy of scope.node.findAll().filter((n): n is iam.CfnPolicy => n instanceof iam.CfnPolicy)) {
    const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: unknown[] };
    for (const statement of asArray(document.Statement) as { Action?: unknown; Resource?: unknown }[]) {
      const actions = asArray(statement.Action).map(String);
      for (const action of actions.filter((a) => GRANT_ACTIONS.has(a))) {
        ack(policy, `AwsSolutions-IAM5[Action::${action}]`, 'Action family of an L2 grant, scoped to one key prefix');
      }
      for (const resource of asArray(statement.Resource).map(flattenCfnReference)) {
        if (resource === '*' && actions.every((a) => RESOURCE_STAR_ACTIONS.has(a))) {
          ack(policy, 'AwsSolutions-IAM5[Resource::*]', `${actions.join(', ')} only exist(s) on resource "*"`);
          continue;
        }
        const scoped = SCOPED_RESOURCES.find(([pattern]) => pattern.test(resource));
        if (scoped) ack(policy, `AwsSolutions-IAM5[Resource::${resource}]`, scoped[1]);
      }
    }
  }
}
