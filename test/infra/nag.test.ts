import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { acknowledgeGrantWildcards } from '../../lib/nag.js';
import { LOCAL, synthGamma } from './app.js';

/** The AwsSolutions findings that are neither fixed nor acknowledged (with a reason) in lib/. */
function findings(context: Record<string, string>): string[] {
  const { app } = synthGamma(context);
  acknowledgeGrantWildcards(app); // now that cross-stack references are exports
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} ${r.templatePath}#${r.resourceLogicalId}`),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['fargate', {}],
    ['mediaconvert', { transcoder: 'mediaconvert' }],
    ['the emulator', LOCAL],
    ['the edge rate limit (a web ACL in us-east-1)', { edgeRateLimit: '2000' }],
  ])('passes for %s', (_mode, context) => {
    expect(findings(context)).toEqual([]);
  });
});
