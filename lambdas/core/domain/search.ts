/**
 * Search over an environment's assets: prefix, case-insensitive, by id, title (`meta.title`), creator id, external
 * id and passthrough. Each asset is indexed under a few normalised "entries": the whole value of every field, and
 * for the free-text ones (title, passthrough) also every word onwards, so "cat" finds "My cat video". A search is a
 * range read of the entries that start with the normalised query.
 *
 * Index partitions stay small however common a word is: an entry is filed under its first 3, 5, 8 and 12 characters
 * (SEARCH_TIERS, as far as it is long enough) and in each tier under one of a few buckets, chosen by the asset id. A
 * search reads the buckets of the longest tier it is long enough for, in waves, until its page is full: a common
 * word fills it from the first bucket, a rare value reads every bucket at once, each nearly empty.
 */
import type { AssetRecord } from './media.js';

/**
 * The shortest search: three characters, also the shard width, so one index partition holds only the entries that
 * start with the same three characters (with two, 100,000 assets put tens of thousands of entries in one).
 */
export const MIN_SEARCH_LENGTH = 3;
/** Entries and searches are cut to this many characters: longer ones match on their first 128. */
export const MAX_ENTRY_LENGTH = 128;
/** Word starts indexed per free-text field; words further on are found only through the whole value. */
export const MAX_WORD_STARTS = 12;

export type SearchField = 'id' | 'title' | 'creator_id' | 'external_id' | 'passthrough';

export interface SearchEntry {
  field: SearchField;
  /** Normalised, at most MAX_ENTRY_LENGTH characters. */
  value: string;
}

/**
 * Case- and width-insensitive form: NFKC, lower case, control characters and runs of white space made one space,
 * trimmed, cut to MAX_ENTRY_LENGTH characters (whole code points).
 */
export function normalise(text: string): string {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  return Array.from(folded).slice(0, MAX_ENTRY_LENGTH).join('');
}

/**
 * The index tiers, shortest first. An entry is filed in every tier it is long enough for, under its first `length`
 * characters and one of `buckets` buckets chosen by its asset id; a search reads the longest tier it is long enough
 * for. Why four lengths: a partition holds every entry sharing the tier's prefix, so a search pays for the entries of
 * the prefix that do not start with the whole query (DynamoDB skips them in a range read, the emulator tests each
 * one). A passthrough like "highlights-123" read at 8 characters shares its partitions with every title holding
 * "highlights"; at 12 only with its own kind. Why these buckets: a common prefix fills a page from one bucket of about
 * 1/buckets of its entries; a rare value reads every bucket, each nearly empty, in one parallel wave. Short prefixes
 * are shared most, so they split most; values of 12 characters or more are nearly always rare (ids, external ids,
 * numbered passthrough), so that tier reads all its buckets in its first wave (`firstWave`).
 */
export const SEARCH_TIERS = {
  short: { length: MIN_SEARCH_LENGTH, buckets: 32, firstWave: 1 },
  mid: { length: 5, buckets: 16, firstWave: 1 },
  long: { length: 8, buckets: 8, firstWave: 1 },
  longest: { length: 12, buckets: 4, firstWave: 4 },
} as const;
export type SearchTier = keyof typeof SEARCH_TIERS;
/** The tiers, shortest first. */
export const TIER_NAMES = Object.keys(SEARCH_TIERS) as SearchTier[];

const codePoints = (text: string) => Array.from(text);

/** The tier a search reads: the longest one whose prefix the query is long enough to name. */
export function tierOf(query: string): SearchTier {
  const length = codePoints(query).length;
  return TIER_NAMES.filter((tier) => SEARCH_TIERS[tier].length <= length).at(-1) ?? 'short';
}

/**
 * The prefix an entry (or a search) is filed under in a tier, or undefined when the value is too short for the tier
 * (no search long enough to read that tier could match it).
 */
export function shardOf(normalised: string, tier: SearchTier): string | undefined {
  const points = codePoints(normalised);
  const { length } = SEARCH_TIERS[tier];
  return points.length >= length ? points.slice(0, length).join('') : undefined;
}

/** The bucket of an asset's entries in a tier: a stable hash (FNV-1a) of its id, the same for all its entries. */
export function bucketOf(assetId: string, tier: SearchTier): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < assetId.length; i++) hash = Math.imul(hash ^ assetId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % SEARCH_TIERS[tier].buckets;
}

/**
 * How many buckets a search of `tier` reads at once next, having read `read` of the `left` buckets it may read and
 * found `found` of the `wanted` matches: first the tier's first wave (one bucket: a common prefix fills its page
 * there), then as many as the matches per bucket so far suggest are needed, and every bucket left when none matched
 * (a rare value: one wave of nearly empty reads instead of many rounds).
 */
export function nextWave(tier: SearchTier, read: number, found: number, wanted: number, left: number): number {
  const remaining = left - read;
  if (read === 0) return Math.min(SEARCH_TIERS[tier].firstWave, remaining);
  if (found === 0) return remaining;
  return Math.min(remaining, Math.max(1, Math.ceil(((wanted - found) * read) / found)));
}

/** Every entry of an asset's values, without duplicates. */
export function searchEntries(asset: AssetRecord): SearchEntry[] {
  const entries = new Map<string, SearchEntry>();
  const add = (field: SearchField, value: string) => {
    if (value.length > 0) entries.set(`${field}\u0001${value}`, { field, value });
  };
  const whole = (field: SearchField, text: string | undefined) => {
    if (text !== undefined) add(field, normalise(text));
  };
  const words = (field: SearchField, text: string | undefined) => {
    if (text === undefined) return;
    const value = normalise(text);
    add(field, value);
    let starts = 0;
    for (const match of value.matchAll(/(?<=[^\p{L}\p{N}])[\p{L}\p{N}]/gu)) {
      if (++starts > MAX_WORD_STARTS) break;
      add(field, value.slice(match.index));
    }
  };
  whole('id', asset.id);
  words('title', asset.meta?.title);
  whole('creator_id', asset.meta?.creator_id);
  whole('external_id', asset.meta?.external_id);
  words('passthrough', asset.passthrough);
  return [...entries.values()];
}

/** Whether the asset (as it is now) has an entry starting with the normalised query. */
export const matches = (asset: AssetRecord, query: string): boolean =>
  searchEntries(asset).some((entry) => entry.value.startsWith(query));

/** The entries to add and remove when an asset changes from `before` to `after` (absent or deleted: no entries). */
export function entriesDiff(
  before: AssetRecord | undefined,
  after: AssetRecord | undefined,
): { put: SearchEntry[]; remove: SearchEntry[] } {
  const key = (e: SearchEntry) => `${e.field}\u0001${e.value}`;
  const old = before ? searchEntries(before) : [];
  const now = after && after.status !== 'deleted' ? searchEntries(after) : [];
  const oldKeys = new Set(old.map(key));
  const nowKeys = new Set(now.map(key));
  return { put: now.filter((e) => !oldKeys.has(key(e))), remove: old.filter((e) => !nowKeys.has(key(e))) };
}
