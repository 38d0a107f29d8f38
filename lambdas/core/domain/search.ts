/**
 * Search over an environment's assets: prefix, case-insensitive, by id, title (`meta.title`), creator id, external
 * id and passthrough. Each asset is indexed under a few normalised "entries": the whole value of every field, and
 * for the free-text ones (title, passthrough) also every word onwards, so "cat" finds "My cat video". A search is a
 * range read of the entries that start with the normalised query.
 *
 * Index partitions stay small however common a word is: an entry is filed under its first three characters (the
 * short tier, for searches of 3 to 7 characters) and, when it has them, its first eight (the long tier), and in each
 * tier under one of its SEARCH_BUCKETS buckets, chosen by the asset id. A search reads the buckets of its tier one
 * after another, in widening waves, until its page is full: a common word fills it from the first bucket (a sixteenth
 * of the entries), a rare value reads every bucket, each nearly empty.
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

/** The long tier's prefix: searches this long or longer read entries filed under their first 8 characters. */
export const LONG_SHARD_LENGTH = 8;
export type SearchTier = 'short' | 'long';

/**
 * Buckets per prefix in each tier: a partition holds about 1/16 (short) or 1/4 (long) of the entries sharing its
 * prefix, and a search that finds little reads that many partitions. Three characters are shared by far more values
 * than eight, so the short tier splits more.
 */
export const SEARCH_BUCKETS: Record<SearchTier, number> = { short: 16, long: 4 };

const prefix = (normalised: string, length: number) => Array.from(normalised).slice(0, length).join('');

/** The tier a search reads: the long one once the query is long enough to name a long-tier prefix. */
export const tierOf = (query: string): SearchTier => (Array.from(query).length >= LONG_SHARD_LENGTH ? 'long' : 'short');

/**
 * The prefix an entry (or a search) is filed under in a tier, or undefined when a value is too short for the long tier
 * (no search long enough to read that tier could match it).
 */
export function shardOf(normalised: string, tier: SearchTier): string | undefined {
  if (tier === 'short') return prefix(normalised, MIN_SEARCH_LENGTH);
  return Array.from(normalised).length >= LONG_SHARD_LENGTH ? prefix(normalised, LONG_SHARD_LENGTH) : undefined;
}

/** The bucket of an asset's entries in a tier: a stable hash (FNV-1a) of its id, the same for all its entries. */
export function bucketOf(assetId: string, tier: SearchTier): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < assetId.length; i++) hash = Math.imul(hash ^ assetId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % SEARCH_BUCKETS[tier];
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
