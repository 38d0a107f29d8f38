/**
 * Timed words from a speech recogniser (the transcoder's pocketsphinx) grouped into subtitle cues as subtitle
 * conventions go: a cue is at most two lines of at most 42 characters and lasts at most 7 seconds; a pause in the
 * speech starts a new cue, so a cue never hangs on screen over silence; and a cue stays up at least a second (or
 * until the next one starts) so it can be read. Pure.
 */
import type { Cue } from './text-tracks.js';
import { toWebVtt } from './text-tracks.js';

/** A recognised word and where it was said (seconds on the asset's timeline). */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

export const CUE_RULES = {
  /** Characters a line holds at most (the common broadcast and streaming limit). */
  maxLineChars: 42,
  maxLines: 2,
  /** Seconds a cue lasts at most. */
  maxSeconds: 7,
  /** A silence at least this long between two words ends the cue. */
  pauseSeconds: 1,
  /** A cue shorter than this is held longer, up to the next cue's start. */
  minSeconds: 1,
} as const;

/** The cues the words make, in order; words with no text or times that go backwards are dropped. */
export function cuesFromWords(words: readonly TimedWord[], rules = CUE_RULES): Cue[] {
  const usable = words.filter((w) => w.word.trim() !== '' && w.end >= w.start && w.start >= 0);
  const groups: TimedWord[][] = [];
  let current: TimedWord[] = [];
  for (const word of usable) {
    const first = current[0];
    const last = current[current.length - 1];
    const fits =
      first !== undefined &&
      last !== undefined &&
      word.start - last.end < rules.pauseSeconds &&
      word.end - first.start <= rules.maxSeconds &&
      linesOf([...current, word], rules.maxLineChars).length <= rules.maxLines;
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
    }
    current.push(word);
  }
  if (current.length > 0) groups.push(current);
  return groups.map((group, i) => {
    const start = group[0]?.start ?? 0;
    const spoken = group[group.length - 1]?.end ?? start;
    const next = groups[i + 1]?.[0]?.start ?? Number.POSITIVE_INFINITY;
    const end = Math.max(spoken, Math.min(start + rules.minSeconds, next));
    return { start: round(start), end: round(end), text: linesOf(group, rules.maxLineChars).join('\n') };
  });
}

/** The words' text broken into lines of at most `max` characters (a longer single word stands alone). */
function linesOf(words: readonly TimedWord[], max: number): string[] {
  const lines: string[] = [];
  for (const { word } of words) {
    const text = word.trim();
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + text.length <= max) lines[lines.length - 1] = `${last} ${text}`;
    else lines.push(text);
  }
  return lines;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** The WebVTT file of the words' cues (what generated tracks are written from, as an uploaded file is). */
export function webVttFromWords(words: readonly TimedWord[]): string {
  return toWebVtt(cuesFromWords(words));
}
