import { describe, expect, it } from 'vitest';
import {
  h264Level,
  isResolutionTier,
  planLadder,
  renditionNames,
  type SourceProbe,
  segmentAt,
  segmentStartSeconds,
} from '../../lambdas/core/domain/ladder.js';

const video = (width: number, height: number, fps = 30): SourceProbe => ({
  durationSeconds: 10,
  video: { width, height, fps },
  audio: { channels: 2 },
});

const sizes = (source: SourceProbe, options?: Parameters<typeof planLadder>[1]) =>
  planLadder(source, options).video?.rungs.map((r) => `${r.name} ${r.width}x${r.height}`);

describe('planLadder', () => {
  it('plans the standard rungs a 1080p source reaches', () => {
    expect(sizes(video(1920, 1080))).toEqual(['360p 640x360', '480p 854x480', '720p 1280x720', '1080p 1920x1080']);
  });

  it('never upscales', () => {
    expect(sizes(video(1280, 720))).toEqual(['360p 640x360', '480p 854x480', '720p 1280x720']);
  });

  it('chooses rungs by the short side, so portrait video keeps its orientation', () => {
    expect(sizes(video(1080, 1920))).toEqual(['360p 360x640', '480p 480x854', '720p 720x1280', '1080p 1080x1920']);
  });

  it('caps the ladder at 1080p unless a higher tier is allowed', () => {
    const uhd = video(3840, 2160);
    expect(renditionNames(planLadder(uhd))).toEqual(['360p', '480p', '720p', '1080p']);
    expect(renditionNames(planLadder(uhd, { maxResolutionTier: '1440p' })).at(-1)).toBe('1440p');
    expect(sizes(uhd, { maxResolutionTier: '2160p' })?.at(-1)).toBe('2160p 3840x2160');
  });

  it('makes odd sources even, keeping the aspect ratio and never exceeding the source', () => {
    expect(sizes(video(1281, 721))).toEqual(['360p 640x360', '480p 852x480', '720p 1280x720']);
    expect(sizes(video(1000, 750))).toEqual(['360p 480x360', '480p 640x480', '720p 960x720']);
  });

  it('encodes a source below 360p once, at its own even size', () => {
    expect(sizes(video(320, 240))).toEqual(['240p 320x240']);
    expect(sizes(video(241, 321))).toEqual(['240p 240x320']);
  });

  it('gives rungs above 30 fps more bits, and scales bits with the frame area', () => {
    const at30 = planLadder(video(1280, 720, 30)).video?.rungs.at(-1);
    const at60 = planLadder(video(1280, 720, 60)).video?.rungs.at(-1);
    const at25 = planLadder(video(1280, 720, 25)).video?.rungs.at(-1);
    expect(at60?.videoKbps).toBe(1.5 * (at30?.videoKbps ?? 0));
    expect(at25?.videoKbps).toBe(at30?.videoKbps);
    const square = planLadder(video(720, 720)).video?.rungs.at(-1);
    expect(square?.videoKbps).toBeLessThan(at30?.videoKbps ?? 0);
  });

  it('caps the VBV above the average bitrate', () => {
    for (const rung of planLadder(video(1920, 1080)).video?.rungs ?? []) {
      expect(rung.maxrateKbps).toBeGreaterThan(rung.videoKbps);
      expect(rung.bufsizeKbps).toBeGreaterThanOrEqual(rung.maxrateKbps);
      expect(rung.profile).toBe('high');
    }
  });

  it('keeps the source frame rate up to 60 fps and resamples faster or unknown rates', () => {
    expect(planLadder(video(1280, 720, 30000 / 1001)).video).toMatchObject({
      fps: 30000 / 1001,
      resampleFrameRate: false,
    });
    expect(planLadder(video(1280, 720, 120)).video).toMatchObject({ fps: 60, resampleFrameRate: true });
    expect(planLadder(video(1280, 720, 0)).video).toMatchObject({ fps: 30, resampleFrameRate: true });
  });

  it('resamples a variable-rate source to the standard rate nearest its average', () => {
    const vfr = (fps: number): SourceProbe => ({
      durationSeconds: 10,
      video: { width: 1280, height: 720, fps, variableFrameRate: true },
    });
    expect(planLadder(vfr(29.7)).video).toMatchObject({ fps: 30000 / 1001, resampleFrameRate: true });
    expect(planLadder(vfr(24.3)).video).toMatchObject({ fps: 24, resampleFrameRate: true });
    expect(planLadder(vfr(58)).video).toMatchObject({ fps: 60000 / 1001, resampleFrameRate: true });
    expect(planLadder(vfr(30)).video).toMatchObject({ fps: 30, resampleFrameRate: true });
  });

  it('segments every 6 s after a first segment of 2 s, a keyframe every 2 s, by default; audio alone in even segments', () => {
    const plan = planLadder(video(1280, 720));
    expect(plan).toMatchObject({ segmentSeconds: 6, firstSegmentSeconds: 2, keyframeSeconds: 2 });
    expect(planLadder(video(1280, 720), { segmentSeconds: 4 })).toMatchObject({
      segmentSeconds: 4,
      keyframeSeconds: 2,
    });
    // The first segment is never longer than the others; keyframes 2 s apart only where they fall on the cuts.
    expect(planLadder(video(1280, 720), { segmentSeconds: 1 })).toMatchObject({
      firstSegmentSeconds: 1,
      keyframeSeconds: 1,
    });
    expect(planLadder(video(1280, 720), { segmentSeconds: 5 })).toMatchObject({
      firstSegmentSeconds: 2,
      keyframeSeconds: 5,
    });
    expect(planLadder({ durationSeconds: 30, audio: { channels: 2 } }).firstSegmentSeconds).toBeUndefined();
    expect([0, 1, 2, 3].map((i) => segmentStartSeconds(plan, i))).toEqual([0, 2, 8, 14]);
    expect(segmentAt(plan, 0)).toEqual({ index: 0, firstCutSeconds: 2 });
    expect(segmentAt(plan, 14)).toEqual({ index: 3, firstCutSeconds: 6 });
    expect(() => segmentAt(plan, 6)).toThrow(/No segment starts at 6 s/);
    // A plan recorded before the first segment was short: every segment the same.
    expect(segmentStartSeconds({ segmentSeconds: 6 }, 2)).toBe(12);
  });

  it('plans stereo AAC for multichannel sources and mono for mono ones', () => {
    expect(planLadder(video(1280, 720)).audio).toEqual({ codec: 'aac', kbps: 128, channels: 2, sampleRate: 48_000 });
    const surround = planLadder({ durationSeconds: 1, audio: { channels: 6 } });
    expect(surround.audio?.channels).toBe(2);
    const mono = planLadder({ durationSeconds: 1, audio: { channels: 1 } });
    expect(mono.audio).toMatchObject({ channels: 1, kbps: 64 });
  });

  it('plans one audio rendition for an audio-only source', () => {
    const plan = planLadder({ durationSeconds: 3, audio: { channels: 2 } });
    expect(plan.video).toBeUndefined();
    expect(renditionNames(plan)).toEqual(['audio']);
  });

  it('plans no audio for a video-only source', () => {
    const plan = planLadder({ durationSeconds: 3, video: { width: 640, height: 360, fps: 30 } });
    expect(plan.audio).toBeUndefined();
    expect(renditionNames(plan)).toEqual(['360p']);
  });
});

describe('h264Level', () => {
  it('picks the lowest level that allows the frame size, rate and bitrate', () => {
    expect(h264Level(640, 360, 30, 1350, 1800)).toBe(30);
    expect(h264Level(1280, 720, 30, 4500, 6000)).toBe(31);
    expect(h264Level(1280, 720, 60, 6750, 9000)).toBe(32);
    expect(h264Level(1920, 1080, 30, 9000, 12000)).toBe(40);
    expect(h264Level(1920, 1080, 30, 30000, 40000)).toBe(41);
    expect(h264Level(1920, 1080, 60, 13500, 18000)).toBe(42);
    expect(h264Level(3840, 2160, 30, 24000, 32000)).toBe(51);
    expect(h264Level(3840, 2160, 60, 36000, 48000)).toBe(52);
  });

  it('accounts for very wide frames', () => {
    // 1,920 macroblocks fit level 3.1, but a row of 240 needs sqrt(8 × MaxFS) ≥ 240: level 4.0.
    expect(h264Level(3840, 128, 30, 1000, 1000)).toBe(40);
  });

  it('refuses sizes no level allows', () => {
    expect(() => h264Level(7680, 4320, 60, 1000, 1000)).toThrow(/No H.264 level/);
  });
});

describe('isResolutionTier', () => {
  it('accepts the Mux tiers only', () => {
    expect(['1080p', '1440p', '2160p'].every(isResolutionTier)).toBe(true);
    expect(isResolutionTier('720p')).toBe(false);
    expect(isResolutionTier('toString')).toBe(false);
  });
});
