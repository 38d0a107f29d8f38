/**
 * Subtitle and caption files (Mux's text tracks): WebVTT (W3C WebVTT) and SubRip (SRT) read into cues, checked, and
 * written back as WebVTT or as a plain transcript. A file that cannot be used — too big, not text, not either format,
 * bad or backwards timestamps, overlong cues, HTML or script in a cue — is refused with one sentence that names the
 * line, so the track goes `errored` with a reason the user can act on. Pure: no SDK, no I/O.
 */

/** Every limit a text file is held to. A two-hour film's subtitles are about 100–200 KB and 1,500–2,000 cues. */
export const TEXT_TRACK_LIMITS = {
  /** Bytes fetched at most; a longer body is not read past this. */
  maxBytes: 4 * 1024 * 1024,
  maxCues: 20_000,
  /** Characters of one cue's text (tags included). */
  maxCueChars: 1_000,
  maxCueLines: 10,
  /** No cue ends later than this (a timestamp of 400 hours is a broken file, not a long film). */
  maxSeconds: 24 * 3600,
} as const;

export interface Cue {
  /** The WebVTT cue identifier (SRT's counter is not carried over). */
  id?: string;
  start: number;
  end: number;
  /** WebVTT cue settings (`align:start line:90%`), already checked. */
  settings?: string;
  /** The cue's text: WebVTT cue markup (`<i>`, `<b>`, `<c.class>`, `<v Name>`…), lines joined with `\n`. */
  text: string;
}

export type ParsedTextTrack = { ok: true; format: 'vtt' | 'srt'; cues: Cue[] } | { ok: false; reason: string };

/**
 * Reads a subtitle file. WebVTT is recognised by its `WEBVTT` signature, anything else is read as SRT (which has
 * none). NOTE, STYLE and REGION blocks are dropped: a STYLE block is CSS, which can make a player load remote
 * resources, and a region without its REGION block means nothing.
 */
export function parseTextTrack(bytes: Uint8Array): ParsedTextTrack {
  if (bytes.byteLength > TEXT_TRACK_LIMITS.maxBytes) {
    return { ok: false, reason: `The file is larger than ${TEXT_TRACK_LIMITS.maxBytes} bytes` };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'The file is not UTF-8 text (WebVTT and SRT files are)' };
  }
  if (hasControlCharacters(text)) {
    return { ok: false, reason: 'The file contains control characters: it is binary, not a subtitle file' };
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const isVtt = /^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? '');
  try {
    const cues = isVtt ? readVtt(lines) : readSrt(lines);
    if (cues.length === 0) {
      return { ok: false, reason: isVtt ? 'The WebVTT file has no cues' : 'The file is neither WebVTT nor SRT' };
    }
    return { ok: true, format: isVtt ? 'vtt' : 'srt', cues };
  } catch (err) {
    if (err instanceof TextTrackError) return { ok: false, reason: err.message };
    throw err;
  }
}

class TextTrackError extends Error {}

/** C0 controls other than tab, line feed, form feed and carriage return, and DEL: never in a text file. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

const fail = (line: number, message: string): never => {
  throw new TextTrackError(`Line ${line}: ${message}`);
};

/** Blocks of non-empty lines, each with the 1-based number of its first line. */
function blocks(lines: readonly string[], from: number): { line: number; lines: string[] }[] {
  const out: { line: number; lines: string[] }[] = [];
  let current: { line: number; lines: string[] } | undefined;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    if (!current) {
      current = { line: i + 1, lines: [] };
      out.push(current);
    }
    current.lines.push(line);
  }
  return out;
}

const TIMING = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$/;

function readVtt(lines: readonly string[]): Cue[] {
  const cues: Cue[] = [];
  // The header runs from the signature to the first blank line (it may carry X-TIMESTAMP-MAP and the like).
  const headerEnd = lines.findIndex((line) => line.trim() === '');
  for (const block of headerEnd < 0 ? [] : blocks(lines, headerEnd)) {
    const first = block.lines[0] ?? '';
    if (/^(NOTE|STYLE|REGION)(?:[ \t]|$)/.test(first)) continue;
    const timingIndex = first.includes('-->') ? 0 : 1;
    const timing = block.lines[timingIndex];
    const at = block.line + timingIndex;
    if (timing === undefined || !timing.includes('-->')) fail(block.line, 'a cue has no "start --> end" timing line');
    const match = TIMING.exec((timing as string).trim()) ?? fail(at, `"${clip(timing as string)}" is not a cue timing`);
    const [, startText = '', endText = '', settings] = match;
    const cue: Cue = {
      ...(timingIndex === 1 && { id: first }),
      start: vttTimestamp(startText, at),
      end: vttTimestamp(endText, at),
      ...(settings?.trim() && { settings: cueSettings(settings.trim(), at) }),
      text: cueText(block.lines.slice(timingIndex + 1), at + 1, 'vtt'),
    };
    push(cues, cue, at);
  }
  return cues;
}

function readSrt(lines: readonly string[]): Cue[] {
  const cues: Cue[] = [];
  for (const block of blocks(lines, 0)) {
    const [counter = '', timing] = block.lines;
    if (!/^\d+$/.test(counter.trim())) {
      if (cues.length === 0) throw new TextTrackError('The file is neither WebVTT (no WEBVTT header) nor SRT');
      fail(block.line, `expected a subtitle number, found "${clip(counter)}"`);
    }
    const at = block.line + 1;
    const match = TIMING.exec(timing?.trim() ?? '') ?? fail(at, `"${clip(timing ?? '')}" is not an SRT timing`);
    const [, startText = '', endText = ''] = match;
    push(
      cues,
      {
        start: srtTimestamp(startText, at),
        end: srtTimestamp(endText, at),
        text: cueText(block.lines.slice(2), at + 1, 'srt'),
      },
      at,
    );
  }
  return cues;
}

function push(cues: Cue[], cue: Cue, line: number) {
  if (cue.end <= cue.start)
    fail(line, `the cue ends (${formatTimestamp(cue.end)}) before it starts (${formatTimestamp(cue.start)})`);
  if (cue.end > TEXT_TRACK_LIMITS.maxSeconds)
    fail(line, `the cue ends after ${TEXT_TRACK_LIMITS.maxSeconds / 3600} hours`);
  if (cues.length >= TEXT_TRACK_LIMITS.maxCues) fail(line, `the file has more than ${TEXT_TRACK_LIMITS.maxCues} cues`);
  cues.push(cue);
}

/** WebVTT: `mm:ss.ttt` or `hh:mm:ss.ttt` (hours may have more digits), minutes and seconds below 60. */
function vttTimestamp(text: string, line: number): number {
  const m = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/.exec(text);
  if (!m) return fail(line, `"${clip(text)}" is not a WebVTT timestamp (hh:mm:ss.ttt)`);
  return seconds(m[1] ?? '0', m[2] ?? '0', m[3] ?? '0', m[4] ?? '0');
}

/** SRT: `hh:mm:ss,ttt` (a `.` instead of the comma is common and accepted). */
function srtTimestamp(text: string, line: number): number {
  const m = /^(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})$/.exec(text);
  if (!m) return fail(line, `"${clip(text)}" is not an SRT timestamp (hh:mm:ss,ttt)`);
  return seconds(m[1] ?? '0', m[2] ?? '0', m[3] ?? '0', m[4] ?? '0');
}

const seconds = (h: string, m: string, s: string, ms: string) =>
  Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;

/** The WebVTT cue settings; `region:` is dropped with the REGION blocks it would refer to. */
const SETTING =
  /^(?:vertical:(?:rl|lr)|line:-?\d+(?:\.\d+)?%?(?:,(?:start|center|end))?|position:\d+(?:\.\d+)?%(?:,(?:line-left|center|line-right))?|size:\d+(?:\.\d+)?%|align:(?:start|center|end|left|right))$/;

function cueSettings(text: string, line: number): string | undefined {
  const kept = text.split(/[ \t]+/).filter((setting) => {
    if (setting.startsWith('region:')) return false;
    if (!SETTING.test(setting)) fail(line, `"${clip(setting)}" is not a WebVTT cue setting`);
    return true;
  });
  return kept.length > 0 ? kept.join(' ') : undefined;
}

/**
 * The tags WebVTT cue text may carry (class, italics, bold, underline, ruby, voice, language, and inner timestamps).
 * Anything else is HTML, not WebVTT: refused, since a player or page that renders cue text as HTML would run it. SRT
 * files conventionally use `<font color=…>`, which has no WebVTT meaning and is dropped.
 */
const VTT_TAG =
  /^<\/?(?:(?:c|i|b|u|ruby|rt)(?:\.[\w-]+)*|(?:v|lang)(?:\.[\w-]+)*(?:[ \t][^>]*)?|\d{2,}:[0-5]\d:[0-5]\d\.\d{3}|[0-5]\d:[0-5]\d\.\d{3})>$/;
const SRT_FONT = /^<\/?font(?:[ \t][^>]*)?>$/i;

function cueText(lines: readonly string[], line: number, format: 'vtt' | 'srt'): string {
  if (lines.length > TEXT_TRACK_LIMITS.maxCueLines)
    fail(line, `the cue has more than ${TEXT_TRACK_LIMITS.maxCueLines} lines`);
  const text = lines.join('\n');
  if (text.length > TEXT_TRACK_LIMITS.maxCueChars)
    fail(line, `the cue is longer than ${TEXT_TRACK_LIMITS.maxCueChars} characters`);
  if (text.includes('-->')) fail(line, 'cue text must not contain "-->"');
  return text.replace(/<[^>]*>?/g, (tag) => {
    if (format === 'srt' && SRT_FONT.test(tag)) return '';
    if (VTT_TAG.test(tag)) return tag;
    return fail(line, `${clip(tag)} is not WebVTT cue markup (HTML and script are refused)`);
  });
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** `hh:mm:ss.ttt`. */
export function formatTimestamp(totalSeconds: number): string {
  const ms = Math.round(totalSeconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

/** One cue block as WebVTT writes it. */
export function cueBlock(cue: Cue): string {
  const timing = `${formatTimestamp(cue.start)} --> ${formatTimestamp(cue.end)}${cue.settings ? ` ${cue.settings}` : ''}`;
  return [...(cue.id ? [cue.id] : []), timing, cue.text].join('\n');
}

/** A whole WebVTT file of `cues` (what `{playbackId}/text/{trackId}.vtt` serves). */
export function toWebVtt(cues: readonly Cue[]): string {
  return `WEBVTT\n\n${cues.map(cueBlock).join('\n\n')}\n`;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&nbsp;': ' ',
  '&lrm;': '',
  '&rlm;': '',
};

/**
 * The plain-text transcript (`{playbackId}/text/{trackId}.txt`): each cue's words with markup removed and entities
 * decoded, one cue per line, a cue repeated back to back (as roll-up captions do) written once.
 */
export function toTranscript(cues: readonly Cue[]): string {
  const lines: string[] = [];
  for (const cue of cues) {
    const words = cue.text
      .replace(/<[^>]*>/g, '')
      .replace(/&(?:amp|lt|gt|nbsp|lrm|rlm);/g, (e) => ENTITIES[e] ?? e)
      .replace(/\s+/g, ' ')
      .trim();
    if (words && lines[lines.length - 1] !== words) lines.push(words);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
