/**
 * Who may touch which table (issue 13 finding 3, first step): signing keys live in a table of their own that only the
 * API (which manages them) and the playback function (which verifies tokens with them) can reach, and the transcoder
 * task may read and update asset items of the media table only.
 */
import { describe, expect, it } from 'vitest';
import { SEARCH_TIERS } from '../../lambdas/core/domain/search.js';
import { ASSET_KEYS_PATTERN, environmentKey, MEDIA_TABLE, SEARCH_TIER_INDEXES } from '../../lambdas/core/tables.js';
import { LOCAL, logicalId, policiesOfRole, statements, synthGamma } from './app.js';

const namesSigningKeys = (resources: unknown[]) => JSON.stringify(resources).includes('SigningKeysTable');

describe.each([
  ['on AWS', {}],
  ['in the emulator', LOCAL],
])('tables %s', (_mode, context) => {
  const { stateful$, pipeline$: t } = synthGamma(context);
  const taskRole = logicalId(t, 'AWS::IAM::Role', 'TaskDefinition/TaskRole');
  const jobRole = logicalId(t, 'AWS::IAM::Role', 'Transcode/JobRole');
  const transcoderDynamo = policiesOfRole(t, jobRole).filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));

  it('lets transcoder jobs touch only asset items of the media table: LeadingKeys asset#*, no scan or query', () => {
    expect(transcoderDynamo.length).toBeGreaterThan(0);
    for (const s of transcoderDynamo) {
      expect(s.condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [ASSET_KEYS_PATTERN] } });
      expect(JSON.stringify(s.resources)).toMatch(/MediaTable/);
      expect(JSON.stringify(s.resources)).not.toMatch(/index/);
      expect(s.actions.filter((a) => !['dynamodb:GetItem', 'dynamodb:UpdateItem'].includes(a))).toEqual([]);
    }
  });

  it("lets the webhook fan-out read only environments' items of the tokens table (for their names), not tokens", () => {
    const fanout = logicalId(t, 'AWS::IAM::Role', 'Webhooks/FanoutFunction/ServiceRole');
    const onTokens = policiesOfRole(t, fanout).filter((s) => JSON.stringify(s.resources).includes('TokensTable'));
    expect(onTokens).toHaveLength(1);
    expect(onTokens[0]?.actions).toEqual(['dynamodb:GetItem']);
    expect(onTokens[0]?.condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [environmentKey('*')] },
    });
  });

  it('gives the transcoder task and its jobs nothing on the signing-keys table', () => {
    for (const role of [taskRole, jobRole]) {
      for (const s of policiesOfRole(t, role)) expect(namesSigningKeys(s.resources), s.actions.join()).toBe(false);
    }
  });

  it('keeps signing keys in their own table, reachable only by the API and the playback function', () => {
    expect(Object.keys(stateful$.findResources('AWS::DynamoDB::Table')).some((id) => id.includes('SigningKeys'))).toBe(
      true,
    );
    const roles = [stateful$, t].flatMap((template) =>
      statements(template)
        .filter((s) => namesSigningKeys(s.resources))
        .flatMap((s) => template.findResources('AWS::IAM::Policy')[s.id]?.Properties.Roles as { Ref: string }[])
        .map((r) => r.Ref),
    );
    expect(new Set(roles.map((r) => r.replace(/[0-9A-F]{8}$/, '')))).toEqual(
      new Set([expect.stringMatching(/^ApiFunction/), expect.stringMatching(/PlaybackFunction/)]),
    );
  });

  it('gives the media table one keys-only search index per tier of domain/search.ts, sharing the sort key', () => {
    const [media] = Object.entries(stateful$.findResources('AWS::DynamoDB::Table')).filter(([id]) =>
      id.includes('MediaTable'),
    );
    type Gsi = { IndexName: string; KeySchema: { AttributeName: string }[]; Projection: { ProjectionType: string } };
    const indexes = (media?.[1].Properties.GlobalSecondaryIndexes ?? []) as Gsi[];
    const search = indexes.filter((gsi) => gsi.IndexName !== MEDIA_TABLE.byEnvIndex);
    expect(search.map((gsi) => gsi.IndexName).sort()).toEqual(
      Object.keys(SEARCH_TIERS)
        .map((tier) => SEARCH_TIER_INDEXES[tier as keyof typeof SEARCH_TIERS].index)
        .sort(),
    );
    for (const gsi of search) {
      expect(gsi.Projection.ProjectionType).toBe('KEYS_ONLY');
      expect(gsi.KeySchema.map((k) => k.AttributeName)[1]).toBe(MEDIA_TABLE.bySearchSortKey);
    }
  });
});
