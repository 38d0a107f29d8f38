/**
 * Alternate audio tracks as HLS renditions: the file fetched (input-URL address rules, AUDIO_TRACK_LIMITS), its
 * first audio stream encoded to AAC as a stereo primary audio is (48 kHz stereo, 128 kbit/s; a mono file is played
 * as stereo too) into fMP4 segments cut where the asset's video segments start (within one AAC frame, 21 ms), so
 * players switch language without a jump. At most the asset's length is encoded. The rendition goes to
 * `assets/<id>/audio/<trackId>/`, its playlist last; the track turns `ready` (reporting the file's channels and at
 * most the asset's duration, as the primary audio does), or `errored` saying what is wrong with the file.
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
import { hlsOutputArgs, inputArgs, QUIET, refusedFormat, type SegmentCuts, withoutLocations } from '../ffmpeg/args.js';
import { runTool } from '../ffmpeg/tools.js';
import { joinPieces } from '../segment-join.js';
import { inParallel, type S3Storage, UPLOAD_CONCURRENCY } from '../storage.js';

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

const NO_AUDIO = 'The file contains no audio stream';

/**
 * Why ffprobe or ffmpeg gave up on `file`, as the track's error may show it: what is wrong with the file, never
 * where the worker kept it (a temp path naming the run and the task) nor a URL it named — as probe.ts words a
 * source's. Pure.
 */
export function audioFileReason(stderr: string, file: string): string {
  // "[webvtt @ 0x…] Format not on whitelist '…'", then "<file>: Invalid argument".
  const refused = refusedFormat(stderr);
  if (refused) {
    return `its format (${refused}) is not accepted: give the audio or video file itself, not subtitles, a playlist or a list of other files`;
  }
  const lines = stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(/^\[[^\]]*\]\s*/, '').trim())
    .filter(Boolean);
  // ffmpeg 5 ends with "<file>: <why>"; later ones with "Error opening input files: <why>".
  const last = lines.at(-1) ?? '';
  const opened = last.startsWith(`${file}: `);
  if (/Invalid data found when processing input/i.test(last)) {
    return 'it is not a media file ffmpeg can read (invalid data found when processing it)';
  }
  const cause = withoutLocations(opened ? last.slice(file.length + 2) : last, file, 'the file').replace(
    /(^|[\s'"(=])\/[^\s'",:)]+/g,
    '$1<path>',
  );
  if (!cause) return 'ffmpeg failed';
  return opened ? `ffmpeg could not open it (${cause})` : cause;
}

const stderrOf = (err: unknown) => String((err as { stderr?: unknown }).stderr ?? '');

/** The channels of the file's first audio stream, read by ffprobe; throws `InvalidInputError` for a file without. */
async function audioChannels(source: string): Promise<number> {
  const args = ['-v', 'error', ...inputArgs(source)];
  args.push('-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'json');
  let stdout: string;
  try {
    ({ stdout } = await runTool('ffprobe', args, { maxBuffer: 1024 * 1024 }));
  } catch (err) {
    throw new InvalidInputError(`The file is not audio: ${audioFileReason(stderrOf(err), source)}`);
  }
  const [stream] = (JSON.parse(stdout) as { streams?: { channels?: number }[] }).streams ?? [];
  if (!stream) throw new InvalidInputError(NO_AUDIO);
  // As ladder.ts plans the primary audio when ffprobe names no count.
  return stream.channels ?? ALTERNATE_AUDIO.channels;
}

/** The file's audio as encoded: the channels of its first audio stream (the rendition itself is stereo). */
export interface EncodedAudioTrack {
  sourceChannels: number;
}

/**
 * Encodes the file's audio into `dir` as a VOD HLS rendition whose segments start where `videoSegments` (the
 * asset's video segment durations) do: ffmpeg cuts audio only evenly, so it cuts pieces of a length that divides
 * both segment lengths and they are joined into the video's segments (segment-join.ts). Throws `InvalidInputError`
 * for a file that is not audio, saying why.
 */
export async function encodeAudioTrack(
  source: string,
  dir: string,
  videoSegments: readonly number[],
  maxSeconds: number,
): Promise<EncodedAudioTrack> {
  const sourceChannels = await audioChannels(source);
  const grid = videoGrid(videoSegments);
  const cuts = { ...grid, keyframeSeconds: gcd(grid.firstCutSeconds, grid.segmentSeconds) };
  try {
    await runTool('ffmpeg', audioTrackFfmpegArgs(source, dir, cuts.keyframeSeconds, maxSeconds), {
      maxBuffer: 1024 * 1024,
    });
  } catch (err) {
    const stderr = stderrOf(err);
    if (/Stream map '0:a:0' matches no streams/.test(stderr)) throw new InvalidInputError(NO_AUDIO);
    throw new InvalidInputError(`The file's audio could not be decoded: ${audioFileReason(stderr, source)}`);
  }
  const last = videoSegments.length > 0 ? { maxSegments: videoSegments.length } : {};
  await joinPieces(dir, { cuts, firstSegment: 0, final: true, ...last });
  const playlist = join(dir, RENDITION_PLAYLIST);
  await writeFile(playlist, vodPlaylist(await readFile(playlist, 'utf8')));
  return { sourceChannels };
}

/**
 * What a ready track reports, as the primary audio does (ready.ts): `max_channels` the channels of the file's audio
 * as a rendition of Gamma carries them (at most stereo, as ladder.ts plans the primary's) — a mono file is 1 though
 * it is played as stereo: Mux's field is the audio channels the track has, and one channel copied into two is
 * still one —, and `duration` the rendition's, at most the asset's (AAC frames end up to 21 ms past a cut, and
 * the priming frame before it). Pure.
 */
export function readyAudioTrack(
  segmentSeconds: readonly number[],
  sourceChannels: number,
  assetDuration: number | undefined,
): { duration: number; max_channels: number } {
  const encoded = segmentSeconds.reduce((sum, s) => sum + s, 0);
  const duration = assetDuration === undefined ? encoded : Math.min(encoded, assetDuration);
  return {
    duration: Math.round(duration * 1000) / 1000,
    max_channels: Math.min(Math.max(Math.round(sourceChannels), 1), ALTERNATE_AUDIO.channels),
  };
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
    const { sourceChannels } = await encodeAudioTrack(source, dir, ctx.videoSegments, maxSeconds);
    const playlist = await readFile(join(dir, RENDITION_PLAYLIST), 'utf8');
    const segments = parseMediaPlaylist(playlist).segments.map((s) => s.duration);
    const folder = `${assetOutputPrefix(asset.id)}/${audioTrackFolder(track.id)}`;
    const files = (await readdir(dir)).filter((f) => f !== RENDITION_PLAYLIST);
    await inParallel(files, UPLOAD_CONCURRENCY, (f) =>
      ctx.storage.putFile(ctx.outputBucket, `${folder}/${f}`, join(dir, f)),
    );
    // The playlist last: a rendition is listed only once every segment it names exists.
    await ctx.storage.putFile(ctx.outputBucket, `${folder}/${RENDITION_PLAYLIST}`, join(dir, RENDITION_PLAYLIST));
    await ctx.audio.finishAudioTrack(
      asset.id,
      track.id,
      'ready',
      readyAudioTrack(segments, sourceChannels, asset.duration),
    );
  } catch (err) {
    const invalid = err instanceof InvalidInputError;
    const message = invalid ? (err as Error).message : 'The file could not be fetched or stored; add the track again';
    await ctx.audio.finishAudioTrack(asset.id, track.id, 'errored', {
      error: { type: invalid ? 'invalid_input' : 'retryable', messages: [message] },
    });
  }
}
