/**
 * Checks of what a viewer gets, shared by the integration tests: the renditions of a master playlist, a watermark
 * burned into every rung (by pixel), and a text track's WebVTT segments through the stream URL.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const exec = promisify(execFile);
/** ffmpeg reads the stream URL over http (the local platform) or https. */
const HTTP = ['-protocol_whitelist', 'file,http,https,tcp,tls'];

/**
 * A 2:1 image (the tests' 200x100 red PNG) at the bottom right, 10% in from both edges, 25% of the frame's width:
 * Mux's `overlay_settings` that `expectWatermarkInEveryRung` looks for.
 */
export const CORNER_WATERMARK = {
  vertical_align: 'bottom',
  vertical_margin: '10%',
  horizontal_align: 'right',
  horizontal_margin: '10%',
  width: '25%',
} as const;

/** Each rendition's URL, from the master playlist of the playback id (lowest first). */
export async function renditionUrls(streamUrl: string, playbackId: string): Promise<string[]> {
  const masterUrl = `${streamUrl}/${playbackId}.m3u8`;
  const master = await (await fetch(masterUrl)).text();
  return master
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((uri) => new URL(uri, masterUrl).href);
}

/** The RGB of pixel (x, y) of the first frame of `url`. */
export async function pixel(url: string, x: number, y: number): Promise<number[]> {
  const { stdout } = await exec(
    'ffmpeg',
    [
      ...['-v', 'error', ...HTTP, '-i', url, '-vf', `format=rgb24,crop=1:1:${x}:${y}`, '-frames:v', '1'],
      ...['-f', 'rawvideo', '-'],
    ],
    { encoding: 'buffer' },
  );
  return [...stdout];
}

/** The red CORNER_WATERMARK over a gray video, in every rung of the playback id (more than one rung). */
export async function expectWatermarkInEveryRung(streamUrl: string, playbackId: string): Promise<void> {
  const urls = await renditionUrls(streamUrl, playbackId);
  expect(urls.length).toBeGreaterThan(1);
  for (const url of urls) {
    const { stdout } = await exec('ffprobe', [
      ...['-v', 'error', ...HTTP, '-select_streams', 'v:0', '-show_entries', 'stream=width,height'],
      ...['-of', 'csv=p=0', url],
    ]);
    const [width = 0, height = 0] = (stdout.trim().split('\n')[0] ?? '').split(',').map(Number);
    // 25% wide at 2:1, 10% of the width from the right and of the height from the bottom: its centre is at
    // (77.5%, 90% − 6.25% of the width) of the frame.
    const inside = await pixel(url, Math.round(width * 0.775), Math.round(height * 0.9 - width * 0.0625));
    const outside = await pixel(url, Math.round(width * 0.2), Math.round(height * 0.2));
    expect(inside[0], `${width}x${height}: red inside`).toBeGreaterThan(200);
    expect(inside[1], `${width}x${height}: not green inside`).toBeLessThan(60);
    expect(Math.abs((outside[0] ?? 0) - (outside[1] ?? 0)), `${width}x${height}: gray outside`).toBeLessThan(12);
  }
}

/**
 * The master playlist's first SUBTITLES rendition plays through the stream URL: its playlist lists at least
 * `minSegments` WebVTT segments, and the first starts with the HLS timestamp map and holds `firstCue`.
 */
export async function expectSubtitleSegments(
  streamUrl: string,
  playbackId: string,
  firstCue: string,
  minSegments = 2,
): Promise<void> {
  const masterUrl = `${streamUrl}/${playbackId}.m3u8`;
  const master = await (await fetch(masterUrl)).text();
  const media = master.split('\n').find((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES')) ?? '';
  const uri = /URI="([^"]+)"/.exec(media)?.[1] ?? '';
  const playlistUrl = new URL(uri, masterUrl);
  const playlist = await fetch(playlistUrl);
  expect(playlist.status).toBe(200);
  const segments = (await playlist.text()).split('\n').filter((l) => l.startsWith('seg_'));
  expect(segments.length).toBeGreaterThanOrEqual(minSegments);
  const first = await fetch(new URL(segments[0] ?? '', playlistUrl));
  expect(first.status).toBe(200);
  const body = await first.text();
  expect(body).toMatch(/^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n/);
  expect(body).toContain(firstCue);
}

/**
 * `length` bytes that are no media file, the same in every run: random bytes are now and then taken for a container
 * (an MPEG stream found by its sync bytes) and refused in other words ("The file has no duration"), failing a test
 * that expects "could not be read" once in a few dozen runs.
 */
export function junkBytes(length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < length; i++) blocks.push(createHash('sha256').update(String(i)).digest());
  return Buffer.concat(blocks).subarray(0, length);
}
