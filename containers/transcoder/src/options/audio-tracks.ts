/**
 * Alternate audio tracks as HLS renditions: the file fetched (input-URL address rules, AUDIO_TRACK_LIMITS), its
 * first audio stream encoded to AAC as the primary audio is (48 kHz stereo, 128 kbit/s) into fMP4 segments cut where
 * the asset's video segments start (within one AAC frame, 21 ms), so players switch language without a jump. At
 * most the asset's length is encoded. The rendition goes to `assets/<id>/audio/<trackId>/`, its playlist last; the
 * track turns `ready`, or `errored` with the reason.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpFileFetcher } from '../../../../lambdas/core/adapters/http-input-fetcher.js';
import {
  AUDIO_TRACK_LIMITS,
  type AudioTrackRecord,
  audioTrackFolder,
} from '../../../../lambdas/core/domain/audio-tracks.js';
import { gcd } from '../../../../lambdas/core/domain/chunks.js';
import { InvalidInputError } from '../../../../lambdas/core/domain/errors.js';
import { assetOutputPrefix } from '../../../../lambdas/core/domain/layout.js';
import type { AssetRecord } from '../../../../lambdas/core/domain/media.js';
import { parseMediaPlaylist, RENDITION_PLAYLIST, vodPlaylist } from '../../../../lambdas/core/domain/playlist.js';
import type { AddressPolicy } from '../../../../lambdas/core/domain/url-safety.js';
import type { AudioTrackRepository } from '../../../../lambdas/core/ports.js';
import { hlsOutputArgs, inputArgs, QUIET, type SegmentCuts } from '../ffmpeg/args.js';
import { runTool } from '../ffmpeg/tools.js';
import { joinPieces } from '../segment-join.js';
import type { S3Storage } from '../storage.js';

/** The primary audio's encoding (domain/ladder.ts plans 64 kbit/s per channel, at most stereo). */
export const ALTERNATE_AUDIO = { codec: 'aac', kbps: 128, channels: 2, sampleRate: 48_000 } as const;

/** ffmpeg's arguments: the file's first audio stream, at most `maxSeconds`, cut in pieces (`hlsOutputArgs`). */
export function audioTrackFfmpegArgs(input: string, dir: string, pieceSeconds: number, maxSeconds: number): string[] {
  return [
    ...QUIET,
    ...inputArgs(input, ['-t', String(maxSeconds)]),
    ...['-vn', '-sn', '-dn', '-map', '0:a:0'],
    ...['-c:a', ALTERNATE_AUDIO.codec, '-b:a', `${ALTERNATE_AUDIO.kbps}k`],
    ...['-ac', String(ALTERNATE_AUDIO.channels), '-ar', String(ALTERNATE_AUDIO.sampleRate)],
    ...hlsOutputArgs(pieceSeconds, dir, 'fmp4'),
  ];
}

/**
 * The grid the asset's video was cut on, from its segment durations (whole seconds: a frame's rounding aside, the
 * first segment and then every other one): the grid of domain/ladder.ts, or even segments for an older asset.
 */
export function videoGrid(videoSegments: readonly number[]): Omit<SegmentCuts, 'keyframeSeconds'> {
  const first = Math.max(1, Math.round(videoSegments[0] ?? 6));
  const later = videoSegments.length > 1 ? Math.max(1, Math.round(videoSegments[1] ?? first)) : first;
  return { firstCutSeconds: first, segmentSeconds: later };
}

/**
 * Encodes the file's audio into `dir` as a VOD HLS rendition whose segments start where `videoSegments` (the
 * asset's video segment durations) do: ffmpeg cuts audio only evenly, so it cuts pieces of a length that divides
 * both segment lengths and they are joined into the video's segments (segment-join.ts). Throws `InvalidInputError`
 * for a file that is not audio.
 */
export async function encodeAudioTrack(
  source: string,
  dir: string,
  videoSegments: readonly number[],
  maxSeconds: number,
): Promise<void> {
  const grid = videoGrid(videoSegments);
  const cuts = { ...grid, keyframeSeconds: gcd(grid.firstCutSeconds, grid.segmentSeconds) };
  try {
    await runTool('ffmpeg', audioTrackFfmpegArgs(source, dir, cuts.keyframeSeconds, maxSeconds), {
      maxBuffer: 1024 * 1024,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new InvalidInputError(`The file is not audio ffmpeg can decode: ${stderr.split('\n').pop() ?? ''}`);
  }
  const last = videoSegments.length > 0 ? { maxSegments: videoSegments.length } : {};
  await joinPieces(dir, { cuts, firstSegment: 0, final: true, ...last });
  const playlist = join(dir, RENDITION_PLAYLIST);
  await writeFile(playlist, vodPlaylist(await readFile(playlist, 'utf8')));
}

export interface AudioTrackContext {
  audio: AudioTrackRepository;
  storage: S3Storage;
  outputBucket: string;
  policy: AddressPolicy;
  workDir: string;
  /** The asset's video segment durations in seconds, in order (its first video rendition's); [] if unknown. */
  videoSegments: number[];
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
    await encodeAudioTrack(source, dir, ctx.videoSegments, maxSeconds);
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
