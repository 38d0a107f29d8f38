/** The wiring of large and limited uploads: CORS exposing ETag, abandoned parts expiring, the size limit, grants. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/env.js';
import { LOCAL, resources, synthGamma } from './app.js';

const functionAt = (gamma: ReturnType<typeof synthGamma>, pathPart: string) => {
  const found = resources(gamma.pipeline$, 'AWS::Lambda::Function').find(([, r]) =>
    String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (!found) throw new Error(`no function at ${pathPart}`);
  return found;
};
const statementsOf = (gamma: ReturnType<typeof synthGamma>, pathPart: string) =>
  resources(gamma.pipeline$, 'AWS::IAM::Policy')
    .filter(([, r]) => String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .map((s) => ({ actions: [s.Action].flat(), resources: JSON.stringify(s.Resource) }));

describe('uploads', () => {
  const aws = synthGamma();

  it('lets browsers PUT parts and read their ETag, and drops abandoned parts after 7 days (the longest upload timeout)', () => {
    aws.stateful$.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [Match.objectLike({ AllowedMethods: ['PUT'], ExposedHeaders: ['ETag'] })],
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' })],
      },
    });
  });

  it.each([
    ['AWS', aws, String(512 * 1024 ** 3)],
    ['the emulator', synthGamma(LOCAL), String(100 * 1024 ** 2)],
  ])('gives the API and ingest functions the same size limit on %s', (_, gamma, bytes) => {
    for (const path of ['/Api/Function/', '/Ingest/Function/']) {
      const [, fn] = functionAt(gamma, path);
      expect(fn.Properties.Environment.Variables[ENV.MAX_UPLOAD_BYTES], path).toBe(bytes);
    }
  });

  it('lets the API list the parts of uploads (only under uploads/), and ingest delete a file over the limit', () => {
    const list = statementsOf(aws, '/Api/Function/').filter((s) => s.actions.includes('s3:ListMultipartUploadParts'));
    expect(list).toHaveLength(1);
    expect(list[0]?.resources).toMatch(/\/uploads\/\*"/);
    const del = statementsOf(aws, '/Ingest/Function/').filter((s) => s.actions.includes('s3:DeleteObject*'));
    expect(del).toHaveLength(1);
    expect(del[0]?.resources).toMatch(/\/uploads\/\*"/);
  });
});
