/**
 * The transcoder's media path against the real ffmpeg/ffprobe: short synthetic clips are probed, planned and
 * encoded, and the HLS output is checked with ffprobe.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHls, fillMissingStills } from '../../containers/transcoder/src/encode.js';
import type { SegmentType } from '../../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { InvalidInputError } from '../../lambdas/core/domain/errors.js';
import {
  type LadderOptions,
  type LadderPlan,
  planLadder,
  renditionNames,
  segmentStartSeconds,
} from '../../lambdas/core/domain/ladder.js';
import { codecsFor, parseMediaPlaylist, variantUri } from '../../lambdas/core/domain/playlist.js';
import { planImages, STILLS_DIR, STORYBOARD_IMAGE, stillFile } from '../../lambdas/core/domain/thumbnails.js';

const exec = promisify(execFile);

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-media-test-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Makes a clip from lavfi test sources: `testsrc2` video and/or a `sine` tone. */
async function clip(
  name: string,
  seconds: number,
  { size, fps = 30, audio = true }: { size?: string; fps?: number; audio?: boolean },
): Promise<string> {
  const file = join(work, name);
  const inputs = [
    ...(size ? ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}:duration=${seconds}`] : []),
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`] : []),
  ];
  const codecs = [...(size ? ['-c:v', 'libx264', '-preset', 'ultrafast'] : []), ...(audio ? ['-c:a', 'aac'] : [])];
  await exec('ffmpeg', ['-v', 'error', '-y', ...inputs, ...codecs, file]);
  return file;
}

/** A copy of `source` tagged the way phones tag video shot upright: stored landscape, to be shown turned 90°. */
async function rotated(source: string): Promise<string> {
  const file = source.replace(/\.mp4$/, '-rotated.mp4');
  await exec('ffmpeg', ['-v', 'error', '-y', '-i', source, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
  return file;
}

async function ffprobeJson(file: string, ...args: string[]) {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-of', 'json', ...args, file]);
  return JSON.parse(stdout);
}

/** Average PSNR (dB) between two same-sized images; identical images give "inf", read as 100. */
async function psnr(a: string, b: string): Promise<number> {
  const { stderr } = await exec('ffmpeg', ['-i', a, '-i', b, '-lavfi', 'psnr', '-f', 'null', '-']);
  const value = /average:(\S+)/.exec(stderr)?.[1];
  return value === 'inf' ? 100 : Number(value);
}

interface Transcoded {
  sourceSeconds: number;
  plan: LadderPlan;
  outDir: string;
  master: string;
  /** Seconds of output ffmpeg reported, in order. */
  progress: number[];
}

async function transcode(
  source: string,
  options?: LadderOptions,
  segmentType?: SegmentType,
  withImages = false,
): Promise<Transcoded> {
  const probed = await probe(source);
  const plan = planLadder(probed, options);
  const outDir = await mkdtemp(join(work, 'hls-'));
  const progress: number[] = [];
  const images = withImages && probed.video ? planImages(probed.durationSeconds, probed.video) : undefined;
  await encodeHls(source, plan, outDir, {
    segmentType,
    onProgress: (seconds) => progress.push(seconds),
    ...(images && { images }),
  });
  return {
    sourceSeconds: probed.durationSeconds,
    plan,
    outDir,
    master: await readFile(join(outDir, 'master.m3u8'), 'utf8'),
    progress,
  };
}

/** Duration, and the width/height/profile/level of the video stream, of one rendition as a player would read it. */
async function rendition(out: Transcoded, name: string) {
  const json = await ffprobeJson(
    join(out.outDir, variantUri(name)),
    '-show_entries',
    'format=duration:stream=codec_type,width,height,profile,level',
  );
  const video = json.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  const audio = json.streams.find((s: { codec_type: string }) => s.codec_type === 'audio');
  return { duration: Number(json.format.duration), video, hasAudio: audio !== undefined };
}

/** Start times of a rendition's segments, from its playlist, relative to its first frame. */
async function segmentStarts(out: Transcoded, name: string): Promise<number[]> {
  const playlist = parseMediaPlaylist(await readFile(join(out.outDir, variantUri(name)), 'utf8'));
  let start = 0;
  return playlist.segments.map((s) => {
    const at = start;
    start += s.duration;
    return at;
  });
}

/** Times of a rendition's video keyframes, relative to its first frame. */
async function keyframeTimes(out: Transcoded, name: string): Promise<number[]> {
  const json = await ffprobeJson(
    join(out.outDir, variantUri(name)),
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,flags',
  );
  const packets: { pts_time: string; flags: string }[] = json.packets;
  const first = Math.min(...packets.map((p) => Number(p.pts_time)));
  return packets.filter((p) => p.flags.startsWith('K')).map((p) => Number(p.pts_time) - first);
}

/** The master playlist's STREAM-INF attribute list for a rendition. */
function streamInf(out: Transcoded, name: string): string {
  const lines = out.master.split('\n');
  const uriLine = lines.indexOf(variantUri(name));
  expect(uriLine, `${name} is in the master playlist`).toBeGreaterThan(0);
  return lines[uriLine - 1] ?? '';
}

async function expectWellFormedVideoHls(out: Transcoded) {
  const video = out.plan.video;
  if (!video) throw new Error('expected a video plan');
  const starts = await segmentStarts(out, video.rungs[0]?.name ?? '');
  // On the plan's grid (a short first segment, then whole ones), within a frame.
  for (const [i, start] of starts.entries()) {
    expect(Math.abs(start - segmentStartSeconds(out.plan, i))).toBeLessThan(1 / video.fps);
  }
  expect(out.master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(video.rungs.length);
  for (const rung of video.rungs) {
    const r = await rendition(out, rung.name);
    expect(Math.abs(r.duration - out.sourceSeconds)).toBeLessThanOrEqual(0.5);
    expect(r.video).toMatchObject({ width: rung.width, height: rung.height, profile: 'High', level: rung.level });
    expect(r.hasAudio).toBe(out.plan.audio !== undefined);

    // Identical segmentation in every rung, each segment starting on a keyframe, the others `keyframeSeconds` on.
    expect(await segmentStarts(out, rung.name)).toEqual(starts);
    const keyframes = await keyframeTimes(out, rung.name);
    for (const start of starts) expect(keyframes.some((k) => Math.abs(k - start) < 0.01)).toBe(true);
    for (const k of keyframes) {
      const from = Math.max(...starts.filter((start) => start <= k + 0.01));
      const steps = (k - from) / out.plan.keyframeSeconds;
      expect(Math.abs(steps - Math.round(steps)), `keyframe at ${k}s`).toBeLessThan(0.01);
    }

    const inf = streamInf(out, rung.name);
    expect(inf).toContain(`CODECS="${codecsFor(rung, out.plan.audio !== undefined)}"`);
    expect(inf).toContain(`RESOLUTION=${rung.width}x${rung.height}`);
    const bandwidth = Number(/BANDWIDTH=(\d+)/.exec(inf)?.[1]);
    const average = Number(/AVERAGE-BANDWIDTH=(\d+)/.exec(inf)?.[1]);
    expect(average).toBeGreaterThan(0);
    expect(bandwidth).toBeGreaterThanOrEqual(average);
  }
}

describe('probe, plan and encode with real ffmpeg', () => {
  it('turns a 720p clip with audio into 360p/480p/720p with aligned keyframes and segments', async () => {
    const source = await clip('landscape.mp4', 5, { size: '1280x720' });
    // 2 s segments, so a short clip still has several segments to line up.
    const out = await transcode(source, { segmentSeconds: 2 });

    expect(renditionNames(out.plan)).toEqual(['360p', '480p', '720p']);
    expect(await segmentStarts(out, '720p')).toEqual([0, 2, 4]);
    await expectWellFormedVideoHls(out);
    expect(out.master).toMatch(/^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n/);
    expect(out.progress).toEqual([...out.progress].sort((a, b) => a - b));
    expect(out.progress.at(-1)).toBeCloseTo(out.sourceSeconds, 0);
    // Written as EVENT playlists while encoding (fast start), finished as VOD.
    const text = await readFile(join(out.outDir, variantUri('720p')), 'utf8');
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(parseMediaPlaylist(text).ended).toBe(true);
  });

  it('cuts stills and a storyboard sprite from the same decode, at the planned sizes and times', async () => {
    const source = await clip('images.mp4', 5, { size: '1280x720', audio: false });
    const out = await transcode(source, { segmentSeconds: 2 }, 'fmp4', true);
    const images = planImages(out.sourceSeconds, { width: 1280, height: 720 });

    expect(images).toMatchObject({ intervalSeconds: 1, count: 5, columns: 5, rows: 1 });
    const size = async (file: string) => {
      const json = await ffprobeJson(join(out.outDir, file), '-show_entries', 'stream=width,height');
      return `${json.streams[0].width}x${json.streams[0].height}`;
    };
    const stills = (await readdir(join(out.outDir, STILLS_DIR))).sort();
    expect(stills).toEqual(['0000.jpg', '0001.jpg', '0002.jpg', '0003.jpg', '0004.jpg']);
    expect(await size(stillFile(0))).toBe('1280x720');
    expect(await size(STORYBOARD_IMAGE)).toBe(`${5 * 256}x144`);
    // Still 3 is the source's frame at 3 s: far closer to it than to the frame at 1 s (testsrc2 moves).
    const at = async (seconds: number) => {
      const file = join(work, `frame-${seconds}.png`);
      await exec('ffmpeg', ['-v', 'error', '-y', '-ss', String(seconds), '-i', source, '-frames:v', '1', file]);
      return file;
    };
    const still = join(out.outDir, stillFile(3));
    const [same, other] = await Promise.all([psnr(still, await at(3)), psnr(still, await at(1))]);
    expect(same).toBeGreaterThan(30);
    expect(same - other).toBeGreaterThan(5);
    // The renditions are what they are without images.
    await expectWellFormedVideoHls(out);
  });

  it('cuts no still past the video when the audio runs on; the missing ones repeat the last cut', async () => {
    const source = join(work, 'short-video.mp4');
    await exec('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=3'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=8', '-c:v', 'libx264', '-preset', 'ultrafast', source],
    ]);
    const out = await transcode(source, { segmentSeconds: 2 }, 'fmp4', true);
    const images = planImages(out.sourceSeconds, { width: 640, height: 360 });
    expect(images).toMatchObject({ intervalSeconds: 1, count: 8 });
    const cut = (await readdir(join(out.outDir, STILLS_DIR))).length;
    expect(cut).toBeLessThan(5);

    expect(await fillMissingStills(out.outDir, images.count)).toBe(images.count - cut);
    const stills = (await readdir(join(out.outDir, STILLS_DIR))).sort();
    expect(stills).toEqual(Array.from({ length: 8 }, (_, i) => stillFile(i).slice(STILLS_DIR.length + 1)));
    const bytes = (i: number) => readFile(join(out.outDir, stillFile(i)));
    expect(await bytes(7)).toEqual(await bytes(cut - 1));
    expect(await bytes(cut - 1)).not.toEqual(await bytes(0));
    expect(await fillMissingStills(out.outDir, images.count)).toBe(0);
  });

  it('keeps portrait video portrait', async () => {
    const source = await clip('portrait.mp4', 4, { size: '720x1280' });
    const out = await transcode(source);

    expect(out.plan.video?.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['360x640', '480x854', '720x1280']);
    await expectWellFormedVideoHls(out);
  });

  it('plans rotated phone video by its display size and encodes it upright', async () => {
    const source = await rotated(await clip('phone.mp4', 1, { size: '640x360', audio: false }));
    const out = await transcode(source);

    expect(out.plan.video?.rungs.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['360p 360x640']);
    expect(out.plan.audio).toBeUndefined();
    await expectWellFormedVideoHls(out);
    // Upright pixels and no rotation left for the player to apply a second time.
    const sideData = await ffprobeJson(
      join(out.outDir, variantUri('360p')),
      '-show_entries',
      'stream_side_data=rotation',
    );
    expect(JSON.stringify(sideData)).not.toContain('rotation');
  });

  it('caps a 4K source at the default 1080p tier', async () => {
    const source = await clip('uhd.mp4', 1, { size: '3840x2160', audio: false });
    const out = await transcode(source);

    expect(out.plan.video?.rungs.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual([
      '360p 640x360',
      '480p 854x480',
      '720p 1280x720',
      '1080p 1920x1080',
    ]);
    await expectWellFormedVideoHls(out);
  });

  it('gives portrait 1080x1920 the full portrait ladder', async () => {
    const source = await clip('portrait-fhd.mp4', 1, { size: '1080x1920' });
    const out = await transcode(source);

    expect(out.plan.video?.rungs.map((r) => `${r.width}x${r.height}`)).toEqual([
      '360x640',
      '480x854',
      '720x1280',
      '1080x1920',
    ]);
    await expectWellFormedVideoHls(out);
  });

  it('plays a variable-frame-rate source at a constant rate: every frame lasts the same', async () => {
    // 30 fps for the first second, then every third frame only: timestamps unevenly spaced.
    const cfr = await clip('steady.mp4', 3, { size: '640x360', audio: false });
    const source = join(work, 'vfr.mp4');
    await exec('ffmpeg', [
      ...['-v', 'error', '-y', '-i', cfr, '-vf', "select='lt(n,30)+not(mod(n,3))'", '-fps_mode', 'vfr'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', source],
    ]);
    const out = await transcode(source, { segmentSeconds: 2 });

    expect(out.plan.video).toMatchObject({ resampleFrameRate: true });
    const json = await ffprobeJson(
      join(out.outDir, variantUri('360p')),
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=duration_time',
    );
    const durations = new Set(json.packets.map((p: { duration_time: string }) => p.duration_time));
    expect([...durations]).toHaveLength(1);
    await expectWellFormedVideoHls(out);
  });

  it('encodes a source below 360p once, at its own size', async () => {
    const source = await clip('small.mp4', 3, { size: '320x240' });
    const out = await transcode(source);

    expect(renditionNames(out.plan)).toEqual(['240p']);
    await expectWellFormedVideoHls(out);
  });

  it('writes MPEG-TS segments when asked', async () => {
    const source = await clip('small-ts.mp4', 3, { size: '320x240' });
    const out = await transcode(source, {}, 'ts');

    await expectWellFormedVideoHls(out);
    expect(out.master).toContain('#EXT-X-VERSION:3');
    const playlist = parseMediaPlaylist(await readFile(join(out.outDir, variantUri('240p')), 'utf8'));
    // 3 s: the short first segment and the rest.
    expect(playlist.segments.map((s) => s.uri)).toEqual(['segment_000.ts', 'segment_001.ts']);
  });

  it('turns an audio-only file into a single AAC rendition', async () => {
    const source = await clip('tone.m4a', 3, {});
    const out = await transcode(source);

    expect(renditionNames(out.plan)).toEqual(['audio']);
    const r = await rendition(out, 'audio');
    expect(r.video).toBeUndefined();
    expect(r.hasAudio).toBe(true);
    expect(Math.abs(r.duration - out.sourceSeconds)).toBeLessThanOrEqual(0.5);
    expect(streamInf(out, 'audio')).toMatch(
      /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,CODECS="mp4a.40.2"$/,
    );
  });

  it('rejects a file that is not media with a readable reason', async () => {
    const junk = join(work, 'junk.mp4');
    await writeFile(junk, randomBytes(64 * 1024));

    const error = await probe(junk).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    // Random bytes are now and then taken for a container that holds no stream: refused too, in its own words.
    expect((error as Error).message).toMatch(
      /^(The file could not be read as video or audio: \S.*|The file contains no video or audio stream)$/,
    );
    expect((error as Error).message).not.toContain(junk);
  });
});
