import { describe, expect, it } from 'vitest';
import { planChunks, segmentCount } from '../../lambdas/core/domain/chunks.js';

describe('planChunks', () => {
  it('cuts on segment boundaries into at most one chunk per worker, as even as whole segments allow', () => {
    const chunks = planChunks(600, { segmentSeconds: 6, workers: 16 });
    expect(chunks).toHaveLength(16);
    // 100 segments over 16 chunks: four chunks of 7 segments, then twelve of 6.
    expect(chunks.map((c) => c.segmentCount)).toEqual([7, 7, 7, 7, ...Array(12).fill(6)]);
    for (const [i, c] of chunks.entries()) {
      expect(c.startSeconds % 6).toBe(0);
      expect(c.startSeconds).toBe(c.firstSegment * 6);
      const next = chunks[i + 1];
      if (next) expect(c.startSeconds + c.durationSeconds).toBe(next.startSeconds);
    }
    expect(chunks.reduce((sum, c) => sum + c.durationSeconds, 0)).toBe(600);
  });

  it('lets the last chunk run to the end of the source, short segment included', () => {
    const chunks = planChunks(62.5, { segmentSeconds: 6, workers: 4 });
    expect(segmentCount(62.5, 6)).toBe(11);
    expect(chunks.map((c) => [c.startSeconds, c.durationSeconds, c.segmentCount])).toEqual([
      [0, 18, 3],
      [18, 18, 3],
      [36, 18, 3],
      [54, 8.5, 2],
    ]);
  });

  it('does not make chunks shorter than the minimum, nor more chunks than workers', () => {
    expect(planChunks(600, { segmentSeconds: 6, workers: 64 })).toHaveLength(50);
    expect(planChunks(600, { segmentSeconds: 6, workers: 64, minChunkSeconds: 30 })).toHaveLength(20);
    expect(planChunks(20, { segmentSeconds: 6, workers: 8 }).map((c) => c.segmentCount)).toEqual([2, 2]);
    expect(planChunks(11, { segmentSeconds: 6, workers: 8 })).toHaveLength(1);
    expect(planChunks(600, { segmentSeconds: 6, workers: 1 })).toEqual([
      { index: 0, startSeconds: 0, durationSeconds: 600, firstSegment: 0, segmentCount: 100 },
    ]);
  });

  it('refuses a source without duration', () => {
    expect(() => planChunks(0, { segmentSeconds: 6, workers: 2 })).toThrow(/positive/);
  });
});
