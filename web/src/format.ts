/** How numbers, times and sizes read in the dashboard, in the current language (the platform's `Intl`). */
import { locale } from './i18n/index.js';

/** 75.4 → "1:15"; 3725 → "1:02:05": a clock, the same in every language the dashboard has. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

// Intl.DurationFormat is in Chromium (129+), Safari and Firefox, but not yet in TypeScript's lib.
type DurationFormatter = { format(d: { hours: number; minutes: number; seconds: number }): string };
const DurationFormat = (
  Intl as unknown as { DurationFormat?: new (locale: string, options: { style: 'long' }) => DurationFormatter }
).DurationFormat;

/** 75.4 → "1 minute, 15 seconds" / "1 minute et 15 secondes"; the clock where the browser lacks DurationFormat. */
export function spokenDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || !DurationFormat) return duration(seconds);
  const s = Math.max(0, Math.round(seconds));
  const parts = { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60), seconds: s % 60 };
  return cached(`duration`, () => new DurationFormat(locale(), { style: 'long' })).format(parts);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** 12_345_678 → "12.3 MB" / "12,3 Mo" (decimal units, as storage and S3 count). */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value < 10 && unit > 0 ? 1 : 0;
  const format = cached(`bytes:${unit}:${digits}`, () =>
    Intl.NumberFormat(locale(), {
      style: 'unit',
      unit: UNITS[unit],
      unitDisplay: 'short',
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    }),
  );
  return format.format(value);
}

/** 0.42 → "42%" / "42 %". */
export const percent = (ratio: number) =>
  cached('percent', () => Intl.NumberFormat(locale(), { style: 'percent' })).format(ratio);

/** A number as the language writes it: 1234.5 → "1,234.5" / "1 234,5". */
export const number = (n: number) => cached('number', () => Intl.NumberFormat(locale())).format(n);

/** Mux's `created_at` is Unix seconds as a string. */
export function createdAt(unixSeconds: string | number): Date {
  return new Date(Number(unixSeconds) * 1000);
}

/** "now", "2 minutes ago" for recent times, a date otherwise. */
export function ago(date: Date, now = Date.now()): string {
  const relative = cached('relative', () => new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' }));
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(0, 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return dateTime(date);
}

export const dateTime = (date: Date) =>
  cached('dateTime', () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' })).format(date);

/** A file name without its extension, as a default title. */
export function titleFromFile(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name).replace(/[_-]+/g, ' ').trim() || name;
}

/** Intl formatters are costly to build: one per kind and language. */
const formatters = new Map<string, unknown>();
function cached<T>(kind: string, make: () => T): T {
  const key = `${locale()}:${kind}`;
  if (!formatters.has(key)) formatters.set(key, make());
  return formatters.get(key) as T;
}
