/**
 * An alternate audio track against the real ffmpeg: a clip (English tone) is encoded into its HLS ladder as the
 * transcoder does, a second language (another tone, at another sample rate and in mono) is encoded as the
 * transcoder's alternate audio rendition, and the two are compared: every segment starts at the same time in both
 * (within one AAC frame; the video's first segment is shorter than the others), and ffprobe reads each rendition as AAC, 48 kHz stereo for the alternate. The master
 * playlist the playback function serves offers both in one AUDIO group that every variant names.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHls } from '../../containers/transcoder/src/encode.js';
import { encodeAudioTrack } from '../../containers/transcoder/src/options/audio-tracks.js';
import { probe } from '../../containers/transcoder/src/probe.js';
import { planLadder } from '../../lambdas/core/domain/ladder.js';
import type { AssetRecord } from '../../lambdas/core/domain/media.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../lambdas/core/domain/playlist.js';
import { editMasterPlaylist } from '../../lambdas/core/usecases/playback.js';
import { makeClip } from '../support/client.js';

const exec = promisify(execFile);
const SECONDS = 14;
/** One AAC frame at 48 kHz: the finest a segment of audio can be cut. */
const AAC_FRAME = 1024 / 48_000;

let work: string;
let hls: string;
let rung: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gamma-audio-group-'));
  const clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: SECONDS });
  const plan = planLadder(await probe(clip));
  hls = join(work, 'hls');
  await encodeHls(clip, plan, hls, { segmentType: 'fmp4' });
  rung = plan.video?.rungs[0]?.name ?? '';
  const french = join(work, 'fr.m4a');
  await exec('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=880:sample_rate=44100:duration=${SECONDS + 3}`],
    ...['-ac', '1', '-c:a', 'aac', french],
  ]);
  const dir = join(hls, 'audio', 'fr');
  await mkdir(dir, { recursive: true });
  const video = parseMediaPlaylist(await readFile(join(hls, rung, RENDITION_PLAYLIST), 'utf8')).segments;
  await encodeAudioTrack(
    french,
    dir,
    video.map((s) => s.duration),
    SECONDS,
  );
}, 240_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const segments = async (folder: string) =>
  parseMediaPlaylist(await readFile(join(hls, folder, RENDITION_PLAYLIST), 'utf8')).segments;

async function audioStream(folder: string) {
  const { stdout } = await exec('ffprobe', [
    ...['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,sample_rate,channels'],
    ...['-show_entries', 'format=duration', '-of', 'json', join(hls, folder, RENDITION_PLAYLIST)],
  ]);
  return JSON.parse(stdout) as {
    streams: { codec_name: string; sample_rate: string; channels: number }[];
    format: { duration: string };
  };
}

describe('the alternate audio rendition', () => {
  it('starts each segment where the video rung’s do', async () => {
    const video = await segments(rung);
    const french = await segments('audio/fr');
    expect(french).toHaveLength(video.length);
    let videoAt = 0;
    let frenchAt = 0;
    video.forEach((segment, i) => {
      expect(Math.abs(frenchAt - videoAt)).toBeLessThanOrEqual(AAC_FRAME);
      videoAt += segment.duration;
      frenchAt += french[i]?.duration ?? 0;
    });
    expect(Math.abs(frenchAt - SECONDS)).toBeLessThanOrEqual(2 * AAC_FRAME);
  });

  it('plays as AAC: 48 kHz stereo for the alternate, the primary muxed into the rung', async () => {
    const french = await audioStream('audio/fr');
    expect(french.streams).toEqual([{ codec_name: 'aac', sample_rate: '48000', channels: 2 }]);
    expect(Number(french.format.duration)).toBeCloseTo(SECONDS, 0);
    const primary = await audioStream(rung);
    expect(primary.streams[0]).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
  });

  it('is offered beside the primary in one AUDIO group of the served master playlist', async () => {
    const master = await readFile(join(hls, 'master.m3u8'), 'utf8');
    const asset = {
      id: 'asset1',
      status: 'ready',
      primary_audio: { language_code: 'en', name: 'English' },
      audio_tracks: {
        fr: {
          id: 'fr',
          type: 'audio',
          language_code: 'fr',
          name: 'Français',
          status: 'ready',
          created_at: 1,
          source_url: 'x',
        },
      },
    } as unknown as AssetRecord;
    const served = editMasterPlaylist(master, asset, { redundantStreams: false });
    expect(served).toContain('TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES\n');
    expect(served).toContain('NAME="Français",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,URI="audio/fr/index.m3u8"');
    const variants = served.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(v).toContain('AUDIO="audio"');
  });
});
