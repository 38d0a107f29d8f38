/**
 * Clips, watermarks and test mode against the real ffmpeg, through the transcoder's own code (options/clip.ts,
 * options/watermark.ts, the ladder encoder): a clip of seconds 2–6 is 4 s long and starts on the source's frame at
 * 2 s (PSNR); a watermark is in every rung at the place Mux's rules put it, and nowhere else; a test asset is at most
 * 10 s and carries the badge.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHls } from '../../containers/transcoder/src/encode.js';
import { windowSource } from '../../containers/transcoder/src/options/clip.js';
import { prepareOverlays, TEST_BADGE_SETTINGS } from '../../containers/transcoder/src/options/watermark.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { type LadderPlan, planLadder } from '../../lambdas/core/domain/ladder.js';
import { placeOverlay } from '../../lambdas/core/domain/overlays.js';

const exec = promisify(execFile);
const FPS = 30;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-clips-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function ffmpeg(args: string[]): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostats', '-y', ...args], { maxBuffer: 64 << 20 });
  return stderr;
}

/** A 720p30 source of `seconds` from lavfi `video` (every frame different for testsrc2), with a tone. */
async function source(name: string, seconds: number, video = `testsrc2=size=1280x720:rate=${FPS}`): Promise<string> {
  const file = join(work, name);
  await ffmpeg([
    ...[
      '-f',
      'lavfi',
      '-i',
      `${video}:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${seconds}`,
    ],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file],
  ]);
  return file;
}

/** The plan the transcoder makes for `file` with these options (source.ts, without the quality and audio passes). */
async function planFor(file: string, options: Parameters<typeof windowSource>[1]): Promise<LadderPlan> {
  const { probe: probed, window } = windowSource(await probe(file), options);
  return { ...planLadder(probed), ...(window && { window }) };
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/** PSNR (dB) of the first frame of `a` against frame number `frame` of `b`, compared at `a`'s size. */
async function psnr(a: string, b: string, frame: number, size: string): Promise<number> {
  const stderr = await ffmpeg([
    ...['-i', a, '-i', b, '-filter_complex'],
    `[0:v]trim=end_frame=1,setpts=PTS-STARTPTS[x];[1:v]select='eq(n,${frame})',scale=${size},setpts=PTS-STARTPTS[y];[x][y]psnr`,
    ...['-frames:v', '1', '-f', 'null', '-'],
  ]);
  const value = /average:(\S+)/.exec(stderr)?.[1];
  if (value === undefined) throw new Error(`no PSNR in ${stderr}`);
  return value === 'inf' ? Number.POSITIVE_INFINITY : Number(value);
}

/** The RGB of one pixel of the frame at `seconds` of `file`. */
async function pixel(file: string, seconds: number, x: number, y: number): Promise<[number, number, number]> {
  const { stdout } = await exec(
    'ffmpeg',
    [
      ...[
        '-v',
        'error',
        '-i',
        file,
        '-vf',
        `select='gte(t,${seconds})',format=rgb24,crop=1:1:${x}:${y}`,
        '-frames:v',
        '1',
      ],
      ...['-pix_fmt', 'rgb24', '-f', 'rawvideo', '-'],
    ],
    { encoding: 'buffer' },
  );
  const [r = 0, g = 0, b = 0] = stdout;
  return [r, g, b];
}

describe('clips', () => {
  it('cuts seconds 2–6 into a 4 s asset whose first frame is the source frame at 2 s', async () => {
    const file = await source('clip-source.mp4', 10);
    const plan = await planFor(file, { clip: { startSeconds: 2, endSeconds: 6 } });
    expect(plan.sourceSeconds).toBe(4);
    const out = join(work, 'clip');
    await encodeHls(file, plan, out);
    const top = plan.video?.rungs.at(-1);
    if (!top) throw new Error('no video rung');
    const rendition = join(out, top.name, 'index.m3u8');
    // fMP4 segments of a 30 fps picture and AAC frames: within a frame or two of 4 s.
    expect(Math.abs((await durationOf(rendition)) - 4)).toBeLessThan(0.1);
    const size = `${top.width}:${top.height}`;
    const atTwo = await psnr(rendition, file, 2 * FPS, size);
    const before = await psnr(rendition, file, 2 * FPS - 1, size);
    const after = await psnr(rendition, file, 2 * FPS + 1, size);
    console.log(
      `clip's first frame: PSNR ${atTwo.toFixed(1)} dB against 2 s, ${before.toFixed(1)} / ${after.toFixed(1)} dB against the frames beside it`,
    );
    expect(atTwo).toBeGreaterThan(30);
    expect(atTwo).toBeGreaterThan(before + 3);
    expect(atTwo).toBeGreaterThan(after + 3);
  });

  it('keeps exactly the frames from start_time to before end_time when the clip starts between frames', async () => {
    // 2.02 s falls between frames 60 and 61 (2.033 s); 6 s is frame 180, the first one past the clip. A length counted
    // from the first frame kept (2.033 + 3.98 s) would keep frame 180 too.
    const file = await source('between-frames.mp4', 8);
    const plan = await planFor(file, { clip: { startSeconds: 2.02, endSeconds: 6 } });
    const out = join(work, 'between');
    await encodeHls(file, plan, out);
    const top = plan.video?.rungs.at(-1);
    if (!top) throw new Error('no video rung');
    const rendition = join(out, top.name, 'index.m3u8');
    const { stdout } = await exec('ffprobe', [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', rendition],
    ]);
    // The playlist's program lists the stream again: the first line is the stream's count.
    expect(Number(stdout.trim().split('\n')[0])).toBe(180 - 61);
  });

  it('refuses a window that starts past the source', async () => {
    const file = await source('short.mp4', 3);
    await expect(planFor(file, { clip: { startSeconds: 5 } })).rejects.toThrow(/starts at 5 s, at or past the end/);
  });
});

describe('watermarks', () => {
  it('burns the image into every rung at its place, and nowhere else', async () => {
    const file = await source('gray.mp4', 4, `color=c=0x808080:size=1280x720:rate=${FPS}`);
    const image = join(work, 'red.png');
    await ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:size=200x100', '-frames:v', '1', image]);
    const settings = {
      vertical_align: 'bottom',
      vertical_margin: '5%',
      horizontal_align: 'right',
      horizontal_margin: '40px',
      width: '25%',
    } as const;
    const planned = await planFor(file, {});
    const frame = { width: 1280, height: 720 };
    const copy = async (_bucket: string, _key: string, to: string) => void (await exec('cp', [image, to]));
    const overlays = await prepareOverlays([{ bucket: 'b', key: 'k', settings }], false, frame, work, copy);
    const spot = placeOverlay(settings, { width: 200, height: 100 }, frame);
    // 25% of 1280 wide, 2:1 as the image; 40 "1080p pixels" (26.7 here) from the right; 5% of 720 from the bottom.
    expect(spot).toMatchObject({ width: 320, height: 160, x: 1280 - 320 - 27, y: 720 - 160 - 36 });
    const plan = { ...planned, video: { ...(planned.video as NonNullable<LadderPlan['video']>), overlays } };
    const out = join(work, 'watermarked');
    await encodeHls(file, plan, out);
    const rungs = plan.video.rungs;
    expect(rungs.length).toBeGreaterThan(1);
    for (const rung of rungs) {
      const scale = rung.width / frame.width;
      const rendition = join(out, rung.name, 'index.m3u8');
      const inside = await pixel(
        rendition,
        1,
        Math.round((spot.x + spot.width / 2) * scale),
        Math.round((spot.y + spot.height / 2) * scale),
      );
      const outside = await pixel(rendition, 1, Math.round(200 * scale), Math.round(200 * scale));
      expect(inside[0], `${rung.name} red inside`).toBeGreaterThan(200);
      expect(inside[1], `${rung.name} green inside`).toBeLessThan(60);
      expect(Math.abs(outside[0] - outside[1]), `${rung.name} gray outside`).toBeLessThan(12);
    }
  });
});

describe('test mode', () => {
  it('keeps at most 10 seconds and draws the badge', async () => {
    const file = await source('long-gray.mp4', 13, `color=c=0x808080:size=1280x720:rate=${FPS}`);
    const planned = await planFor(file, { test: true });
    expect(planned.sourceSeconds).toBe(10);
    const frame = { width: 1280, height: 720 };
    const overlays = await prepareOverlays([], true, frame, work, async () => undefined);
    expect(overlays).toHaveLength(1);
    const plan = { ...planned, video: { ...(planned.video as NonNullable<LadderPlan['video']>), overlays } };
    const out = join(work, 'test-asset');
    await encodeHls(file, plan, out);
    const rendition = join(out, '720p', 'index.m3u8');
    expect(Math.abs((await durationOf(rendition)) - 10)).toBeLessThan(0.1);
    const badge = placeOverlay(TEST_BADGE_SETTINGS, { width: 300, height: 120 }, frame);
    // The first letter's top bar is white; the plate around the letters is darker than the gray picture.
    const letter = await pixel(
      rendition,
      5,
      badge.x + Math.round(badge.width * 0.12),
      badge.y + Math.round(badge.height * 0.17),
    );
    const plate = await pixel(rendition, 5, badge.x + 4, badge.y + badge.height - 4);
    expect(letter[0]).toBeGreaterThan(200);
    expect(plate[0]).toBeLessThan(100);
  });
});
