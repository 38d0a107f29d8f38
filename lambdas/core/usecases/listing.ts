import { z } from 'zod';
import type { Page } from '../ports.js';

const positiveInt = (field: string) =>
  z.coerce.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, `${field} starts at 1`);

/**
 * The most items a `page` may skip. DynamoDB has no offset: a page number is reached by reading every item before it
 * (in reads of up to SKIP_READ items, each at most 1 MB), so without a cap one request could make unbounded work. The
 * SDK pages uploads and vocabularies by number until a page comes back empty, so the cap is in items, not pages: at
 * the default limit of 25 that is page 401. `cursor` goes deeper.
 */
export const MAX_SKIPPED_ITEMS = 10_000;

/** Items asked for in one read while skipping to a page. */
export const SKIP_READ = 1000;

/**
 * The deepest `page` of a search or status filter: each page walked is a search of its own (up to MAX_SEARCH_ROUNDS
 * index reads, search.ts), so those are walked a response at a time and capped in pages.
 */
export const MAX_WALKED_PAGE = 10;

/**
 * The longest `cursor` accepted. A cursor is the base64url of a LastEvaluatedKey (the search index's is the longest:
 * ids of at most 255 bytes and entries of at most 128 characters, under 3 KB); a longer one is no cursor of ours and
 * is refused before it reaches DynamoDB (whose key-size error would be a 500).
 */
export const MAX_CURSOR_LENGTH = 4096;

/** The fields of Mux's list queries: `limit` (default 25, max 100) and `page`, plus Gamma's `cursor`. */
export const LIST_FIELDS = {
  limit: positiveInt('limit').max(100, { error: 'must be at most 100' }).default(25),
  page: positiveInt('page').default(1),
  cursor: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(MAX_CURSOR_LENGTH, {
      error: `must be at most ${MAX_CURSOR_LENGTH} characters (it is not a cursor Gamma gave)`,
    })
    .optional(),
};

/** A page number walks from the start, so it cannot start from a cursor too. */
export const pageOrCursor = {
  check: (q: { cursor?: string; page: number }) => q.cursor === undefined || q.page === 1,
  message: {
    error: 'cannot be combined with cursor (the cursor already says where the page starts)',
    path: ['page'],
  },
};

/** A page number may skip at most MAX_SKIPPED_ITEMS items. */
export const pageWithinReach = {
  check: (q: { limit: number; page: number }) => (q.page - 1) * q.limit <= MAX_SKIPPED_ITEMS,
  message: {
    error: `must be at most ${MAX_SKIPPED_ITEMS} items deep ((page - 1) × limit); use cursor (the next_cursor of a list) for deeper pages`,
    path: ['page'],
  },
};

/** Query parameters of Mux's list endpoints. */
export const ListQuery = z
  .strictObject(LIST_FIELDS)
  .refine(pageOrCursor.check, pageOrCursor.message)
  .refine(pageWithinReach.check, pageWithinReach.message);
export type ListQuery = z.output<typeof ListQuery>;

/**
 * The page a list query asks for. A cursor starts where an earlier page ended; a page number skips the
 * `(page - 1) × limit` items before it, read SKIP_READ at a time (DynamoDB has no offset).
 */
export async function pageOf<T>(
  fetch: (limit: number, cursor?: string) => Promise<Page<T>>,
  query: ListQuery,
): Promise<Page<T>> {
  let cursor = query.cursor;
  for (let toSkip = (query.page - 1) * query.limit; toSkip > 0; ) {
    const skipped = await fetch(Math.min(toSkip, SKIP_READ), cursor);
    if (!skipped.next) return { items: [] };
    toSkip -= skipped.items.length;
    cursor = skipped.next;
  }
  return fetch(query.limit, cursor);
}

/**
 * The page of a search or status filter: page N is the Nth answer of the cursor chain (a search answers with what
 * its rounds found, which may be fewer than `limit`, and a cursor to carry on), so pages are walked one at a time.
 */
export async function walkedPageOf<T>(
  fetch: (limit: number, cursor?: string) => Promise<Page<T>>,
  query: ListQuery,
): Promise<Page<T>> {
  let cursor = query.cursor;
  for (let page = 1; page < query.page; page++) {
    const skipped = await fetch(query.limit, cursor);
    if (!skipped.next) return { items: [] };
    cursor = skipped.next;
  }
  return fetch(query.limit, cursor);
}

/**
 * The query of a list read whole (at most 100 items an environment: signing keys, webhooks, playback restrictions):
 * Mux's `limit` and `page`, which the SDK counts up until a page comes back empty; no cursor, and any page costs the
 * one read.
 */
export const WholeListQuery = z.strictObject({ limit: LIST_FIELDS.limit, page: LIST_FIELDS.page });
export type WholeListQuery = z.output<typeof WholeListQuery>;

/** The page a query asks for of a list read whole. */
export function pageOfWhole<T>(all: readonly T[], query: WholeListQuery): T[] {
  const start = (query.page - 1) * query.limit;
  return all.slice(start, start + query.limit);
}

/** Mux's list body: `{ data: [...] }`, plus `next_cursor` while there are more. */
export function listBody<T, M>(page: Page<T>, toMux: (item: T) => M): { data: M[]; next_cursor?: string } {
  return { data: page.items.map(toMux), ...(page.next && { next_cursor: page.next }) };
}
