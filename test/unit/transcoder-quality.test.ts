/**
 * Mux's `video_quality` as encoder arguments (options/quality.ts, ffmpeg/args.ts): `basic` is the ladder as planned,
 * `plus` and `premium` fit each rung's CRF to the measured complexity under the rung's cap; the job reads the tier
 * and the other per-asset switches from the task's variables.
 */
import { describe, expect, it } from 'vitest';
import { videoArgs } from '../../containers/transcoder/src/ffmpeg/args.js';
import { ladderFfmpegArgs } from '../../containers/transcoder/src/ffmpeg/encode-args.js';
import { readJob } from '../../containers/transcoder/src/job.js';
import {
  COMPLEXITY_PASS,
  complexityArgs,
  fitPlan,
  HARD_CAP,
  predictKbps,
  QUALITY_TIERS,
  sampleWindows,
} from '../../containers/transcoder/src/options/quality.js';
import { planLadder, type VideoRung } from '../../lambdas/core/domain/ladder.js';

const SOURCE = { durationSeconds: 40, video: { width: 1920, height: 1080, fps: 30 }, audio: { channels: 2 } };
const basic = planLadder(SOURCE);
/** What the complexity pass would measure at 1920x1080 for a still test card, a talking head and noisy motion. */
const SIMPLE = { kbps: 60, width: 1920, height: 1080 };
const MIDDLE = { kbps: 1500, width: 1920, height: 1080 };
const COMPLEX = { kbps: 30000, width: 1920, height: 1080 };

/** The value after `flag` in `args`. */
const argAfter = (args: string[], flag: string) => {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
};

function rungsOf(plan: ReturnType<typeof planLadder>): VideoRung[] {
  if (!plan.video) throw new Error('a video plan');
  return plan.video.rungs;
}

describe('video_quality encoder arguments', () => {
  it('basic: the constrained bit rate at the rung target, x264 veryfast, no CRF', () => {
    const rung = rungsOf(basic)[0] as VideoRung;
    const args = videoArgs(rung, { fps: 30 }, { firstCutSeconds: 2, segmentSeconds: 6, keyframeSeconds: 2 });
    expect(argAfter(args, '-b:v')).toBe(`${rung.videoKbps}k`);
    expect(argAfter(args, '-maxrate:v')).toBe(`${rung.maxrateKbps}k`);
    expect(argAfter(args, '-preset')).toBe('veryfast');
    expect(args).not.toContain('-crf:v');
  });

  it('plus: each rung at a fitted CRF under the ladder cap, no target bit rate', () => {
    const plus = fitPlan(basic, QUALITY_TIERS.plus, MIDDLE);
    const args = ladderFfmpegArgs('/work/source', plus, '/out', 'fmp4');
    expect(args).not.toContain('-b:v');
    rungsOf(plus).forEach((rung, i) => {
      const planned = rungsOf(basic)[i] as VideoRung;
      expect(rung.maxrateKbps).toBe(planned.maxrateKbps);
      expect(rung.bufsizeKbps).toBe(planned.bufsizeKbps);
      expect(args.join(' ')).toContain(`-crf:v ${rung.crf} -maxrate:v ${rung.maxrateKbps}k`);
    });
  });

  it('plus: nearly still content gets the best CRF, content past the budget the floor', () => {
    const tier = QUALITY_TIERS.plus;
    expect(rungsOf(fitPlan(basic, tier, SIMPLE)).map((r) => r.crf)).toEqual(rungsOf(basic).map(() => tier.crf.best));
    expect(rungsOf(fitPlan(basic, tier, COMPLEX)).map((r) => r.crf)).toEqual(rungsOf(basic).map(() => tier.crf.worst));
  });

  it('plus: content past the budget at the floor CRF is capped under the basic target, so it costs no more', () => {
    rungsOf(fitPlan(basic, QUALITY_TIERS.plus, COMPLEX)).forEach((rung, i) => {
      const planned = rungsOf(basic)[i] as VideoRung;
      expect(rung.maxrateKbps).toBe(Math.round(planned.videoKbps * HARD_CAP.maxrateFactor));
      expect(rung.maxrateKbps).toBeLessThan(planned.videoKbps);
      expect(rung.bufsizeKbps).toBe(Math.round(planned.videoKbps * HARD_CAP.bufferSeconds));
      // What the provisional master announces as its average: the cap it will run at.
      expect(rung.videoKbps).toBe(rung.maxrateKbps);
    });
    // Premium spends up to its raised cap on the same content: it is the higher-quality tier.
    rungsOf(fitPlan(basic, QUALITY_TIERS.premium, COMPLEX)).forEach((rung, i) => {
      expect(rung.maxrateKbps).toBeGreaterThan((rungsOf(basic)[i] as VideoRung).maxrateKbps);
    });
  });

  it('plus: content in between gets the CRF predicted to spend its aim, a fraction of the rung target', () => {
    // Measured exactly at the top rung's size at the rung's aim: the fit keeps the pass's CRF.
    const top = rungsOf(basic).at(-1) as VideoRung;
    const aimKbps = top.videoKbps * QUALITY_TIERS.plus.aim;
    const matched = { kbps: aimKbps, width: top.width, height: top.height };
    const fitted = rungsOf(fitPlan(basic, QUALITY_TIERS.plus, matched)).at(-1);
    expect(fitted?.crf).toBe(COMPLEXITY_PASS.crf);
    expect(predictKbps(matched, top.width, top.height, fitted?.crf as number)).toBeCloseTo(aimKbps);
    // A quarter of the bits at the pass's CRF: twelve CRF steps lower (better) spend the same.
    const lighter = rungsOf(fitPlan(basic, QUALITY_TIERS.plus, { ...matched, kbps: aimKbps / 4 })).at(-1);
    expect(lighter?.crf).toBe(COMPLEXITY_PASS.crf - 12);
  });

  it('fitted tiers put one keyframe per segment; basic keeps one every 2 s', () => {
    expect(basic.keyframeSeconds).toBe(2);
    for (const tier of Object.values(QUALITY_TIERS)) {
      const fitted = fitPlan(basic, tier, MIDDLE);
      expect(fitted.keyframeSeconds).toBe(basic.segmentSeconds);
      const args = ladderFfmpegArgs('/work/source', fitted, '/out', 'fmp4');
      expect(argAfter(args, '-g:v')).toBe(String(30 * basic.segmentSeconds));
    }
  });

  it('premium: a slower preset, lower CRFs than plus, caps raised by half with a level that allows them', () => {
    const plus = fitPlan(basic, QUALITY_TIERS.plus, COMPLEX);
    const premium = fitPlan(basic, QUALITY_TIERS.premium, COMPLEX);
    expect(premium.video?.preset).toBe('medium');
    rungsOf(premium).forEach((rung, i) => {
      const planned = rungsOf(basic)[i] as VideoRung;
      expect(rung.crf).toBeLessThan(rungsOf(plus)[i]?.crf as number);
      expect(rung.maxrateKbps).toBe(Math.round(planned.maxrateKbps * 1.5));
      expect(rung.level).toBeGreaterThanOrEqual(planned.level);
    });
    expect(argAfter(ladderFfmpegArgs('/work/source', premium, '/out', 'fmp4'), '-preset')).toBe('medium');
  });

  it('leaves an audio-only plan as it is', () => {
    const audioOnly = planLadder({ durationSeconds: 40, audio: { channels: 2 } });
    expect(fitPlan(audioOnly, QUALITY_TIERS.premium, COMPLEX)).toBe(audioOnly);
  });
});

describe('the complexity pass', () => {
  it('samples three spread windows of a long source, the whole of a short one', () => {
    expect(sampleWindows(60)).toEqual([
      { start: 9, seconds: 2 },
      { start: 29, seconds: 2 },
      { start: 49, seconds: 2 },
    ]);
    expect(sampleWindows(5)).toEqual([{ start: 0, seconds: 5 }]);
  });

  it("joins the windows, scales to the top rung's size and encodes at the reference CRF", () => {
    const frame = { width: 1920, height: 1080, fps: 30, keyframeSeconds: 6 };
    const args = complexityArgs('/work/source', 60, frame, '/work/complexity.h264');
    expect(args.filter((a) => a === '-i')).toHaveLength(3);
    expect(argAfter(args, '-filter_complex')).toContain('concat=n=3:v=1:a=0,fps=30,scale=1920:1080');
    expect(argAfter(args, '-g')).toBe('180');
    expect(argAfter(args, '-crf')).toBe(String(COMPLEXITY_PASS.crf));
    expect(args.at(-1)).toBe('/work/complexity.h264');
  });
});

describe('the per-asset switches in the job', () => {
  const base = {
    MEDIA_TABLE: 't',
    OUTPUT_BUCKET: 'o',
    ASSET_ID: 'a1',
    SOURCE_BUCKET: 's',
    SOURCE_KEY: 'k',
  };

  it('reads VIDEO_QUALITY, NORMALIZE_AUDIO and TEST_ASSET', () => {
    const job = readJob({ ...base, VIDEO_QUALITY: 'plus', NORMALIZE_AUDIO: 'true', TEST_ASSET: 'true' });
    expect(job.options).toMatchObject({ videoQuality: 'plus', normalizeAudio: true, test: true });
    expect(readJob(base).options).toEqual({ staticRenditions: [] });
  });

  it('fails with the variable name on a bad value', () => {
    expect(() => readJob({ ...base, VIDEO_QUALITY: 'ultra' })).toThrow(/VIDEO_QUALITY must be basic, plus, premium/);
    expect(() => readJob({ ...base, NORMALIZE_AUDIO: 'yes' })).toThrow(/NORMALIZE_AUDIO must be true or false/);
  });
});
