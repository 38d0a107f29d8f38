/**
 * The credentials a transcoder job runs with. The task role itself may only assume the job role (and, with chunk
 * tasks, start tasks); the job role holds the grants every job needs (read sources, write renditions, update asset
 * items), and each job assumes it with a session policy naming its own asset. A session's permissions are the
 * intersection of the role's policies and the session policy, so the job's credentials reach its source object, its
 * `assets/<id>/` prefix and its `asset#<id>` item, and nothing of another asset or another table.
 *
 * The same action lists are what lib/constructs/transcode.ts grants the job role, so the two cannot drift apart.
 */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { assetOutputPrefix } from '../../../lambdas/core/domain/layout.js';
import type { SourceObject } from '../../../lambdas/core/domain/media.js';
import { optional } from '../../../lambdas/core/env.js';
import { mediaKey } from '../../../lambdas/core/tables.js';
import type { TranscoderJob } from './job.js';

/** Reading the source (a pinned source is read by version). */
export const JOB_SOURCE_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;
/** Writing renditions; reading and removing the chunk manifests beside them, reading the stills back (storyboard). */
export const JOB_OUTPUT_ACTIONS = [
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:GetObject',
  's3:DeleteObject',
] as const;
/** What the task does to its asset's item (DynamoAssetRepository): read it, and conditional updates. */
export const JOB_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

export interface JobScope {
  assetId: string;
  source: Pick<SourceObject, 'bucket' | 'key'>;
  /** The asset's watermark images (uploads/overlay-<id>-<n>), read like the source. */
  overlays?: readonly Pick<SourceObject, 'bucket' | 'key'>[];
  outputBucket: string;
  tableName: string;
  /** @default 'aws' */
  partition?: string;
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: readonly string[];
  Resource: string;
  Condition?: Record<string, Record<string, string[]>>;
}

export interface SessionPolicy {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** Asset ids and S3 names as Gamma makes them: a `*` or `?` would widen an ARN in the policy into a pattern. */
const PLAIN = /^[A-Za-z0-9._\-/]{1,512}$/;

function plain(what: string, value: string): string {
  if (!PLAIN.test(value) || value.includes('..')) throw new Error(`${what} "${value}" cannot be scoped in a policy`);
  return value;
}

/**
 * The session policy of one job: its source object and watermark images, its asset's output prefix, its asset's item
 * (pure).
 */
export function jobSessionPolicy(scope: JobScope): SessionPolicy {
  const p = scope.partition ?? 'aws';
  const assetId = plain('Asset id', scope.assetId);
  if (assetId.includes('/')) throw new Error(`Asset id "${assetId}" cannot be scoped in a policy`);
  const source = `arn:${p}:s3:::${plain('Bucket', scope.source.bucket)}/${plain('Source key', scope.source.key)}`;
  const output = `arn:${p}:s3:::${plain('Bucket', scope.outputBucket)}/${assetOutputPrefix(assetId)}/*`;
  const watermarks = (scope.overlays ?? []).map(
    (image, i): Statement => ({
      Sid: `ItsWatermark${i}`,
      Effect: 'Allow',
      Action: JOB_SOURCE_ACTIONS,
      Resource: `arn:${p}:s3:::${plain('Bucket', image.bucket)}/${plain('Watermark key', image.key)}`,
    }),
  );
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ItsSource', Effect: 'Allow', Action: JOB_SOURCE_ACTIONS, Resource: source },
      ...watermarks,
      { Sid: 'ItsRenditions', Effect: 'Allow', Action: JOB_OUTPUT_ACTIONS, Resource: output },
      {
        Sid: 'ItsAssetItem',
        Effect: 'Allow',
        Action: JOB_TABLE_ACTIONS,
        // Region and account come from the role's own grant; the session policy only narrows it.
        Resource: `arn:${p}:dynamodb:*:*:table/${plain('Table', scope.tableName)}`,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [mediaKey('asset', assetId)] } },
      },
    ],
  };
}

/** The partition of `region` (the session policy's ARNs name it). */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Credentials of the job role scoped to `scope`, renewed from the task role's own credentials before they expire
 * (a transcode may outlast one session). The session name carries the asset id, so CloudTrail shows whose job it was.
 */
export function jobCredentials(roleArn: string, scope: JobScope): ReturnType<typeof fromTemporaryCredentials> {
  return fromTemporaryCredentials({
    params: {
      RoleArn: roleArn,
      RoleSessionName: `transcode-${scope.assetId}`.slice(0, 64),
      Policy: JSON.stringify(jobSessionPolicy(scope)),
      DurationSeconds: 3600,
    },
  });
}

/**
 * The SDK client settings of `job`'s S3 and DynamoDB clients: its scoped credentials where the deployment names a job
 * role (always, on AWS and on the local platform); none in unit tests, whose fakes need none.
 */
export function jobClientConfig(
  job: TranscoderJob,
  env: NodeJS.ProcessEnv,
): { credentials?: ReturnType<typeof fromTemporaryCredentials> } {
  const roleArn = optional('JOB_ROLE_ARN', env);
  if (!roleArn) return {};
  const scope = { ...job, partition: partitionOf(env.AWS_REGION) };
  return { credentials: jobCredentials(roleArn, scope) };
}
