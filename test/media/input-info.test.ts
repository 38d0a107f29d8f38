/** The probe records the source file as Mux's input info describes it: container format and each stream. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { probe } from '../../containers/transcoder/src/probe.js';
import { makeClip } from '../support/client.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'gamma-input-info-'));

describe('probe → input file', () => {
  it('names the container as ffprobe does and lists the video and audio tracks', async () => {
    const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2, fps: 25 });
    const { file } = await probe(clip);
    expect(file?.container_format).toBe('mov,mp4,m4a,3gp,3g2,mj2');
    const [video, audio, ...rest] = file?.tracks ?? [];
    expect(rest).toEqual([]);
    expect(video).toMatchObject({ type: 'video', encoding: 'h264', width: 320, height: 240, frame_rate: 25 });
    expect(video?.duration).toBeCloseTo(2, 1);
    expect(audio).toMatchObject({ type: 'audio', encoding: 'aac', channels: 1, sample_rate: 48000 });
    expect(audio?.duration).toBeCloseTo(2, 1);
  });

  it('gives an audio-only file its one track, with the sample size where the codec has one', async () => {
    const wav = join(dir, 'tone.wav');
    await exec('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', wav]);
    const { file } = await probe(wav);
    expect(file).toEqual({
      container_format: 'wav',
      tracks: [
        {
          type: 'audio',
          encoding: 'pcm_s16le',
          channels: 1,
          sample_rate: 44100,
          sample_size: 16,
          duration: expect.closeTo(1, 1),
        },
      ],
    });
  });
});
