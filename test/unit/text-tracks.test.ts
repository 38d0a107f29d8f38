import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../lambdas/core/domain/playlist.js';
import {
  type Cue,
  parseTextTrack,
  TEXT_TRACK_LIMITS,
  toTranscript,
  toWebVtt,
} from '../../lambdas/core/domain/text-tracks.js';
import { segmentTextTrack, textTrackPlaylist } from '../../lambdas/core/domain/text-tracks-hls.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseTextTrack(bytes(text));
const reason = (text: string) => {
  const parsed = parse(text);
  if (parsed.ok) throw new Error('expected a refusal');
  return parsed.reason;
};

const VTT = `WEBVTT - English

NOTE a comment that is dropped

STYLE
::cue { background: url(https://tracker.example/p.png) }

intro
00:00:01.000 --> 00:00:03.500 align:start line:90% region:top
<v Roger>Hello <i>there</i></v>

00:04.000 --> 00:00:07.250
Second &amp; last
on two lines
`;

const SRT = `1
00:00:01,000 --> 00:00:02,000
<font color="#ffff00">Yellow</font> words

2
00:00:02.500 --> 00:00:04,000
<i>Italic</i>
`;

describe('parseTextTrack', () => {
  it('reads WebVTT cues with identifiers and settings, dropping NOTE, STYLE and region settings', () => {
    const parsed = parse(VTT);
    expect(parsed).toEqual({
      ok: true,
      format: 'vtt',
      cues: [
        { id: 'intro', start: 1, end: 3.5, settings: 'align:start line:90%', text: '<v Roger>Hello <i>there</i></v>' },
        { start: 4, end: 7.25, text: 'Second &amp; last\non two lines' },
      ],
    });
  });

  it('reads SRT (with a BOM and CRLF), dropping <font> and keeping WebVTT tags', () => {
    const parsed = parseTextTrack(bytes(`\uFEFF${SRT.replace(/\n/g, '\r\n')}`));
    expect(parsed).toEqual({
      ok: true,
      format: 'srt',
      cues: [
        { start: 1, end: 2, text: 'Yellow words' },
        { start: 2.5, end: 4, text: '<i>Italic</i>' },
      ],
    });
  });

  it('converts SRT to WebVTT that parses back to the same cues', () => {
    const parsed = parse(SRT);
    if (!parsed.ok) throw new Error(parsed.reason);
    const vtt = toWebVtt(parsed.cues);
    expect(vtt.startsWith('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nYellow words\n')).toBe(true);
    const again = parse(vtt);
    expect(again.ok && again.cues).toEqual(parsed.cues);
  });

  it.each([
    ['binary', '\u0000\u0001PNG', 'control characters'],
    ['neither format', 'just some prose\nwithout timings\n', 'neither WebVTT'],
    ['a WebVTT file without cues', 'WEBVTT\n\nNOTE nothing\n', 'has no cues'],
    [
      'a bad WebVTT timestamp',
      'WEBVTT\n\n00:00:01,000 --> 00:00:02.000\nx\n',
      'Line 3: "00:00:01,000" is not a WebVTT timestamp',
    ],
    ['minutes past 59', 'WEBVTT\n\n00:61:01.000 --> 01:00:02.000\nx\n', 'is not a WebVTT timestamp'],
    [
      'a cue ending before it starts',
      'WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nx\n',
      'Line 3: the cue ends (00:00:02.000) before it starts (00:00:05.000)',
    ],
    ['a timing line missing', 'WEBVTT\n\nid\ntext only\n', 'Line 3: a cue has no "start --> end" timing line'],
    [
      'an unknown cue setting',
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000 onclick:x\nx\n',
      '"onclick:x" is not a WebVTT cue setting',
    ],
    [
      'a script tag',
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<script>alert(1)</script>\n',
      'Line 4: <script> is not WebVTT cue markup (HTML and script are refused)',
    ],
    [
      'an HTML image',
      '1\n00:00:01,000 --> 00:00:02,000\n<img src=x onerror=alert(1)>\n',
      '<img src=x onerror=alert(1)> is not WebVTT cue markup',
    ],
    ['an unclosed tag', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfoo <script\n', '<script is not WebVTT cue markup'],
    [
      'a broken SRT block',
      '1\n00:00:01,000 --> 00:00:02,000\nok\n\nx\n00:00:03,000 --> 00:00:04,000\nno\n',
      'Line 5: expected a subtitle number, found "x"',
    ],
    [
      'an SRT timestamp without milliseconds',
      '1\n00:00:01 --> 00:00:02,000\nx\n',
      '"00:00:01" is not an SRT timestamp',
    ],
    ['a 400-hour timestamp', 'WEBVTT\n\n400:00:00.000 --> 400:00:01.000\nx\n', 'the cue ends after 24 hours'],
  ])('refuses %s with a reason', (_name, text, expected) => {
    expect(reason(text)).toContain(expected);
  });

  it('refuses overlong cues, too many lines, too many cues and too many bytes', () => {
    const cue = (text: string) => `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${text}\n`;
    expect(reason(cue('a'.repeat(TEXT_TRACK_LIMITS.maxCueChars + 1)))).toBe(
      `Line 4: the cue is longer than ${TEXT_TRACK_LIMITS.maxCueChars} characters`,
    );
    expect(
      reason(
        cue(
          Array(TEXT_TRACK_LIMITS.maxCueLines + 1)
            .fill('x')
            .join('\n'),
        ),
      ),
    ).toContain('more than 10 lines');
    const many = Array.from(
      { length: TEXT_TRACK_LIMITS.maxCues + 1 },
      (_, i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\nx\n`,
    );
    expect(reason(many.join('\n'))).toContain(`more than ${TEXT_TRACK_LIMITS.maxCues} cues`);
    expect(parseTextTrack(new Uint8Array(TEXT_TRACK_LIMITS.maxBytes + 1)).ok).toBe(false);
    expect(parseTextTrack(new Uint8Array([0xff, 0xfe, 0x00]))).toEqual({
      ok: false,
      reason: 'The file is not UTF-8 text (WebVTT and SRT files are)',
    });
  });
});

describe('toTranscript', () => {
  it('is the words of each cue, markup removed and entities decoded, repeats written once', () => {
    const cues: Cue[] = [
      { start: 0, end: 1, text: '<v Roger>Hello <i>there</i></v>' },
      { start: 1, end: 2, text: '<v Roger>Hello <i>there</i></v>' },
      { start: 2, end: 3, text: 'Fish &amp; chips\n&lt;3' },
    ];
    expect(toTranscript(cues)).toBe('Hello there\nFish & chips <3\n');
  });
});

describe('segmentTextTrack', () => {
  const cues: Cue[] = [
    { start: 1, end: 2, text: 'first' },
    { start: 5.5, end: 6.5, text: 'spans a boundary' },
    { start: 13, end: 14, text: 'after the video' },
  ];

  it('cuts one segment per video segment, a spanning cue in both, with the timestamp map HLS needs', () => {
    const { playlist, segments } = segmentTextTrack(cues, [6, 6]);
    expect(segments.map((s) => s.name)).toEqual(['seg_00000.vtt', 'seg_00001.vtt']);
    for (const s of segments)
      expect(s.body.startsWith('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n')).toBe(true);
    expect(segments[0]?.body).toContain('first');
    expect(segments[0]?.body).toContain('spans a boundary');
    expect(segments[1]?.body).not.toContain('first');
    expect(segments[1]?.body).toContain('spans a boundary');
    // The last segment keeps cues after the media's end rather than losing them.
    expect(segments[1]?.body).toContain('after the video');
    const parsed = parseMediaPlaylist(playlist);
    expect(parsed).toEqual({
      targetDuration: 6,
      segments: [
        { uri: 'seg_00000.vtt', duration: 6 },
        { uri: 'seg_00001.vtt', duration: 6 },
      ],
      ended: true,
    });
  });

  it('follows the video segments it is given (a short last one) and maps a media timeline offset', () => {
    const { playlist, segments } = segmentTextTrack(cues, [6, 6, 2.5], { mediaStartSeconds: 10 });
    expect(segments[0]?.body).toContain('X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000');
    expect(playlist).toContain('#EXTINF:2.500,\nseg_00002.vtt');
    expect(segments[2]?.body).toContain('after the video');
    expect(segments[1]?.body).not.toContain('after the video');
    // Each segment is a WebVTT file on its own.
    for (const s of segments.filter((x) => x.body.includes('-->'))) expect(parse(s.body).ok).toBe(true);
  });

  it('refuses a file whose cues, repeated in every segment they span, would come to far more than the file', () => {
    // A 4 MB file of 4,000 cues of 1,000 characters, each from 0 to 12 hours, on a 12-hour asset of 2-second
    // segments: 21,600 segments of 4 MB each (86 GB) built in the API function's memory and PUT one by one.
    const long: Cue[] = Array.from({ length: 4000 }, (_, i) => ({ start: 0, end: 43_200, text: `${i}`.padEnd(1000) }));
    const segments = Array.from({ length: 21_600 }, () => 2);
    const started = performance.now();
    expect(() => segmentTextTrack(long, segments)).toThrow(
      /the cues, repeated in each video segment they span, come to more than 16777216 bytes/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    // A long film's ordinary subtitles (20,000 short cues over 12 hours) are cut as before, each cue once or twice.
    const ordinary: Cue[] = Array.from({ length: 20_000 }, (_, i) => ({
      start: i * 2.1,
      end: i * 2.1 + 2,
      text: 'a line of dialogue',
    }));
    const cut = segmentTextTrack(ordinary, segments);
    expect(cut.segments).toHaveLength(21_600);
    expect(cut.segments.reduce((n, seg) => n + (seg.body.match(/-->/g)?.length ?? 0), 0)).toBeLessThan(2 * 20_000);
    expect(cut.segments[1]?.body).toContain('00:00:02.100 --> 00:00:04.100');
  });

  it('refuses to cut along no segments', () => {
    expect(() => segmentTextTrack(cues, [])).toThrow(/at least one/);
    expect(textTrackPlaylist('t1')).toBe('text/t1/index.m3u8');
  });
});
