/**
 * The work an encode does is bounded by what the probe measured (and the source policy checked): every ffmpeg that
 * reads the whole source stops at the probed length plus a margin, a chunk's at the chunk's end, and a watchdog
 * kills any ffmpeg that runs past a deadline derived from the media it was given.
 */
import { describe, expect, it } from 'vitest';
import { SOURCE_MARGIN, sourceBoundSeconds } from '../../containers/transcoder/src/ffmpeg/args.js';
import { chunkFfmpegArgs, ladderFfmpegArgs } from '../../containers/transcoder/src/ffmpeg/encode-args.js';
import { ffmpegLimits, runFfmpeg, runFfmpegCapturing, WATCHDOG } from '../../containers/transcoder/src/ffmpeg/run.js';
import { loudnessMeasureArgs } from '../../containers/transcoder/src/options/audio.js';
import { previewFfmpegArgs } from '../../containers/transcoder/src/preview-frames.js';
import { InvalidInputError } from '../../lambdas/core/domain/errors.js';
import { planLadder } from '../../lambdas/core/domain/ladder.js';
import { planPreviewFrames } from '../../lambdas/core/domain/preview-frames.js';
import { planImages } from '../../lambdas/core/domain/thumbnails.js';
import { TRANSCODE_DEADLINE_SECONDS } from '../../lambdas/core/usecases/sweep.js';

const SOURCE = { durationSeconds: 5, video: { width: 1280, height: 720, fps: 30 }, audio: { channels: 2 } };
const plan = planLadder(SOURCE);

/** The input options given before each `-i` (after its protocol whitelist). */
function inputOptions(args: string[]): string[][] {
  return args.flatMap((arg, i) => {
    if (arg !== '-i') return [];
    // After the whitelists (protocols, formats) that precede every input.
    const start = args.lastIndexOf('-format_whitelist', i) + 2;
    return [args.slice(start, i)];
  });
}

describe('encode duration bounds', () => {
  it('reads a source for its probed length plus a small margin', () => {
    expect(sourceBoundSeconds(5)).toBe(5 + SOURCE_MARGIN.seconds);
    expect(sourceBoundSeconds(3600)).toBe(3600 * (1 + SOURCE_MARGIN.share));
    expect(sourceBoundSeconds(12 * 3600)).toBeLessThan(12.2 * 3600);
  });

  it('bounds every command line that reads the whole source by the plan it was planned from', () => {
    const images = planImages(5, SOURCE.video);
    const previews = { plan: planPreviewFrames(5, SOURCE.video), frameList: '/w/p.crc' };
    const audioOnly = planLadder({ durationSeconds: 5, audio: { channels: 2 } });
    const commands = {
      ladder: ladderFfmpegArgs('/w/source', plan, '/w/hls', 'fmp4', { images, previews }),
      audioOnlyLadder: ladderFfmpegArgs('/w/source', audioOnly, '/w', 'fmp4'),
      preview: previewFfmpegArgs('/w/source', 5, previews.plan, '/w/p', '/w/p.crc'),
      loudness: loudnessMeasureArgs('/w/source', 5),
    };
    for (const [name, args] of Object.entries(commands)) {
      expect(inputOptions(args), name).toEqual([['-t', String(5 + SOURCE_MARGIN.seconds)]]);
    }
  });

  it('reads a chunk for the chunk only', () => {
    const chunk = { index: 1, startSeconds: 20, durationSeconds: 18, firstSegment: 4, segmentCount: 3 };
    const args = chunkFfmpegArgs('/w/source', planLadder({ ...SOURCE, durationSeconds: 40 }), '/w/c', chunk, {
      timeOffsetSeconds: 1,
      sourceStartSeconds: 0,
    });
    // From the keyframe before its start (no length: the graph's trims end the read a second past its end).
    expect(inputOptions(args)).toEqual([['-noaccurate_seek', '-ss', '20.000000']]);
    expect(args.join(' ')).toMatch(
      /\[0:v:0\]trim=start=0,settb=AVTB,trim=end=39\.000000,.*trim=start=20\.000000:end=38\.000000,/,
    );
  });
});

describe('ffmpeg watchdog', () => {
  it('gives a run a generous multiple of its media, never less than the floor', () => {
    expect(ffmpegLimits(5)).toEqual({ mediaSeconds: 5, deadlineSeconds: WATCHDOG.floorSeconds });
    expect(ffmpegLimits(1800).deadlineSeconds).toBe(1800 * WATCHDOG.realTimeMultiple);
    // A 12-hour source's run is cut where the sweeper errors its asset, not left running for 240 hours.
    expect(ffmpegLimits(12 * 3600).deadlineSeconds).toBe(TRANSCODE_DEADLINE_SECONDS);
  });

  // An endless test pattern read at its real rate (`-re`): only the watchdog ends it.
  const endless = ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=s=16x16:r=5', '-f', 'null', '-'];
  const overrun = /stopped after 0\.5 seconds, the deadline for 1 seconds of media/;

  it('kills an ffmpeg past its deadline and errors the input, naming the deadline', async () => {
    const run = runFfmpeg(endless, { mediaSeconds: 1, deadlineSeconds: 0.5 });
    await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    await expect(run).rejects.toThrow(overrun);
    await expect(runFfmpegCapturing(endless, { mediaSeconds: 1, deadlineSeconds: 0.5 })).rejects.toThrow(overrun);
  });

  it('lets an ffmpeg that finishes in time finish, reporting its progress', async () => {
    const seconds: number[] = [];
    const short = ['-v', 'error', '-progress', 'pipe:1', '-f', 'lavfi', '-i', 'testsrc=s=16x16:r=5:d=1'];
    await runFfmpeg([...short, '-f', 'null', '-'], ffmpegLimits(1), (s) => seconds.push(s));
    expect(seconds.at(-1)).toBeCloseTo(1, 0);
  });
});
