/**
 * Tracks at creation, alternate audio tracks and shots: the `inputs` that become tracks, the records they make, the
 * AUDIO group of the master playlist, the shots state through its use cases, what the transcoder reads of ffmpeg,
 * and MediaConvert deployments refusing them in words.
 */
import { describe, expect, it } from 'vitest';
import { audioFileReason, readyAudioTrack, videoGrid } from '../../containers/transcoder/src/options/audio-tracks.js';
import { readTaskMode } from '../../containers/transcoder/src/options/task-mode.js';
import type { AudioTrackRecord } from '../../lambdas/core/domain/audio-tracks.js';
import { ValidationError } from '../../lambdas/core/domain/errors.js';
import { type AssetRecord, toMuxAsset } from '../../lambdas/core/domain/media.js';
import { shotsFromShowinfo } from '../../lambdas/core/domain/shots.js';
import { transcoderKind } from '../../lambdas/core/usecases/asset-work.js';
import { addAudioTrack, deleteAudioTrack } from '../../lambdas/core/usecases/audio-tracks.js';
import { editMasterPlaylist } from '../../lambdas/core/usecases/playback.js';
import { deleteShots, getShots, requestShots } from '../../lambdas/core/usecases/shots.js';
import { CreateAssetInput, createAssetFromUrl } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { FakeObjectUrls, InMemoryAssetWork } from './asset-work-fakes.js';
import { InMemoryMediaRepository, InMemoryObjects, preparingAsset, RecordingRunner } from './fakes.js';
import { InMemoryTextStore } from './track-fakes.js';

const url = 'https://videos.example.com/a.mp4';
const resolve = async () => ['93.184.216.34'];

async function create(body: unknown, transcoder: 'fargate' | 'mediaconvert' = 'fargate') {
  const media = new InMemoryMediaRepository();
  const asset = await createAssetFromUrl(parseOrThrow(CreateAssetInput, body), {
    ...{ env: 'env1', media, ingestBucket: 'ingest', transcoder, resolve },
    inputs: { submit: async () => undefined },
    slots: new InMemoryInputSlots(),
    now: () => 1_700_000_000_000,
  });
  return { asset, stored: (await media.getAsset(asset.id)) as AssetRecord };
}

const withTracks = {
  inputs: [
    { url, language_code: 'en' },
    { url: 'https://files.example.com/fr.m4a', type: 'audio', language_code: 'fr', passthrough: 'dub' },
    { url: 'https://files.example.com/en.vtt', type: 'text', text_type: 'subtitles', language_code: 'en-us' },
  ],
};

describe('tracks from inputs', () => {
  it('records each track preparing on the new asset, in order, with Mux’s fields and default names', async () => {
    const { asset, stored } = await create(withTracks);
    expect(asset.tracks).toEqual([
      expect.objectContaining({
        type: 'audio',
        primary: false,
        language_code: 'fr',
        name: 'French',
        passthrough: 'dub',
      }),
      expect.objectContaining({ type: 'text', language_code: 'en-US', name: 'American English' }),
    ]);
    expect(asset.tracks?.map((t) => 'status' in t && t.status)).toEqual(['preparing', 'preparing']);
    expect(stored.primary_audio).toEqual({ language_code: 'en', name: 'English' });
    expect(Object.values(stored.audio_tracks ?? {})[0]?.source_url).toBe('https://files.example.com/fr.m4a');
  });

  it('names the primary audio “Default” with no language when the first input names neither', async () => {
    const { stored } = await create({ inputs: [{ url }] });
    const ready = toMuxAsset({
      ...stored,
      tracks: [{ id: 'a', type: 'audio', max_channels: 2, duration: 9, primary: true }],
    });
    expect(ready.tracks).toEqual([
      { id: 'a', type: 'audio', max_channels: 2, duration: 9, primary: true, name: 'Default', status: 'ready' },
    ]);
  });

  it('refuses a track URL the platform may not fetch, and two audio tracks of one name', async () => {
    const internal = {
      ...withTracks,
      inputs: [{ url }, { url: 'http://10.0.0.1/a.m4a', type: 'audio', language_code: 'fr' }],
    };
    await expect(create(internal)).rejects.toThrow(/^inputs: http:\/\/10\.0\.0\.1\/a\.m4a: /);
    const twice = { url: 'https://files.example.com/fr.m4a', type: 'audio', language_code: 'fr' };
    await expect(create({ inputs: [{ url }, twice, twice] })).rejects.toThrow(
      'inputs: the asset already has an audio track named "French"',
    );
  });

  it('is refused in words when the deployment transcodes with MediaConvert', async () => {
    await expect(create(withTracks, 'mediaconvert')).rejects.toThrow(
      /^inputs: text and audio track inputs is not supported by this deployment \(it transcodes with MediaConvert/,
    );
    await expect(create({ inputs: [{ url }], generate_shots: true }, 'mediaconvert')).rejects.toThrow(
      /^generate_shots: shot detection is not supported by this deployment \(it transcodes with MediaConvert/,
    );
    // A plain asset is still made.
    expect((await create({ inputs: [{ url }] }, 'mediaconvert')).asset.status).toBe('preparing');
  });

  it('records generate_shots on the asset, which reports it as Mux does', async () => {
    const { asset, stored } = await create({ inputs: [{ url }], generate_shots: true });
    expect(stored.generate_shots).toBe(true);
    expect(asset).toMatchObject({ generate_shots: true });
    expect((await create({ inputs: [{ url }] })).asset).not.toHaveProperty('generate_shots');
  });
});

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720',
  '720p/index.m3u8',
  '',
].join('\n');

const audioTrack = (id: string, status: AudioTrackRecord['status'], created_at: number): AudioTrackRecord => ({
  id,
  type: 'audio',
  language_code: id,
  name: id === 'fr' ? 'French' : 'German',
  status,
  created_at,
  source_url: `https://files.example.com/${id}.m4a`,
});

describe('the AUDIO group of the master playlist', () => {
  it('lists the primary (muxed, DEFAULT) and each ready alternate track, and every variant names the group', () => {
    const asset: AssetRecord = {
      ...preparingAsset({ status: 'ready' }),
      primary_audio: { language_code: 'en', name: 'English' },
      audio_tracks: { fr: audioTrack('fr', 'ready', 1), de: audioTrack('de', 'preparing', 2) },
    };
    const lines = editMasterPlaylist(MASTER, asset, { redundantStreams: false }).split('\n');
    expect(lines.filter((l) => l.startsWith('#EXT-X-MEDIA'))).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="French",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,URI="audio/fr/index.m3u8"',
    ]);
    const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF'));
    expect(variants).toHaveLength(2);
    for (const v of variants) expect(v.endsWith(',AUDIO="audio"')).toBe(true);
  });

  it('leaves the stored master alone while no alternate track is ready', () => {
    const asset: AssetRecord = {
      ...preparingAsset({ status: 'ready' }),
      audio_tracks: { fr: audioTrack('fr', 'errored', 1) },
    };
    expect(editMasterPlaylist(MASTER, asset, { redundantStreams: false })).toBe(MASTER);
  });
});

function shotsWorld(transcoder: 'fargate' | 'mediaconvert' = 'fargate') {
  const media = new InMemoryMediaRepository();
  const runner = new RecordingRunner();
  const store = new InMemoryTextStore();
  const objects = new InMemoryObjects();
  const work = new InMemoryAssetWork(media);
  const ctx = {
    env: 'env1',
    media,
    shots: work,
    audio: work,
    transcoder,
    runner: () => runner,
    outputBucket: 'output',
    urls: new FakeObjectUrls(),
    writer: store,
    objects,
    resolve,
    now: () => 1_700_000_100_000,
  };
  const video = { id: 'v', type: 'video' as const, max_width: 640, max_height: 360, max_frame_rate: 30, duration: 9 };
  return {
    media,
    runner,
    store,
    objects,
    work,
    ctx,
    asset: { ...preparingAsset(), status: 'ready' as const, tracks: [video] },
  };
}

describe('shots', () => {
  it('a request is pending and starts the transcoder in shots mode; a second one is refused', async () => {
    const { media, runner, ctx, asset } = shotsWorld();
    await media.createAsset(asset);
    expect(await requestShots('asset1', ctx)).toEqual({ status: 'pending', created_at: '1700000100' });
    expect(runner.jobs).toEqual([expect.objectContaining({ assetId: 'asset1', mode: 'shots' })]);
    await expect(requestShots('asset1', ctx)).rejects.toThrow(/already been requested for this asset \(pending\)/);
    expect(await getShots('asset1', ctx)).toEqual({ status: 'pending', created_at: '1700000100' });
  });

  it('completed shots answer a manifest URL; the manifest lists each start and its still', async () => {
    const { media, store, objects, work, ctx, asset } = shotsWorld();
    await media.createAsset(asset);
    await requestShots('asset1', ctx);
    const shots = shotsFromShowinfo(SHOWINFO);
    await work.settleShots('asset1', { status: 'completed', created_at: 1_700_000_100, shots }, ['pending']);
    const answer = await getShots('asset1', ctx);
    expect(answer).toEqual({
      status: 'completed',
      created_at: '1700000100',
      shots_manifest_url: 'https://s3.example/output/assets/asset1/shots/shots.json?X-Amz-Expires=3600',
    });
    expect(JSON.parse(store.objects.get('output/assets/asset1/shots/shots.json') ?? '')).toEqual({
      shots: [
        { startTime: 0, imageUrl: 'https://s3.example/output/assets/asset1/shots/0000.jpg?X-Amz-Expires=3600' },
        { startTime: 3, imageUrl: 'https://s3.example/output/assets/asset1/shots/0001.jpg?X-Amz-Expires=3600' },
        { startTime: 6.033, imageUrl: 'https://s3.example/output/assets/asset1/shots/0002.jpg?X-Amz-Expires=3600' },
      ],
    });
    objects.add('output', 'assets/asset1/shots/0000.jpg');
    await deleteShots('asset1', ctx);
    expect(objects.deleted).toEqual(['output/assets/asset1/shots/0000.jpg']);
    expect(await getShots('asset1', ctx)).toMatchObject({ status: 'deleted' });
    await expect(requestShots('asset1', ctx)).resolves.toMatchObject({ status: 'pending' });
  });

  it('needs a ready asset with video, and a Fargate deployment', async () => {
    const { media, ctx, asset } = shotsWorld();
    await media.createAsset({ ...asset, id: 'audio1', tracks: [] });
    await expect(requestShots('audio1', ctx)).rejects.toThrow('The asset has no video track: shots need pictures');
    await expect(getShots('asset1', ctx)).rejects.toThrow(/not found/i);
    const refused = shotsWorld('mediaconvert');
    await refused.media.createAsset(refused.asset);
    await expect(requestShots('asset1', refused.ctx)).rejects.toBeInstanceOf(ValidationError);
    expect(refused.runner.jobs).toEqual([]);
  });
});

/** What `select=…,showinfo` logs for three kept frames (trimmed lines of ffmpeg 5.1's output). */
const SHOWINFO = [
  '[Parsed_showinfo_1 @ 0x55] config in time_base: 1/15360, frame_rate: 30/1',
  '[Parsed_showinfo_1 @ 0x55] n:   0 pts:      0 pts_time:0       duration:    512 fmt:yuv420p',
  '[Parsed_showinfo_1 @ 0x55]   color_range:unknown color_space:unknown',
  '[Parsed_showinfo_1 @ 0x55] n:   1 pts:  46080 pts_time:3       duration:    512 fmt:yuv420p',
  '[Parsed_showinfo_1 @ 0x55] n:   2 pts:  92672 pts_time:6.03333 duration:    512 fmt:yuv420p',
].join('\n');

describe("an alternate audio track's segments", () => {
  it("are cut on the video's grid, read from its segment durations", () => {
    // 29.97 fps: 2.002 s, then 6.006 s; an asset cut before the short first segment: 6 s throughout.
    expect(videoGrid([2.002, 6.006, 6.006, 4.9])).toEqual({ firstCutSeconds: 2, segmentSeconds: 6 });
    expect(videoGrid([6, 6, 3])).toEqual({ firstCutSeconds: 6, segmentSeconds: 6 });
    expect(videoGrid([4.5])).toEqual({ firstCutSeconds: 5, segmentSeconds: 5 });
    expect(videoGrid([])).toEqual({ firstCutSeconds: 6, segmentSeconds: 6 });
  });
});

describe("an alternate audio track's outcome", () => {
  const file = '/tmp/gamma-run-23893-x1/tasks/t1/gamma-tracks-y2/audio-13qLz.source';
  const whitelist = "Format not on whitelist 'mov,matroska,mp3,aac'";

  it('says what is wrong with the file, never where the worker kept it', () => {
    const reasons = [
      // ffmpeg 5 (Debian 12), as it answers a subtitle file, a text file, and a read failure.
      audioFileReason(`[webvtt @ 0x55a56585dd00] ${whitelist}\n${file}: Invalid argument\n`, file),
      audioFileReason(`${file}: Invalid data found when processing input\n`, file),
      audioFileReason(`${file}: Permission denied\n`, file),
      // Later ffmpeg: the path on a line of its own, the reason last.
      audioFileReason(
        `[in#0 @ 0x1] Error opening input: Invalid data found when processing input\nError opening input file ${file}.\nError opening input files: Invalid data found when processing input\n`,
        file,
      ),
      audioFileReason(
        `[aac @ 0x2] Error reading ${file} at /tmp/other/x.m4s from https://h.example/a?X-Amz-Signature=s`,
        file,
      ),
    ];
    expect(reasons).toEqual([
      'its format (webvtt) is not accepted: give the audio or video file itself, not subtitles, a playlist or a list of other files',
      'it is not a media file ffmpeg can read (invalid data found when processing it)',
      'ffmpeg could not open it (Permission denied)',
      'it is not a media file ffmpeg can read (invalid data found when processing it)',
      'Error reading the file at <path> from <URL>',
    ]);
    for (const reason of reasons) expect(reason).not.toMatch(/\/tmp|gamma-|\.source|X-Amz/);
  });

  it('reports the file’s channels, as the primary audio does, and at most the asset’s duration', () => {
    // A mono file of 6.000 s on a 6 s asset: its stereo rendition's AAC frames run to 6.037 s.
    expect(readyAudioTrack([2.005333, 4.031999], 1, 6)).toEqual({ duration: 6, max_channels: 1 });
    // A shorter file reports its own length; 5.1 is carried (and reported) as stereo, as the primary's is.
    expect(readyAudioTrack([2.005333, 1.5], 6, 6)).toEqual({ duration: 3.505, max_channels: 2 });
    expect(readyAudioTrack([6.037333], 2, undefined)).toEqual({ duration: 6.037, max_channels: 2 });
  });
});

describe('alternate audio tracks added to a ready asset', () => {
  it('is recorded preparing and starts the transcoder in tracks mode', async () => {
    const { media, runner, ctx, asset } = shotsWorld();
    await media.createAsset(asset);
    const track = await addAudioTrack('asset1', { url: 'https://files.example.com/de.m4a', language_code: 'de' }, ctx);
    expect(track).toMatchObject({
      type: 'audio',
      primary: false,
      name: 'German',
      language_code: 'de',
      status: 'preparing',
    });
    expect(runner.jobs).toEqual([expect.objectContaining({ mode: 'tracks' })]);
    await expect(
      addAudioTrack('asset1', { url: 'https://files.example.com/x.m4a', language_code: 'de' }, ctx),
    ).rejects.toThrow('name: the asset already has an audio track named "German"');
    await expect(
      addAudioTrack(
        'asset1',
        { url: 'https://files.example.com/x.m4a', language_code: 'fr' },
        { ...ctx, transcoder: 'mediaconvert' },
      ),
    ).rejects.toThrow(/^type: adding an audio track is not supported by this deployment/);
  });
});

describe('alternate audio tracks deleted', () => {
  it('refuses a track still being encoded, so add/delete in a loop cannot start task after task', async () => {
    const { media, runner, ctx, asset } = shotsWorld();
    await media.createAsset(asset);
    const deps = { ...ctx, objects: new InMemoryObjects() };
    const track = await addAudioTrack('asset1', { url: 'https://files.example.com/de.m4a', language_code: 'de' }, ctx);
    const fresh = async () => (await media.getAsset('asset1')) as AssetRecord;
    await expect(deleteAudioTrack(await fresh(), track.id, deps)).rejects.toThrow(
      'The audio track is still being prepared; delete it once it is ready or errored',
    );
    // The record read before the track was added does not get round the guard.
    await expect(deleteAudioTrack(asset, track.id, deps)).rejects.toThrow();
    expect(runner.jobs).toHaveLength(1);
    expect((await media.getAsset('asset1'))?.audio_tracks?.[track.id]?.status).toBe('preparing');
    await ctx.audio.finishAudioTrack('asset1', track.id, 'ready', {});
    await deleteAudioTrack(await fresh(), track.id, deps);
    expect((await fresh()).audio_tracks?.[track.id]).toBeUndefined();
  });
});

describe('the transcoder kind', () => {
  it('counts Fargate tasks and queue workers as the FFmpeg transcoder, and refuses anything else by name', () => {
    expect(transcoderKind('fargate')).toBe('fargate');
    expect(transcoderKind('queue')).toBe('fargate');
    expect(transcoderKind('mediaconvert')).toBe('mediaconvert');
    expect(() => transcoderKind('lambda')).toThrow('TRANSCODER=lambda is not one of fargate, queue, mediaconvert');
  });
});

describe('the task mode', () => {
  it('is the whole transcode unless TASK_MODE names work on a ready asset', () => {
    expect(readTaskMode({})).toBe('transcode');
    expect(readTaskMode({ TASK_MODE: 'shots' })).toBe('shots');
    expect(() => readTaskMode({ TASK_MODE: 'everything' })).toThrow(
      'TASK_MODE must be tracks, shots, static_renditions, master',
    );
  });
});
