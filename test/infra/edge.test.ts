/** The optional rate-based AWS WAF rule on the playback distribution (`-c edgeRateLimit`, lib/edge-stack.ts). */
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IMAGE_PATH_PATTERN } from '../../lib/constructs/edge-rate-limit.js';
import { defineGamma } from '../../lib/gamma-app.js';
import { LOCAL, resources, synthGamma } from './app.js';

const WEB_ACL = 'AWS::WAFv2::WebACL';
const DISTRIBUTION = 'AWS::CloudFront::Distribution';
const distributionConfig = (t: ReturnType<typeof synthGamma>['stateful$']) => {
  const [only, ...others] = resources(t, DISTRIBUTION);
  expect(others).toEqual([]);
  return only?.[1].Properties.DistributionConfig;
};

describe('edge rate limit (AWS WAF)', () => {
  it('is off by default: no edge stack, no web ACL anywhere, no web ACL on the distribution', () => {
    const gamma = synthGamma();
    expect(gamma.edge).toBeUndefined();
    expect(
      gamma.app.node.children
        .filter(Stack.isStack)
        .map((c) => c.node.id)
        .sort(),
    ).toEqual(['GammaPipeline', 'GammaStateful']);
    gamma.stateful$.resourceCountIs(WEB_ACL, 0);
    gamma.pipeline$.resourceCountIs(WEB_ACL, 0);
    expect(distributionConfig(gamma.stateful$)).not.toHaveProperty('WebACLId');
  });

  it('with -c edgeRateLimit, puts a CLOUDFRONT web ACL with one blocking per-IP rule on images in a us-east-1 stack', () => {
    const { edge, edge$ } = synthGamma({ edgeRateLimit: '2000' });
    expect(edge?.region).toBe('us-east-1');
    edge$?.resourceCountIs(WEB_ACL, 1);
    edge$?.hasResourceProperties(WEB_ACL, {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true }),
      Rules: [
        {
          Name: 'ImageRequestsPerIp',
          Priority: 0,
          Action: { Block: {} },
          VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true }),
          Statement: {
            RateBasedStatement: {
              Limit: 2000,
              EvaluationWindowSec: 300,
              AggregateKeyType: 'IP',
              ScopeDownStatement: {
                RegexMatchStatement: {
                  RegexString: IMAGE_PATH_PATTERN,
                  FieldToMatch: { UriPath: {} },
                  TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }],
                },
              },
            },
          },
        },
      ],
    });
  });

  it('scopes the rule to the image routes, not segments, playlists or signed objects', () => {
    const images = new RegExp(IMAGE_PATH_PATTERN);
    for (const path of ['/pid/thumbnail.webp', '/pid/animated.gif', '/pid/storyboard.vtt', '/pid/storyboard.jpg']) {
      expect(path, path).toMatch(images);
    }
    for (const path of ['/pid.m3u8', '/assets/a/720p/seg-1.m4s', '/assets/a/storyboard.jpg', '/assets/a/x.m3u8']) {
      expect(path, path).not.toMatch(images);
    }
  });

  it("attaches the ACL's ARN, read from its us-east-1 parameter, to the distribution; the stateful stack deploys after it", () => {
    const { edge, edge$, stateful, stateful$ } = synthGamma({ edgeRateLimit: '2000' });
    const parameterName = edge?.rateLimit.arnParameterName;
    const [aclId] = Object.keys(edge$?.findResources(WEB_ACL) ?? {});
    edge$?.hasResourceProperties('AWS::SSM::Parameter', {
      Name: parameterName,
      Value: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
    const [readerId, reader] = resources(stateful$, 'Custom::AWS').find(([id]) => id.startsWith('EdgeWebAclArn')) ?? [];
    expect(JSON.parse(reader?.Properties.Create)).toMatchObject({
      service: 'SSM',
      action: 'getParameter',
      parameters: { Name: parameterName },
      region: 'us-east-1',
    });
    expect(distributionConfig(stateful$).WebACLId).toEqual({ 'Fn::GetAtt': [readerId, 'Parameter.Value'] });
    expect(stateful.dependencies).toContain(edge);
  });

  it('is left out in the emulator (MiniStack has no WAF)', () => {
    const gamma = synthGamma({ ...LOCAL, edgeRateLimit: '2000' });
    expect(gamma.edge).toBeUndefined();
    gamma.stateful$.resourceCountIs(WEB_ACL, 0);
    expect(distributionConfig(gamma.stateful$)).not.toHaveProperty('WebACLId');
  });

  it.each(['lots', '0', '9', '2.5', '-100', '2000000001'])('refuses -c edgeRateLimit=%s, naming the fix', (value) => {
    const app = new App({ context: { edgeRateLimit: value } });
    expect(() => defineGamma(app)).toThrow(
      `-c edgeRateLimit=${value}: use a whole number of requests per 5 minutes per IP address from 10 to 2000000000`,
    );
    expect(app.node.children.filter(Stack.isStack)).toEqual([]);
  });
});
