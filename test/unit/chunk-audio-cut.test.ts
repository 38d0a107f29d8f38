/** The per-chunk audio cut's command line (ffmpeg/args.ts `chunkAudioCutArgs`). */
import { describe, expect, it } from 'vitest';
import { chunkAudioCutArgs } from '../../containers/transcoder/src/ffmpeg/args.js';
import { chunkAudioWindow } from '../../lambdas/core/domain/chunks.js';

describe('chunkAudioCutArgs', () => {
  it('gives ffmpeg a shift it accepts when the window computes zero as a tiny negative number', () => {
    // 48 kHz, a chunk at 12 s: the shift is 0 up to floating-point noise (-4.4e-16), which ffmpeg refuses.
    const window = chunkAudioWindow({ startSeconds: 12, durationSeconds: 12 }, false, { output: 48_000 });
    expect(Math.abs(window.shiftSeconds)).toBeLessThan(1e-9);
    const args = chunkAudioCutArgs('in.nut', window, 'out.nut');
    expect(args[args.indexOf('-output_ts_offset') + 1]).toBe('0');
  });

  it('keeps a real shift to the microsecond', () => {
    const window = chunkAudioWindow({ startSeconds: 6, durationSeconds: 12 }, false, { output: 48_000 });
    const args = chunkAudioCutArgs('in.nut', window, 'out.nut');
    expect(Number(args[args.indexOf('-output_ts_offset') + 1])).toBeCloseTo(window.shiftSeconds, 6);
    expect(window.shiftSeconds).toBeGreaterThan(0.001);
  });
});
