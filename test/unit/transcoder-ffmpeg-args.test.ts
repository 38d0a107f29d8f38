/**
 * ffmpeg reads only the protocols each invocation needs (issue 13): every input of every command line the
 * transcoder builds is preceded by `-protocol_whitelist` with exactly the protocols of that input.
 */
import { describe, expect, it } from 'vitest';
import {
  chunkKeyframes,
  decimalSeconds,
  inputArgs,
  inputProtocols,
  MEDIA_FORMATS,
  sourceBoundSeconds,
} from '../../containers/transcoder/src/ffmpeg/args.js';
import {
  chunkAudioCutArgs,
  chunkAudioFfmpegArgs,
  chunkFfmpegArgs,
  ladderFfmpegArgs,
} from '../../containers/transcoder/src/ffmpeg/encode-args.js';
import { previewFfmpegArgs } from '../../containers/transcoder/src/preview-frames.js';
import { chunkAudioWindow } from '../../lambdas/core/domain/chunks.js';
import { planLadder } from '../../lambdas/core/domain/ladder.js';
import { planPreviewFrames } from '../../lambdas/core/domain/preview-frames.js';
import { planImages } from '../../lambdas/core/domain/thumbnails.js';

const SOURCE = { durationSeconds: 40, video: { width: 1280, height: 720, fps: 30 }, audio: { channels: 2 } };
const plan = planLadder(SOURCE);

/** Each `-i` of a command line with the whitelist given just before it (and its input options). */
function inputsOf(args: string[]): { input: string; whitelist: string | undefined }[] {
  return args.flatMap((arg, i) => {
    if (arg !== '-i') return [];
    const before = args.slice(0, i);
    const at = before.lastIndexOf('-protocol_whitelist');
    const previousInput = before.lastIndexOf('-i');
    return [{ input: args[i + 1] ?? '', whitelist: at > previousInput ? before[at + 1] : undefined }];
  });
}

describe('ffmpeg protocol whitelist', () => {
  it('allows a local file only the file protocol, a presigned URL only its scheme and transport', () => {
    expect(inputProtocols('/tmp/gamma-transcode-x/source')).toBe('file');
    expect(inputProtocols('https://bucket.s3.amazonaws.com/uploads/u1?X-Amz-Signature=abc')).toBe('https,tls,tcp');
    expect(inputProtocols('http://127.0.0.1:4566/ingest/uploads/u1?X-Amz-Signature=abc')).toBe('http,tcp');
    expect(inputArgs('/work/source', ['-ss', '6'])).toEqual([
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      MEDIA_FORMATS,
      '-ss',
      '6',
      '-i',
      '/work/source',
    ]);
  });

  it('refuses any other protocol an input could name', () => {
    for (const input of [
      'concat:/a|/b',
      'data:video/mp4;base64,AAAA',
      'ftp://host/file',
      'subfile:/x',
      'rtmp://host/x',
    ]) {
      expect(() => inputProtocols(input), input).toThrow(/local files or HTTP\(S\) URLs/);
    }
  });

  it('is given for every input of the ladder, chunk and preview command lines', () => {
    const chunk = { index: 1, startSeconds: 20, durationSeconds: 18, firstSegment: 4, segmentCount: 3 };
    const images = planImages(40, SOURCE.video);
    const previews = { plan: planPreviewFrames(40, SOURCE.video), frameList: '/w/previews.crc' };
    const commands = {
      ladder: ladderFfmpegArgs('/w/source', plan, '/w/hls', 'fmp4', { images, previews }),
      audioOnlyLadder: ladderFfmpegArgs(
        '/w/source',
        planLadder({ durationSeconds: 5, audio: { channels: 2 } }),
        '/w',
        'fmp4',
      ),
      chunkFromFile: chunkFfmpegArgs('/w/source', plan, '/w/c', chunk, {
        audio: '/w/a.nut',
        timeOffsetSeconds: 1,
        sourceStartSeconds: 0,
      }),
      chunkFromUrl: chunkFfmpegArgs('https://s3/x?sig', plan, '/w/c', chunk, {
        timeOffsetSeconds: 1,
        sourceStartSeconds: 0,
      }),
      preview: previewFfmpegArgs('/w/source', 40, planPreviewFrames(40, SOURCE.video), '/w/p', '/w/p.crc'),
    };
    expect(inputsOf(commands.ladder)).toEqual([{ input: '/w/source', whitelist: 'file' }]);
    expect(inputsOf(commands.audioOnlyLadder)).toEqual([{ input: '/w/source', whitelist: 'file' }]);
    expect(inputsOf(commands.chunkFromFile)).toEqual([
      { input: '/w/source', whitelist: 'file' },
      { input: '/w/a.nut', whitelist: 'file' },
    ]);
    expect(inputsOf(commands.chunkFromUrl)).toEqual([{ input: 'https://s3/x?sig', whitelist: 'https,tls,tcp' }]);
    expect(inputsOf(commands.preview)).toEqual([{ input: '/w/source', whitelist: 'file' }]);
  });
});

describe('segment cuts', () => {
  /** Each rung's `-force_key_frames` and `-hls_time`, in order. */
  const cutsOf = (args: string[]) =>
    args.flatMap((a, i) => (a === '-force_key_frames:v' || a === '-hls_time' ? [args[i + 1]] : []));
  const onePerSegment = { ...plan, keyframeSeconds: plan.segmentSeconds }; // the fitted tiers' plan
  const chunkAt = (p: typeof plan, startSeconds: number, firstSegment: number) =>
    chunkFfmpegArgs(
      '/w/source',
      p,
      '/w/c',
      { index: 1, startSeconds, durationSeconds: 12, firstSegment, segmentCount: 2 },
      { timeOffsetSeconds: 1, sourceStartSeconds: 0 },
    );

  it('put a keyframe every 2 s (basic), on the cuts too, and cut pieces at every keyframe (half the interval)', () => {
    const every2 = ['expr:gte(t,n_forced*2)', '1'];
    expect(cutsOf(ladderFfmpegArgs('/w/source', plan, '/w/hls', 'fmp4'))).toEqual([...every2, ...every2, ...every2]);
    // A chunk lists its keyframes on the source's clock, each just short of half a frame past its time (ffmpeg
    // rounds a listed time to the nearest frame): the first frame at or after it.
    const listed = ['8.016633,10.016633,12.016633,14.016633,16.016633,18.016633', '1'];
    expect(cutsOf(chunkAt(plan, 8, 2)).slice(0, 2)).toEqual(listed);
  });

  it('put one keyframe per segment after the short first one (fitted tiers): pieces are then the segments', () => {
    const first = ['expr:gte(t,max(0,2+(n_forced-1)*6))', '1'];
    expect(cutsOf(ladderFfmpegArgs('/w/source', onePerSegment, '/w/hls', 'fmp4')).slice(0, 2)).toEqual(first);
    // Chunk 0 cuts its short first segment, then a whole one; a later chunk a whole segment apart from its start.
    expect(cutsOf(chunkAt(onePerSegment, 0, 0)).slice(0, 2)).toEqual(['0.016633,2.016633,8.016633', '1']);
    expect(cutsOf(chunkAt(onePerSegment, 8, 2)).slice(0, 2)).toEqual(['8.016633,14.016633', '3']);
    expect(() => chunkAt(plan, 6, 1)).toThrow(/No segment starts at 6 s/);
  });

  it('list a 29.97 fps chunk’s keyframes on the frames the single pass keys: the first at or after each time', () => {
    const ntsc = 30000 / 1001;
    const cuts = { firstCutSeconds: 6, segmentSeconds: 6, keyframeSeconds: 2 };
    const times = chunkKeyframes(cuts, ntsc, 14, 20).split(',').map(Number);
    // 14 s is frame 419.58, so frame 420; 16 s frame 479.52, so 480; 18 s frame 539.46, so 540 (not 539, 17.985 s).
    expect(times.map((t) => Math.round(t * ntsc))).toEqual([420, 480, 540]);
    // A time on a frame (30 fps) is that frame.
    expect(
      chunkKeyframes(cuts, 30, 14, 18)
        .split(',')
        .map((t) => Math.round(Number(t) * 30)),
    ).toEqual([420, 480]);
  });

  it('keep a chunk on the asset’s clock: the file’s timestamps less its start (and a clip’s), trimmed to the chunk', () => {
    const chunk = { index: 1, startSeconds: 8, durationSeconds: 12, firstSegment: 2, segmentCount: 2 };
    const args = (p: typeof plan, sourceStartSeconds = 0) =>
      chunkFfmpegArgs('/w/source', p, '/w/c', chunk, { audio: '/w/a.nut', timeOffsetSeconds: 0.2, sourceStartSeconds });
    const plain = args(plan);
    const graph = (a: string[]) => a[a.indexOf('-filter_complex') + 1] ?? '';
    // Every frame from the keyframe before the start, on the file's clock; none later than a second past the end.
    expect(plain).toContain('-copyts');
    expect(plain.slice(plain.indexOf('-noaccurate_seek'), plain.indexOf('-noaccurate_seek') + 3)).toEqual([
      ...['-noaccurate_seek', '-ss', '8.000000'],
    ]);
    expect(graph(plain)).toMatch(
      /^\[0:v:0\]trim=start=0,settb=AVTB,trim=end=21\.000000,format=yuv420p,split=1\[rungs\];/,
    );
    // The rungs keep the chunk's own frames, on the encoder's frame grid (where it writes them).
    const rungs = '[rungs]fps=source_fps,settb=AVTB,trim=start=8.000000:end=20.000000,split=1[r2]';
    expect(graph(plain)).toContain(rungs);
    // The audio slice is timed from the chunk's start; every output is moved by the constant offset only.
    expect(plain.slice(plain.indexOf('-itsoffset'), plain.indexOf('-itsoffset') + 4)).toEqual([
      ...['-itsoffset', '8.000000', '-i'],
      '/w/a.nut',
    ]);
    expect(plain.filter((_, i) => plain[i - 1] === '-output_ts_offset')).toEqual(['0.200000', '0.200000', '0.200000']);
    // A file whose clock starts at 1.4 s, and a clip from 10 s: the same shift in every chunk, and the seek is the
    // clip's (ffmpeg adds the file's start itself).
    const clip = { ...plan, window: { startSeconds: 10 }, sourceSeconds: 30 };
    const moved = args(clip, 1.4);
    expect(graph(moved)).toMatch(
      /^\[0:v:0\]setpts=round\(PTS-\(11\.400000\)\/TB\),trim=start=0,settb=AVTB,trim=end=21\.000000,/,
    );
    expect(moved.slice(moved.indexOf('-ss'), moved.indexOf('-ss') + 2)).toEqual(['-ss', '18.000000']);
    // A resampled rate is resampled before the rungs' trims, so they keep the resampled frames the single pass has.
    const vfr = { ...plan, video: { ...(plan.video as NonNullable<typeof plan.video>), resampleFrameRate: true } };
    expect(graph(args(vfr))).toMatch(/^\[0:v:0\]trim=start=0,fps=30,settb=AVTB,trim=end=21\.000000,/);
    expect(graph(args(vfr))).toContain(rungs);
    // The last chunk of a whole file reads as far as the single pass does.
    const toTheEnd = { ...chunk, durationSeconds: plan.sourceSeconds - 8 };
    const last = chunkFfmpegArgs('/w/source', plan, '/w/c', toTheEnd, {
      timeOffsetSeconds: 0.2,
      sourceStartSeconds: 0,
    });
    expect(graph(last)).toContain(`trim=start=8.000000:end=${decimalSeconds(sourceBoundSeconds(plan.sourceSeconds))},`);
  });

  it('keep a single-pass clip’s frames before its end, in microseconds (a resample’s own time base would round it)', () => {
    const graph = (a: string[]) => a[a.indexOf('-filter_complex') + 1] ?? '';
    const video = plan.video as NonNullable<typeof plan.video>;
    const clip = { ...plan, window: { startSeconds: 10 }, sourceSeconds: 1.37 };
    const read = ladderFfmpegArgs('/w/source', clip, '/w', 'fmp4');
    expect(read.slice(read.indexOf('-ss'), read.indexOf('-ss') + 4)).toEqual(['-ss', '10', '-t', '1.37']);
    expect(graph(read)).toMatch(
      /^\[0:v:0\]format=yuv420p,split=1\[rungs\];\[rungs\]settb=AVTB,trim=end=1\.370000,split=1\[r2\]/,
    );
    // At 30 fps, 1.37 s is frame 41.1: in the rate's own base the trim's end would round to frame 41 and drop it.
    const vfr = { ...clip, video: { ...video, resampleFrameRate: true } };
    expect(graph(ladderFfmpegArgs('/w/source', vfr, '/w', 'fmp4'))).toContain(
      '[0:v:0]fps=30,format=yuv420p,split=1[rungs];[rungs]settb=AVTB,trim=end=1.370000,',
    );
    // A whole source keeps every frame it reads: no trim.
    expect(graph(ladderFfmpegArgs('/w/source', plan, '/w', 'fmp4'))).not.toContain('trim');
    // Its stills (and storyboard tiles) are the planned ones at most, as a chunk's are: a frame read past the clip's
    // end makes none; a whole source's the same.
    const images = planImages(1.37, SOURCE.video);
    expect(images.count).toBe(2);
    for (const p of [clip, plan]) {
      expect(graph(ladderFfmpegArgs('/w/source', p, '/w', 'fmp4', { images }))).toMatch(
        /\[images\]select='[^']+',trim=end_frame=2,scale=/,
      );
    }
  });

  it('cut audio alone into pieces of exactly the interval (by time), later joined into whole segments', () => {
    const audioOnly = planLadder({ durationSeconds: 5, audio: { channels: 2 } });
    expect(cutsOf(ladderFfmpegArgs('/w/source', audioOnly, '/w', 'fmp4'))).toEqual(['2']);
  });
});

describe('rung scalers', () => {
  const graph = (a: string[]) => a[a.indexOf('-filter_complex') + 1] ?? '';
  /** Each rung's size and the pad its scaler reads: the decode's split, or the rung it is scaled from. */
  function scaledFrom(source: { width: number; height: number }, maxResolutionTier?: '2160p') {
    const ladder = planLadder({ durationSeconds: 40, video: { ...source, fps: 30 } }, { maxResolutionTier });
    const g = graph(ladderFfmpegArgs('/w/source', ladder, '/w', 'fmp4'));
    const rungs = (ladder.video as NonNullable<typeof ladder.video>).rungs;
    const producer = (pad: string) => {
      const owner = rungs.findIndex((_, i) =>
        new RegExp(`\\[v${i}\\](\\[r\\d\\])*\\${pad.replace(']', '\\]')}`).test(g),
      );
      return owner === -1 ? 'decode' : rungs[owner]?.name;
    };
    return Object.fromEntries(
      rungs.map((r, i) => {
        expect(g).toContain(`[r${i}]scale=${r.width}:${r.height},setsar=1`);
        return [r.name, producer(`[r${i}]`)];
      }),
    );
  }

  it('scale each rung from the smallest rung at least 1.5× its size, the largest from the decoded frames', () => {
    expect(scaledFrom({ width: 1920, height: 1080 })).toEqual({
      '360p': '720p',
      '480p': '720p',
      '720p': '1080p',
      '1080p': 'decode',
    });
    // 1080p is 1.33× under 1440p: from 2160p, as 1440p is.
    expect(scaledFrom({ width: 3840, height: 2160 }, '2160p')).toEqual({
      '360p': '720p',
      '480p': '720p',
      '720p': '1080p',
      '1080p': '2160p',
      '1440p': '2160p',
      '2160p': 'decode',
    });
    // Portrait: the short side is the width.
    expect(scaledFrom({ width: 1080, height: 1920 })).toEqual(scaledFrom({ width: 1920, height: 1080 }));
    expect(scaledFrom({ width: 320, height: 240 })).toEqual({ '240p': 'decode' });
  });

  it('give every rung one encoder pad and every scaled pad one reader (ffmpeg refuses an unconnected pad)', () => {
    const images = planImages(SOURCE.durationSeconds, SOURCE.video);
    const previews = { plan: planPreviewFrames(SOURCE.durationSeconds, SOURCE.video), frameList: '/w/frames.txt' };
    const chunk = { index: 1, startSeconds: 8, durationSeconds: 12, firstSegment: 2, segmentCount: 2 };
    const graphs = [
      graph(ladderFfmpegArgs('/w/source', plan, '/w', 'fmp4')),
      graph(ladderFfmpegArgs('/w/source', plan, '/w', 'fmp4', { images, previews })),
      graph(chunkFfmpegArgs('/w/source', plan, '/w/c', chunk, { timeOffsetSeconds: 0, sourceStartSeconds: 0 })),
    ];
    for (const g of graphs) {
      for (const pad of new Set(g.match(/\[(v|r)\d\]/g) ?? [])) {
        const uses = g.split(pad).length - 1;
        expect(uses, `${pad} in ${g}`).toBe(pad.startsWith('[r') ? 2 : 1);
      }
    }
    // The [v<i>] pads are what the outputs map, one per rung.
    const maps = ladderFfmpegArgs('/w/source', plan, '/w', 'fmp4').filter((a) => /^\[v\d\]$/.test(a));
    expect(maps).toEqual(['[v0]', '[v1]', '[v2]']);
  });
});

describe('decimalSeconds', () => {
  it('writes seconds as ffmpeg parses them, never in exponent notation', () => {
    expect(decimalSeconds(-4.440892098500626e-16)).toBe('0');
    expect(decimalSeconds(1e-7)).toBe('0');
    expect(decimalSeconds(2.9546666666666668)).toBe('2.954667');
    expect(decimalSeconds(-0.0053333)).toBe('-0.005333');
  });

  it('is how a chunk’s audio encode and cut name their times; the encode reads the URL over https only', () => {
    const window = chunkAudioWindow({ startSeconds: 12, durationSeconds: 12 }, false, { output: 48000 });
    const encode = chunkAudioFfmpegArgs('https://bucket.s3/source?X-Amz-Signature=1', plan, window, '/w/a.nut');
    const cut = chunkAudioCutArgs('/w/a.nut', window, '/w/b.nut');
    for (const args of [encode, cut]) {
      expect(args.filter((a) => /e[-+]\d/.test(a) && /^-?[\d.]+e/.test(a))).toEqual([]);
    }
    expect(encode.slice(encode.indexOf('-protocol_whitelist'), encode.indexOf('-protocol_whitelist') + 2)).toEqual([
      '-protocol_whitelist',
      'https,tls,tcp',
    ]);
    // The decode starts two AAC frames before the read (a seek's first decoded frame is wrong) and drops them.
    const input = encode.indexOf('-i');
    expect(encode[encode.indexOf('-ss') + 1]).toBe(decimalSeconds(window.readFromSeconds - window.primeSeconds));
    expect(encode[encode.indexOf('-ss', input) + 1]).toBe(decimalSeconds(window.primeSeconds));
    expect(window.primeSeconds).toBeGreaterThan(0);
    expect(cut.slice(cut.indexOf('-output_ts_offset'), cut.indexOf('-output_ts_offset') + 2)).toEqual([
      '-output_ts_offset',
      decimalSeconds(window.shiftSeconds),
    ]);
  });
});
