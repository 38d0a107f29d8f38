/** The stream distribution caches what the playback function answers per URL that changes the answer. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { synthGamma } from './app.js';

describe('Stream distribution', () => {
  it("keys the playback function's cache on the signed-playback token and the thumbnail time", () => {
    const { stateful$ } = synthGamma();
    stateful$.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 10,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['token', 'time'] },
        }),
      }),
    });
  });
});
