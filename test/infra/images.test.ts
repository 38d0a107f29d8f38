/**
 * Images are drawn by the playback function with sharp: its bundle must carry sharp's native build for where it
 * runs (Linux ARM64 on AWS, the host's architecture in the emulator), and the distribution must cache images by
 * Mux's image parameters.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HANDLER_METADATA } from '../../lib/constructs/gamma-function.js';
import { LOCAL, resources, synthGamma } from './app.js';

function playbackBundle(context: Record<string, string>) {
  const gamma = synthGamma(context, { bundle: ['GammaStateful'] });
  const found = resources(gamma.stateful$, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Metadata?.[HANDLER_METADATA] === 'playback',
  );
  if (!found) throw new Error('no playback function');
  const [, fn] = found;
  const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
  return { fn, dir: join(gamma.app.outdir, `asset.${hash}`) };
}

describe('the playback function draws images', () => {
  it.each([
    ['AWS', 'arm64', {}],
    ['the emulator', process.arch, LOCAL],
  ])('on %s ships sharp for linux-%s beside the bundle, not inside it', (_, cpu, context) => {
    const { fn, dir } = playbackBundle(context);
    expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], MemorySize: 1024 });
    expect(existsSync(join(dir, 'node_modules', 'sharp', 'package.json'))).toBe(true);
    expect(
      readdirSync(join(dir, 'node_modules', '@img'))
        .filter((p) => p.startsWith('sharp-'))
        .sort(),
    ).toEqual([`sharp-libvips-linux-${cpu}`, `sharp-linux-${cpu}`]);
  });

  it('caches images for as long as the function says, keyed by Mux’s image parameters', () => {
    const { stateful$ } = synthGamma();
    stateful$.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 86_400,
        MaxTTL: 31_536_000,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: {
            QueryStringBehavior: 'whitelist',
            QueryStrings: Match.arrayWith(['token', 'time', 'width', 'height', 'fit_mode', 'start', 'end', 'fps']),
          },
        }),
      }),
    });
    const behaviors = resources(stateful$, 'AWS::CloudFront::Distribution').flatMap(
      ([, d]) => d.Properties.DistributionConfig.CacheBehaviors as { PathPattern: string }[],
    );
    const patterns = behaviors.map((b) => b.PathPattern);
    expect(patterns).toEqual(expect.arrayContaining(['*/thumbnail.*', '*/animated.*', '*/storyboard.*']));
  });
});
