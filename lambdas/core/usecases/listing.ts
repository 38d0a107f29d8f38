import { z } from 'zod';
import type { Page } from '../ports.js';

const positiveInt = (field: string) =>
  z.coerce.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, `${field} starts at 1`);

/**
 * The deepest `page` a list query may ask for. DynamoDB has no offset: page N costs N sequential reads (each up to
 * MAX_SEARCH_ROUNDS on a search), so without a cap one request could make unbounded work. `cursor` goes deeper.
 */
export const MAX_PAGE = 10;

/**
 * The longest `cursor` accepted. A cursor is the base64url of a LastEvaluatedKey (the search index's is the longest:
 * ids of at most 255 bytes and entries of at most 128 characters, under 3 KB); a longer one is no cursor of ours and
 * is refused before it reaches DynamoDB (whose key-size error would be a 500).
 */
export const MAX_CURSOR_LENGTH = 4096;

/** The fields of Mux's list queries: `limit` (default 25, max 100) and `page`, plus Gamma's `cursor`. */
export const LIST_FIELDS = {
  limit: positiveInt('limit').max(100, { error: 'must be at most 100' }).default(25),
  page: positiveInt('page')
    .max(MAX_PAGE, { error: `must be at most ${MAX_PAGE}; use cursor (the next_cursor of a list) for deeper pages` })
    .default(1),
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

/** Query parameters of Mux's list endpoints. */
export const ListQuery = z.strictObject(LIST_FIELDS).refine(pageOrCursor.check, pageOrCursor.message);
export type ListQuery = z.output<typeof ListQuery>;

/**
 * The page a list query asks for. A cursor starts where an earlier page ended; a page number walks the pages
 * before it (DynamoDB has no offset), which is fine for the first MAX_PAGE pages a UI shows.
 */
export async function pageOf<T>(
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

/** Mux's list body: `{ data: [...] }`, plus `next_cursor` while there are more. */
export function listBody<T, M>(page: Page<T>, toMux: (item: T) => M): { data: M[]; next_cursor?: string } {
  return { data: page.items.map(toMux), ...(page.next && { next_cursor: page.next }) };
}
