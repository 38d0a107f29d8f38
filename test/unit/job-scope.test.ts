/**
 * The transcoder job's session policy (containers/transcoder/src/job-scope.ts): a job's credentials are the job
 * role's grants (every source, every asset's output, every `asset#` item) narrowed by this policy, so what the
 * policy does not allow the job cannot do. Evaluated here with IAM's matching rules for what the policy uses:
 * Allow statements, `*` and `?` in resources, `ForAllValues:StringEquals` on `dynamodb:LeadingKeys`.
 */
import { describe, expect, it } from 'vitest';
import { readJob } from '../../containers/transcoder/src/job.js';
import {
  JOB_OUTPUT_ACTIONS,
  JOB_SOURCE_ACTIONS,
  JOB_TABLE_ACTIONS,
  jobClientConfig,
  jobSessionPolicy,
  partitionOf,
  type SessionPolicy,
} from '../../containers/transcoder/src/job-scope.js';

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/media';
const scopeOf = (assetId: string) => ({
  assetId,
  source: { bucket: 'ingest', key: `uploads/input-${assetId}` },
  outputBucket: 'output',
  tableName: 'media',
});

function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether `policy` allows `action` on `resource` for a request on items with these partition keys. */
function allows(policy: SessionPolicy, action: string, resource: string, leadingKeys: string[] = []): boolean {
  return policy.Statement.some((s) => {
    if (!s.Action.includes(action) || !glob(s.Resource).test(resource)) return false;
    const allowed = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
    return allowed === undefined || leadingKeys.every((k) => allowed.includes(k));
  });
}

describe("a job's session policy", () => {
  const policy = jobSessionPolicy(scopeOf('A1'));

  it('allows its own source, its own renditions and its own asset item', () => {
    for (const action of JOB_SOURCE_ACTIONS)
      expect(allows(policy, action, 'arn:aws:s3:::ingest/uploads/input-A1')).toBe(true);
    for (const action of JOB_OUTPUT_ACTIONS) {
      expect(allows(policy, action, 'arn:aws:s3:::output/assets/A1/720p/segment-0.m4s')).toBe(true);
    }
    for (const action of JOB_TABLE_ACTIONS) expect(allows(policy, action, TABLE_ARN, ['asset#A1'])).toBe(true);
  });

  it("denies another asset's source, renditions and item", () => {
    expect(allows(policy, 's3:GetObject', 'arn:aws:s3:::ingest/uploads/input-B2')).toBe(false);
    expect(allows(policy, 's3:GetObject', 'arn:aws:s3:::ingest/uploads/upload9')).toBe(false);
    expect(allows(policy, 's3:PutObject', 'arn:aws:s3:::output/assets/B2/master.m3u8')).toBe(false);
    expect(allows(policy, 's3:DeleteObject', 'arn:aws:s3:::output/assets/B2/720p/index.m3u8')).toBe(false);
    // A prefix of another id is another asset: `assets/A1/` never matches `assets/A10/`.
    expect(allows(policy, 's3:PutObject', 'arn:aws:s3:::output/assets/A10/master.m3u8')).toBe(false);
    expect(allows(policy, 'dynamodb:UpdateItem', TABLE_ARN, ['asset#B2'])).toBe(false);
    expect(allows(policy, 'dynamodb:UpdateItem', TABLE_ARN, ['asset#A1', 'asset#B2'])).toBe(false);
  });

  it("reads its own watermark images, not another asset's", () => {
    const overlays = [{ bucket: 'ingest', key: 'uploads/overlay-A1-0' }];
    const withImages = jobSessionPolicy({ ...scopeOf('A1'), overlays });
    expect(allows(withImages, 's3:GetObject', 'arn:aws:s3:::ingest/uploads/overlay-A1-0')).toBe(true);
    expect(allows(withImages, 's3:GetObject', 'arn:aws:s3:::ingest/uploads/overlay-B2-0')).toBe(false);
    expect(allows(withImages, 's3:PutObject', 'arn:aws:s3:::ingest/uploads/overlay-A1-0')).toBe(false);
    expect(allows(policy, 's3:GetObject', 'arn:aws:s3:::ingest/uploads/overlay-A1-0')).toBe(false);
  });

  it('denies what no job needs: other item kinds, other tables, writing sources, listing', () => {
    expect(allows(policy, 'dynamodb:UpdateItem', TABLE_ARN, ['playback#P1'])).toBe(false);
    expect(allows(policy, 'dynamodb:PutItem', TABLE_ARN, ['asset#A1'])).toBe(false);
    expect(
      allows(policy, 'dynamodb:UpdateItem', 'arn:aws:dynamodb:eu-west-1:111122223333:table/keys', ['asset#A1']),
    ).toBe(false);
    expect(allows(policy, 's3:PutObject', 'arn:aws:s3:::ingest/uploads/input-A1')).toBe(false);
    expect(allows(policy, 's3:ListBucket', 'arn:aws:s3:::output')).toBe(false);
  });

  it('refuses names that would turn an ARN into a pattern', () => {
    expect(() => jobSessionPolicy(scopeOf('*'))).toThrow(/Asset id "\*" cannot be scoped/);
    expect(() => jobSessionPolicy({ ...scopeOf('A1'), source: { bucket: 'ingest', key: 'uploads/?' } })).toThrow(
      /Source key/,
    );
    expect(() => jobSessionPolicy(scopeOf('A1/../B2'))).toThrow(/cannot be scoped/);
  });

  it('fits the 2,048 characters AWS allows a packed session policy, with room for long ids', () => {
    const long = jobSessionPolicy({ ...scopeOf('x'.repeat(64)), tableName: 'gamma-stateful-MediaTable-0123456789AB' });
    expect(JSON.stringify(long).length).toBeLessThan(1500);
  });

  it('names the partition of the region', () => {
    expect(partitionOf('eu-west-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(jobSessionPolicy({ ...scopeOf('A1'), partition: 'aws-cn' }).Statement[0]?.Resource).toMatch(
      /^arn:aws-cn:s3/,
    );
  });
});

describe('the job client settings', () => {
  const env = {
    MEDIA_TABLE: 'media',
    OUTPUT_BUCKET: 'output',
    ASSET_ID: 'A1',
    SOURCE_BUCKET: 'ingest',
    SOURCE_KEY: 'k',
  };

  it('carry scoped credentials when the deployment names a job role, none otherwise', () => {
    const withRole = { ...env, JOB_ROLE_ARN: 'arn:aws:iam::111122223333:role/job' };
    expect(typeof jobClientConfig(readJob(withRole), withRole).credentials).toBe('function');
    expect(jobClientConfig(readJob(env), env)).toEqual({});
  });
});
