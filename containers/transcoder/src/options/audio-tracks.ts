/**
 * Alternate audio tracks as HLS renditions: the file fetched (input-URL address rules, AUDIO_TRACK_LIMITS), its
 * first audio stream encoded to AAC as the primary audio is (48 kHz stereo, 128 kbit/s) into fMP4 segments of the
 * asset's own segment length, so each segment starts where the video's do (within one AAC frame, 21 ms) and players
 * switch language without a jump. At most the asset's length is encoded. The rendition goes to
 * `assets/<id>/audio/<trackId>/`, its playlist last; the track turns `ready`, or `errored` with the reason.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpFileFetcher } from '../../../../lambdas/core/adapters/http-input-fetcher.js';
import {
  AUDIO_TRACK_LIMITS,
  type AudioTrackRecord,
  audioTrackFolder,
} from '../../../../lambdas/core/domain/audio-tracks.js';
import { InvalidInputError } from '../../../../lambdas/core/domain/errors.js';
import { assetOutputPrefix } from '../../../../lambdas/core/domain/layout.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST } from '../../../../lambdas/core/domain/playlist.js';
import type { AddressPolicy } from '../../../../lambdas/core/domain/url-safety.js';
import type { AudioTrackRepository } from '../../../../lambdas/core/ports.js';
import { inputArgs, QUIET } from '../ffmpeg/args.js';
import { runTool } from '../ffmpeg/tools.js';
import type { S3Storage } from '../storage.js';

/** The primary audio's encoding (domain/ladder.ts plans 64 kbit/s per channel, at most stereo). */
export const ALTERNATE_AUDIO = { codec: 'aac', kbps: 128, channels: 2, sampleRate: 48_000 } as const;

/** ffmpeg's arguments: the file's first audio stream, at most `maxSeconds`, as a VOD HLS rendition in `dir`. */
export function audioTrackFfmpegArgs(input: string, dir: string, segmentSeconds: number, maxSeconds: number): string[] {
  return [
    ...QUIET,
    ...inputArgs(input, ['-t', String(maxSeconds)]),
    ...['-vn', '-sn', '-dn', '-map', '0:a:0'],
    ...['-c:a', ALTERNATE_AUDIO.codec, '-b:a', `${ALTERNATE_AUDIO.kbps}k`],
    ...['-ac', String(ALTERNATE_AUDIO.channels), '-ar', String(ALTERNATE_AUDIO.sampleRate)],
    ...['-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'vod'],
    ...['-hls_flags', 'independent_segments', '-hls_segment_type', 'fmp4'],
    ...['-hls_segment_filename', join(dir, 'segment_%03d.m4s')],
    join(dir, RENDITION_PLAYLIST),
  ];
}

export interface AudioTrackContext {
  audio: AudioTrackRepository;
  storage: S3Storage;
  outputBucket: string;
  policy: AddressPolicy;
  workDir: string;
  /** The asset's segment length in seconds (its first video rendition's first segment). */
  segmentSeconds: number;
}

/** Encodes and publishes one track, then records the outcome; never rejects for a bad file. */
export async function prepareAudioTrack(asset: AssetRecord, track: AudioTrackRecord, ctx: AudioTrackContext) {
  try {
    const dir = join(ctx.workDir, `audio-${track.id}`);
    await mkdir(dir, { recursive: true });
    const fetcher = new HttpFileFetcher(ctx.policy, 60_000, AUDIO_TRACK_LIMITS.fetchDeadlineMs);
    const source = join(ctx.workDir, `audio-${track.id}.source`);
    await writeFile(source, await fetcher.fetchBytes(track.source_url, AUDIO_TRACK_LIMITS.maxBytes));
    const maxSeconds = asset.duration ?? 12 * 3600;
    try {
      await runTool('ffmpeg', audioTrackFfmpegArgs(source, dir, ctx.segmentSeconds, maxSeconds), {
        maxBuffer: 1024 * 1024,
      });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      throw new InvalidInputError(`The file is not audio ffmpeg can decode: ${stderr.split('\n').pop() ?? ''}`);
    }
    const playlist = await readFile(join(dir, RENDITION_PLAYLIST), 'utf8');
    const duration = parseMediaPlaylist(playlist).segments.reduce((sum, s) => sum + s.duration, 0);
    const folder = `${assetOutputPrefix(asset.id)}/${audioTrackFolder(track.id)}`;
    const files = (await readdir(dir)).filter((f) => f !== RENDITION_PLAYLIST);
    await Promise.all(files.map((f) => ctx.storage.putFile(ctx.outputBucket, `${folder}/${f}`, join(dir, f))));
    // The playlist last: a rendition is listed only once every segment it names exists.
    await ctx.storage.putFile(ctx.outputBucket, `${folder}/${RENDITION_PLAYLIST}`, join(dir, RENDITION_PLAYLIST));
    await ctx.audio.finishAudioTrack(asset.id, track.id, 'ready', {
      duration: Math.round(duration * 1000) / 1000,
      max_channels: ALTERNATE_AUDIO.channels,
    });
  } catch (err) {
    const invalid = err instanceof InvalidInputError;
    const message = invalid ? (err as Error).message : 'The file could not be fetched or stored; add the track again';
    await ctx.audio.finishAudioTrack(asset.id, track.id, 'errored', {
      error: { type: invalid ? 'invalid_input' : 'retryable', messages: [message] },
    });
  }
}
