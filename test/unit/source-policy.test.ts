import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lambdas/core/domain/errors.js';
import { checkSource } from '../../lambdas/core/domain/source-policy.js';

const video = (width: number, height: number, fps = 30) => ({ durationSeconds: 10, video: { width, height, fps } });

describe('checkSource', () => {
  it('accepts 1080p, 4K UHD and cinema 4K, portrait too, and audio-only sources', () => {
    for (const source of [video(1920, 1080), video(3840, 2160), video(4096, 2160), video(1080, 1920)]) {
      expect(() => checkSource(source)).not.toThrow();
    }
    expect(() => checkSource({ durationSeconds: 30, audio: { channels: 2 } })).not.toThrow();
  });

  it('refuses 8K with a message naming the size and the limit', () => {
    expect(() => checkSource(video(7680, 4320))).toThrow(
      new InvalidInputError('The video is 7680x4320; the largest accepted is 4096 pixels on the long side (4K)'),
    );
  });

  it('refuses a picture 1 pixel wide', () => {
    expect(() => checkSource(video(1, 720))).toThrow(/1x720; each side must be at least 16 pixels/);
  });

  it('refuses more than 12 hours, but not 10', () => {
    expect(() => checkSource({ ...video(640, 360), durationSeconds: 13 * 3600 })).toThrow(
      'The file is 13 hours long; the longest accepted is 12 hours',
    );
    expect(() => checkSource({ ...video(640, 360), durationSeconds: 10 * 3600 })).not.toThrow();
  });

  it('refuses absurd frame rates', () => {
    expect(() => checkSource(video(640, 360, 1000))).toThrow(/1000 frames per second/);
  });
});
