/**
 * The preview frames animated images are assembled from (containers/transcoder/src/preview-frames.ts), cut by real
 * ffmpeg from generated clips: the manifest tells what was cut, the sheets hold it, and a stored frame is the
 * source's picture at its moment.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeHls } from '../../containers/transcoder/src/encode.js';
import { cutPreviewFrames, finishPreviewFrames, planPreviews } from '../../containers/transcoder/src/preview-frames.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder } from '../../lambdas/core/domain/ladder.js';
import {
  PREVIEW_DIR,
  PREVIEW_MANIFEST,
  previewFramesFor,
  previewSheetFile,
} from '../../lambdas/core/domain/preview-frames.js';
import { makeClip } from '../support/client.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'gamma-preview-'));

/** Average PSNR (dB) between two same-sized images; identical images give "inf", read as 100. */
async function psnr(a: string, b: string): Promise<number> {
  const { stderr } = await exec('ffmpeg', ['-i', a, '-i', b, '-lavfi', 'psnr', '-f', 'null', '-']);
  const value = /average:(\S+)/.exec(stderr)?.[1];
  return value === 'inf' ? 100 : Number(value);
}

async function cut(name: string, options: Parameters<typeof makeClip>[1]) {
  const source = await makeClip(join(dir, `${name}.mp4`), options);
  const out = join(dir, name, 'hls');
  const result = await cutPreviewFrames(source, out, await probe(source));
  return { source, out, result };
}

describe('preview frames', () => {
  it('cuts every frame of a 30 fps clip into 6×5 sheets at 320 wide, and says so in the manifest', async () => {
    const { source, out, result } = await cut('landscape', { width: 1280, height: 720, seconds: 3, fps: 30 });
    expect(result).toEqual({ manifest: { fps: 30, frames: 90, width: 320, height: 180, columns: 6, rows: 5 } });
    expect(JSON.parse(await readFile(join(out, PREVIEW_MANIFEST), 'utf8'))).toMatchObject({ frames: 90 });
    const sheets = (await readdir(join(out, PREVIEW_DIR))).filter((f) => f.endsWith('.jpg')).sort();
    expect(sheets).toEqual(['00000.jpg', '00001.jpg', '00002.jpg']);
    expect(await sharp(join(out, PREVIEW_DIR, '00001.jpg')).metadata()).toMatchObject({ width: 1920, height: 900 });

    // Stored frame 45 (1.5 s) is the source's picture at 1.5 s, not at 1 s.
    if (!('manifest' in result)) throw new Error('no manifest');
    const [at] = previewFramesFor(result.manifest, { start: 1.5, end: 1.5 + 1 / 30, fps: 30 });
    if (!at) throw new Error('no frame');
    const frame = join(dir, 'frame45.png');
    await sharp(join(out, previewSheetFile(at.sheet)))
      .extract({ left: at.left, top: at.top, width: 320, height: 180 })
      .toFile(frame);
    const sourceAt = async (seconds: number) => {
      const file = join(dir, `source-${seconds}.png`);
      await exec(
        'ffmpeg',
        ['-loglevel', 'error', '-y', '-ss', String(seconds), '-i', source, '-frames:v', '1'].concat([
          '-vf',
          'scale=320:180',
          file,
        ]),
      );
      return file;
    };
    const [same, other] = await Promise.all([psnr(frame, await sourceAt(1.5)), psnr(frame, await sourceAt(1))]);
    expect(same).toBeGreaterThan(25);
    expect(same - other).toBeGreaterThan(5);
  });

  it('keeps a 24 fps source at 24 fps and a portrait one 320 wide', async () => {
    const { result } = await cut('portrait', { width: 720, height: 1280, seconds: 2, fps: 24, audio: false });
    expect(result).toEqual({ manifest: { fps: 24, frames: 48, width: 320, height: 568, columns: 6, rows: 5 } });
  });
});

describe('preview frames as a side output of the ladder', () => {
  it('come from the ladder’s own decode, the same frames as cut alone', async () => {
    const source = await makeClip(join(dir, 'side.mp4'), { width: 640, height: 360, seconds: 2, fps: 30 });
    const probed = await probe(source);
    const scratch = mkdtempSync(join(tmpdir(), 'gamma-preview-side-'));
    const previews = planPreviews(probed, scratch);
    if (!previews) throw new Error('a video source has preview frames');
    const out = join(dir, 'side', 'hls');

    await encodeHls(source, planLadder(probed), out, { previews });

    const result = await finishPreviewFrames(out, previews);
    expect(result).toEqual({ manifest: { fps: 30, frames: 60, width: 320, height: 180, columns: 6, rows: 5 } });
    expect((await readdir(join(out, PREVIEW_DIR))).filter((f) => f.endsWith('.jpg')).sort()).toEqual([
      '00000.jpg',
      '00001.jpg',
    ]);
    // The frame list stays outside the published folder.
    expect(await readdir(join(out, PREVIEW_DIR))).not.toContain('previews.crc');
  });
});
