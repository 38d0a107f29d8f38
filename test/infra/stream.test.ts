/**
 * The stream distribution: the playback function's cache keys, and signed URLs on everything under `/assets/`
 * with a key made at deploy time that never appears in the template.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  CLIP_PARAMETERS,
  PLAYBACK_MODIFIERS,
  TRACKS_VERSION_PARAMETER,
} from '../../lambdas/core/domain/playback-modifiers.js';
import { LOCAL, resources, synthGamma } from './app.js';

const behaviors = (t: ReturnType<typeof synthGamma>['stateful$']) => {
  const [[, distribution] = []] = resources(t, 'AWS::CloudFront::Distribution');
  return distribution?.Properties.DistributionConfig.CacheBehaviors as {
    PathPattern: string;
    TargetOriginId: string;
    TrustedKeyGroups?: unknown[];
    CachePolicyId: unknown;
  }[];
};
const keyResourceId = (t: ReturnType<typeof synthGamma>['stateful$']) => {
  const [[id] = []] = resources(t, 'Custom::PlaybackSigningKey');
  if (!id) throw new Error('no Custom::PlaybackSigningKey');
  return id;
};

describe('Stream distribution', () => {
  it('reserves (and caps) the playback function’s concurrency, so image floods cannot take the API’s', () => {
    const { stateful$ } = synthGamma();
    const playback = resources(stateful$, 'AWS::Lambda::Function').filter(([, f]) =>
      String(f.Properties.Description ?? '').startsWith('Resolves a playback id'),
    );
    expect(playback.map(([, f]) => f.Properties.ReservedConcurrentExecutions)).toEqual([100]);
  });

  it("keys the playback function's cache on the signed-playback token, the thumbnail time, Mux's playback modifiers and the dashboard's tracks version", () => {
    const { stateful$ } = synthGamma();
    stateful$.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 10,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: {
            QueryStringBehavior: 'whitelist',
            QueryStrings: ['token', 'time', ...PLAYBACK_MODIFIERS, TRACKS_VERSION_PARAMETER],
          },
        }),
      }),
    });
  });

  it('forwards Referer and User-Agent to the playback function for playback restrictions, outside the cache key', () => {
    const { stateful$ } = synthGamma();
    const policies = resources(stateful$, 'AWS::CloudFront::OriginRequestPolicy');
    expect(policies).toHaveLength(1);
    const [[policyId, policy] = []] = policies;
    expect(policy?.Properties.OriginRequestPolicyConfig.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['Referer', 'User-Agent'],
    });
    // The master playlist (default behavior) and the images carry it; no cache policy keys on a header.
    const [[, distribution] = []] = resources(stateful$, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties.DistributionConfig;
    const withPolicy = [config.DefaultCacheBehavior, ...config.CacheBehaviors].filter(
      (b: { OriginRequestPolicyId?: unknown }) =>
        JSON.stringify(b.OriginRequestPolicyId) === JSON.stringify({ Ref: policyId }),
    );
    expect(withPolicy.map((b: { PathPattern?: string }) => b.PathPattern ?? 'default')).toEqual([
      'default',
      '*/thumbnail.*',
      '*/animated.*',
      '*/storyboard.*',
    ]);
    for (const [, cachePolicy] of resources(stateful$, 'AWS::CloudFront::CachePolicy')) {
      const headers = cachePolicy.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig;
      expect(headers.HeaderBehavior).toBe('none');
    }
  });

  it('needs a signature of the deploy-time key group for rendition playlists and for every other asset file', () => {
    const { stateful$ } = synthGamma();
    const keyGroup = { 'Fn::GetAtt': [keyResourceId(stateful$), 'KeyGroupId'] };
    const assets = behaviors(stateful$).filter((b) => b.PathPattern.startsWith('assets/'));
    // CloudFront takes the first match, so the playlists' pattern must come before the folder's.
    expect(assets.map((b) => b.PathPattern)).toEqual(['assets/*.m3u8', 'assets/*']);
    for (const behavior of assets) expect(behavior.TrustedKeyGroups).toEqual([keyGroup]);
    const [playlists, files] = assets;
    // Playlists go to the function (the default behavior's origin), the rest to the bucket.
    const defaultOrigin = defaultTarget(stateful$);
    expect(playlists?.TargetOriginId).toBe(defaultOrigin);
    expect(files?.TargetOriginId).not.toBe(defaultOrigin);
    // Each signature gets its own cached playlist, and the function sees the whole signature to check it.
    stateful$.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 2,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: {
            QueryStringBehavior: 'whitelist',
            // An instant clip's window and a redundant stream's marker change the playlist too.
            QueryStrings: ['Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm', ...CLIP_PARAMETERS, 'redundant'],
          },
        }),
      }),
    });
  });

  it('gives the playback function the key (read access to the secret), its key pair id and the stream URL parameter', () => {
    const { stateful$ } = synthGamma();
    const [[fnId, fn] = []] = resources(stateful$, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Metadata?.['gamma:handler'] === 'playback',
    );
    const env = fn?.Properties.Environment.Variables;
    expect(env.PLAYBACK_KEY_PAIR_ID).toEqual({ 'Fn::GetAtt': [keyResourceId(stateful$), 'PublicKeyId'] });
    expect(env.STREAM_URL_PARAMETER).toBe('/gamma/GammaStateful/stream-url');
    const [[secretId] = []] = resources(stateful$, 'AWS::SecretsManager::Secret');
    expect(env.PLAYBACK_KEY_SECRET).toEqual({ Ref: secretId });
    const policies = resources(stateful$, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(fnId?.replace(/[0-9A-F]{8}$/, '') ?? '-'),
    );
    const statements = JSON.stringify(policies.map(([, p]) => p.Properties.PolicyDocument.Statement));
    expect(statements).toContain('secretsmanager:GetSecretValue');
    expect(statements).toContain('ssm:GetParameter');
    expect(statements).toContain(':parameter/gamma/GammaStateful/stream-url');
  });

  it('publishes the URL signatures name: the distribution on AWS, the stream server locally', () => {
    const domain = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }]] };
    synthGamma().stateful$.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/gamma/GammaStateful/stream-url',
      Value: domain,
    });
    synthGamma(LOCAL).stateful$.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/gamma/GammaStateful/stream-url',
      Value: LOCAL.localStreamUrl,
    });
  });

  it('makes the key pair in a custom resource that writes the secret; no key material is in the template', () => {
    const { stateful$ } = synthGamma();
    const template = JSON.stringify(stateful$.toJSON());
    expect(template).not.toMatch(/BEGIN (RSA |)(PUBLIC|PRIVATE) KEY/);
    const [[, key] = []] = resources(stateful$, 'Custom::PlaybackSigningKey');
    const [[handlerId, handler] = []] = resources(stateful$, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Metadata?.['gamma:handler'] === 'playback-key',
    );
    expect(key?.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [handlerId, 'Arn'] });
    expect(handler?.Properties.Environment.Variables.PLAYBACK_KEY_SECRET).toEqual({
      Ref: resources(stateful$, 'AWS::SecretsManager::Secret')[0]?.[0],
    });
    expect(template).toContain('secretsmanager:PutSecretValue');
    expect(template).toContain('cloudfront:CreateKeyGroup');
  });
});

function defaultTarget(t: ReturnType<typeof synthGamma>['stateful$']): string {
  const [[, distribution] = []] = resources(t, 'AWS::CloudFront::Distribution');
  return distribution?.Properties.DistributionConfig.DefaultCacheBehavior.TargetOriginId;
}
