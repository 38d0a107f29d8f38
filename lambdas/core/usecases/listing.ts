import { z } from 'zod';
import type { Page } from '../ports.js';

const positiveInt = (field: string) =>
  z.coerce.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, `${field} starts at 1`);

/** Query parameters of Mux's list endpoints: `limit` (default 25, max 100) and `page`, plus Gamma's `cursor`. */
export const ListFields = z.strictObject({
  limit: positiveInt('limit').max(100, { error: 'must be at most 100' }).default(25),
  page: positiveInt('page').default(1),
  cursor: z.string().min(1, { error: 'must not be empty' }).optional(),
});

/** A list query (ListFields, extended with a list's own filters) may not name both a page and a cursor. */
export const onePageRule: [
  (q: { cursor?: string | undefined; page: number }) => boolean,
  { error: string; path: PropertyKey[] },
] = [
  (q) => q.cursor === undefined || q.page === 1,
  { error: 'cannot be combined with cursor (the cursor already says where the page starts)', path: ['page'] },
];

export const ListQuery = ListFields.refine(...onePageRule);
export type ListQuery = z.output<typeof ListQuery>;

/**
 * The page a list query asks for. A cursor starts where an earlier page ended; a page number walks the pages
 * before it (DynamoDB has no offset), which is fine for the first few pages a UI shows.
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
