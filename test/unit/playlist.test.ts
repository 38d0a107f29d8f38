import { describe, expect, it } from 'vitest';
import { planLadder, type VideoRung } from '../../lambdas/core/domain/ladder.js';
import {
  codecsFor,
  masterPlaylist,
  parseMediaPlaylist,
  plannedVariant,
  provisionalPlaylist,
  segmentBitRates,
  variantUri,
  vodPlaylist,
} from '../../lambdas/core/domain/playlist.js';

const rung = (level: number): VideoRung => ({
  name: '720p',
  width: 1280,
  height: 720,
  videoKbps: 3000,
  maxrateKbps: 4500,
  bufsizeKbps: 6000,
  profile: 'high',
  level,
});

describe('masterPlaylist', () => {
  it('lists every variant with its bandwidths, codecs, resolution and frame rate, in order', () => {
    const playlist = masterPlaylist(
      [
        {
          uri: variantUri('360p'),
          bandwidth: 1_100_000,
          averageBandwidth: 950_000,
          codecs: 'avc1.64001e,mp4a.40.2',
          video: { width: 640, height: 360, frameRate: 30000 / 1001 },
        },
        {
          uri: variantUri('720p'),
          bandwidth: 3_600_000,
          averageBandwidth: 3_100_000,
          codecs: 'avc1.64001f,mp4a.40.2',
          video: { width: 1280, height: 720, frameRate: 30000 / 1001 },
        },
      ],
      7,
    );
    expect(playlist).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=1100000,AVERAGE-BANDWIDTH=950000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970',
        '360p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=3600000,AVERAGE-BANDWIDTH=3100000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970',
        '720p/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('writes an audio-only variant without resolution or frame rate', () => {
    const playlist = masterPlaylist(
      [{ uri: variantUri('audio'), bandwidth: 140_000, averageBandwidth: 130_000, codecs: 'mp4a.40.2' }],
      3,
    );
    expect(playlist.split('\n').slice(1)).toEqual([
      '#EXT-X-VERSION:3',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=130000,CODECS="mp4a.40.2"',
      'audio/index.m3u8',
      '',
    ]);
  });
});

describe('codecsFor', () => {
  it('writes avc1.PPCCLL from the profile and level, plus AAC-LC when there is audio', () => {
    expect(codecsFor(rung(31), true)).toBe('avc1.64001f,mp4a.40.2');
    expect(codecsFor(rung(40), true)).toBe('avc1.640028,mp4a.40.2');
    expect(codecsFor(rung(52), false)).toBe('avc1.640034');
    expect(codecsFor(undefined, true)).toBe('mp4a.40.2');
  });
});

describe('parseMediaPlaylist', () => {
  it('reads the target duration and the segments of an ffmpeg VOD playlist', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:6',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:6.000000,',
      'segment_000.m4s',
      '#EXTINF:2.033333,',
      'segment_001.m4s',
      '#EXT-X-ENDLIST',
      '',
    ].join('\r\n');
    expect(parseMediaPlaylist(text)).toEqual({
      targetDuration: 6,
      map: 'init.mp4',
      segments: [
        { uri: 'segment_000.m4s', duration: 6 },
        { uri: 'segment_001.m4s', duration: 2.033333 },
      ],
      ended: true,
    });
  });

  it('reads an EVENT playlist still being written as not ended', () => {
    const text = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:6.0,\nsegment_000.ts\n';
    expect(parseMediaPlaylist(text)).toEqual({
      targetDuration: 6,
      segments: [{ uri: 'segment_000.ts', duration: 6 }],
      ended: false,
    });
  });
});

describe('fast-start playlists', () => {
  const event = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:6.0,\ns0.m4s\n';

  it('tells players to start a provisional playlist at its beginning, once', () => {
    const provisional = provisionalPlaylist(event);
    expect(provisional).toBe(
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n#EXTINF:6.0,\ns0.m4s\n',
    );
    expect(provisionalPlaylist(provisional)).toBe(provisional);
  });

  it('marks the finished playlist VOD', () => {
    expect(vodPlaylist(`${event}#EXT-X-ENDLIST\n`)).toContain('#EXT-X-PLAYLIST-TYPE:VOD\n');
    expect(vodPlaylist(event)).not.toContain('EVENT');
  });

  it('plans a variant from the ladder before any segment exists: peak from the max rate, average from the target', () => {
    const plan = planLadder({
      durationSeconds: 60,
      video: { width: 1280, height: 720, fps: 30 },
      audio: { channels: 2 },
    });
    const top = plan.video?.rungs.at(-1);
    expect(plannedVariant(plan, '720p')).toEqual({
      uri: '720p/index.m3u8',
      bandwidth: ((top?.maxrateKbps ?? 0) + 128) * 1000,
      averageBandwidth: ((top?.videoKbps ?? 0) + 128) * 1000,
      codecs: codecsFor(top, true),
      video: { width: 1280, height: 720, frameRate: 30 },
    });
    const audioOnly = planLadder({ durationSeconds: 60, audio: { channels: 1 } });
    expect(plannedVariant(audioOnly, 'audio')).toEqual({
      uri: 'audio/index.m3u8',
      bandwidth: 64_000,
      averageBandwidth: 64_000,
      codecs: 'mp4a.40.2',
    });
  });
});

describe('segmentBitRates', () => {
  it('averages all bytes over all seconds', () => {
    const segments = [
      { duration: 6, bytes: 750_000 },
      { duration: 6, bytes: 1_500_000 },
    ];
    expect(segmentBitRates(segments, 6).average).toBe(1_500_000);
  });

  it('takes the peak over runs of segments lasting half to one and a half target durations', () => {
    const segments = [
      { duration: 6, bytes: 750_000 }, // 1 Mbit/s
      { duration: 2, bytes: 1_000_000 }, // 4 Mbit/s, but too short to count alone
      { duration: 6, bytes: 1_500_000 }, // 2 Mbit/s
    ];
    // The richest qualifying run is the 2 s segment with the 6 s one after it: 20 Mbit over 8 s.
    expect(segmentBitRates(segments, 6).peak).toBe(2_500_000);
  });

  it('falls back to the average when the stream is shorter than half a target duration', () => {
    expect(segmentBitRates([{ duration: 2, bytes: 250_000 }], 6)).toEqual({ peak: 1_000_000, average: 1_000_000 });
  });
});
