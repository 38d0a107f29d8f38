/**
 * Issue 7's storage and browser rules, on both stacks: buckets private (read only through the distribution),
 * encrypted and TLS-only; queues and topics TLS-only; CORS allows only the configured origins.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resources, synthGamma } from './app.js';

type Statement = { Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> };
type Ref = { Ref: string };

const templates = () => {
  const { stateful$, pipeline$ } = synthGamma();
  return [stateful$, pipeline$];
};

/** The statements of every policy of `policyType` that names the resource with `logicalId` (by Ref). */
function policiesOn(t: Template, policyType: string, refsOf: (props: Record<string, unknown>) => unknown, id: string) {
  return resources(t, policyType)
    .filter(([, r]) => JSON.stringify(refsOf(r.Properties)).includes(`"${id}"`))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[]);
}

const deniesPlainHttp = (statements: Statement[]) =>
  statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');

describe('storage security', () => {
  it('blocks all public access to every bucket, encrypts it and refuses plain HTTP', () => {
    let buckets = 0;
    for (const t of templates()) {
      for (const [id, bucket] of resources(t, 'AWS::S3::Bucket')) {
        buckets++;
        expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(bucket.Properties.BucketEncryption?.ServerSideEncryptionConfiguration, id).toBeDefined();
        expect(deniesPlainHttp(policiesOn(t, 'AWS::S3::BucketPolicy', (p) => p.Bucket, id)), id).toBe(true);
      }
    }
    // ingest, output, the access-log bucket, the dashboard's.
    expect(buckets).toBeGreaterThanOrEqual(4);
  });

  it('lets only CloudFront (origin access control) read the output bucket: no other principal may GetObject', () => {
    const { stateful$: t } = synthGamma();
    const [output] = resources(t, 'AWS::S3::Bucket').filter(([id]) => id.includes('OutputBucket'));
    expect(output).toBeDefined();
    const reads = policiesOn(t, 'AWS::S3::BucketPolicy', (p) => p.Bucket, output?.[0] ?? '')
      .filter((s) => s.Effect === 'Allow')
      .filter((s) => [s.Action].flat().some((a) => a === 's3:GetObject' || a === 's3:*'));
    expect(reads.length).toBeGreaterThan(0);
    for (const s of reads)
      expect((s as { Principal?: unknown }).Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
  });

  it('refuses plain HTTP on every queue and topic', () => {
    let checked = 0;
    for (const t of templates()) {
      for (const [id] of resources(t, 'AWS::SQS::Queue')) {
        checked++;
        const queuesOf = (p: Record<string, unknown>) => p.Queues as Ref[];
        expect(deniesPlainHttp(policiesOn(t, 'AWS::SQS::QueuePolicy', queuesOf, id)), id).toBe(true);
      }
      for (const [id] of resources(t, 'AWS::SNS::Topic')) {
        checked++;
        const topicsOf = (p: Record<string, unknown>) => p.Topics as Ref[];
        expect(deniesPlainHttp(policiesOn(t, 'AWS::SNS::TopicPolicy', topicsOf, id)), id).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('CORS', () => {
  const corsOf = (context: Record<string, string>) => {
    const { stateful$, pipeline$ } = synthGamma(context);
    const ingest = resources(stateful$, 'AWS::S3::Bucket').find(([id]) => id.includes('IngestBucket'));
    const api = resources(pipeline$, 'AWS::ApiGatewayV2::Api').find(([, r]) => r.Properties.ProtocolType === 'HTTP');
    return {
      uploads: ingest?.[1].Properties.CorsConfiguration.CorsRules.flatMap(
        (r: { AllowedOrigins: string[] }) => r.AllowedOrigins,
      ),
      api: api?.[1].Properties.CorsConfiguration.AllowOrigins,
    };
  };

  it('allows only the configured origins to call the API and upload from a browser', () => {
    expect(corsOf({ corsOrigins: 'https://app.example.com, https://admin.example.com' })).toEqual({
      uploads: ['https://app.example.com', 'https://admin.example.com'],
      api: ['https://app.example.com', 'https://admin.example.com'],
    });
  });

  it('allows any origin when none is configured (tokens travel in a header, never in cookies)', () => {
    expect(corsOf({})).toEqual({ uploads: ['*'], api: ['*'] });
  });
});
