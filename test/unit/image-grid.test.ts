import { describe, expect, it } from 'vitest';
import {
  canonicalAnimatedQuery,
  canonicalThumbnailQuery,
  fpsOnGrid,
  sizeOnGrid,
} from '../../lambdas/core/domain/image-grid.js';

describe('image grid', () => {
  it('snaps sizes to multiples of 32 within the limit, and rates to 5, 10, 15, 24 or 30', () => {
    expect([1, 16, 47, 48, 333, 639, 640].map((n) => sizeOnGrid(n, 640))).toEqual([32, 32, 32, 64, 320, 640, 640]);
    expect(sizeOnGrid(4095, 4096)).toBe(4096);
    expect([0.1, 7.5, 7.6, 20, 27, 29.99].map(fpsOnGrid)).toEqual([5, 5, 10, 24, 24, 30]);
  });

  it('leaves a canonical or invalid query alone (an invalid one answers 400 as it is)', () => {
    expect(canonicalAnimatedQuery({ start: '2', end: '7', fps: '15', width: '320' }, 60)).toBeUndefined();
    expect(canonicalAnimatedQuery({}, 60)).toBeUndefined();
    expect(canonicalAnimatedQuery({ start: '0.5', end: '12' }, 60)).toBeUndefined();
    expect(canonicalThumbnailQuery({ time: 'x', width: '33' }, (t) => t)).toBeUndefined();
    expect(canonicalThumbnailQuery({ time: '3', width: '64' }, Math.round)).toBeUndefined();
  });

  it('keeps a whole-second window valid: inside the video, at least 1 s, at most 10 s', () => {
    expect(canonicalAnimatedQuery({ start: '1.0', end: '1.2' }, 60)).toEqual({ start: '1', end: '2' });
    expect(canonicalAnimatedQuery({ start: '0.49', end: '10.49' }, 60)).toEqual({ start: '0', end: '10' });
    // A 4.8 s video: start 4.6 would round to its end, so it goes down; end is the video's end rounded up.
    expect(canonicalAnimatedQuery({ start: '4.6', end: '40' }, 4.8)).toBeUndefined(); // more than 10 s: a 400
    expect(canonicalAnimatedQuery({ start: '4.6', end: '9' }, 4.8)).toEqual({ start: '4', end: '5' });
    expect(canonicalThumbnailQuery({ time: '2.6', height: '100' }, Math.round)).toEqual({ time: '3', height: '96' });
  });
});
