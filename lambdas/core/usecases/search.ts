/**
 * `GET /video/v1/assets?search=…&status=…`: Gamma's extension of Mux's asset list. `search` finds the environment's
 * assets whose id, title, creator id, external id or passthrough (or a word of the title or passthrough) starts with
 * it, ignoring case; `status` keeps one status. Without either, the plain list.
 */
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { type AssetRecord, toMuxAsset } from '../domain/media.js';
import { MIN_SEARCH_LENGTH, matches, normalise } from '../domain/search.js';
import type { AssetSearchIndex, MediaRepository, Page } from '../ports.js';
import { listAssets as listAllAssets } from './assets.js';
import { LIST_FIELDS, listBody, MAX_WALKED_PAGE, pageOrCursor, pageWithinReach, walkedPageOf } from './listing.js';

/** Index reads one request may make before it answers with what it found and a cursor to carry on. */
export const MAX_SEARCH_ROUNDS = 5;
/** Entries read per result wanted when a status filter may drop most of them, at most MAX_SEARCH_READ a read. */
export const SEARCH_READ_AHEAD = 4;
export const MAX_SEARCH_READ = 100;

export const AssetListQuery = z
  .strictObject({
    ...LIST_FIELDS,
    search: z
      .string()
      .transform(normalise)
      .refine((q) => Array.from(q).length >= MIN_SEARCH_LENGTH, {
        error: `must have at least ${MIN_SEARCH_LENGTH} characters`,
      })
      .optional(),
    status: z.enum(['preparing', 'ready', 'errored'], { error: 'must be preparing, ready or errored' }).optional(),
    upload_id: z.string().min(1, { error: 'must not be empty' }).optional(),
    // No live streams here: Mux's filter is accepted and lists nothing.
    live_stream_id: z.string().min(1, { error: 'must not be empty' }).optional(),
  })
  .refine(pageOrCursor.check, pageOrCursor.message)
  .refine((q) => (q.search ?? q.status) !== undefined || pageWithinReach.check(q), pageWithinReach.message)
  .refine((q) => (q.search ?? q.status) === undefined || q.page <= MAX_WALKED_PAGE, {
    error: `must be at most ${MAX_WALKED_PAGE} with search or status; use cursor (the next_cursor of a list) for deeper pages`,
    path: ['page'],
  });
export type AssetListQuery = z.output<typeof AssetListQuery>;

export interface SearchContext {
  env: string;
  media: MediaRepository;
  search: AssetSearchIndex;
}

export async function listAssets(query: AssetListQuery, ctx: SearchContext) {
  const { search, status } = query;
  if ((query.upload_id ?? query.live_stream_id) !== undefined && (search ?? status) !== undefined) {
    throw new ValidationError([
      `query.${query.upload_id !== undefined ? 'upload_id' : 'live_stream_id'}: cannot be combined with search or status`,
    ]);
  }
  let fetch: (limit: number, cursor?: string) => Promise<Page<AssetRecord>>;
  if (search !== undefined) fetch = (limit, cursor) => searchPage(search, status, limit, cursor, ctx);
  else if (status !== undefined) {
    fetch = (limit, cursor) => fill((l, c) => ctx.search.listByStatus(ctx.env, status, l, c), limit, cursor);
  } else return listAllAssets(query, ctx);
  return listBody(await walkedPageOf(fetch, query), toMuxAsset);
}

/**
 * One page of search results: entries from the index, then their assets, keeping those of the environment, not
 * deleted, in the status asked for and still matching (an entry may be a moment behind an edit). With a status filter
 * it reads SEARCH_READ_AHEAD times the entries it needs (most may be dropped) and resumes after the last one it used.
 * An asset found through two of its fields appears once per page.
 */
function searchPage(
  query: string,
  status: AssetRecord['status'] | undefined,
  limit: number,
  cursor: string | undefined,
  ctx: SearchContext,
): Promise<Page<AssetRecord>> {
  const wanted = (a: AssetRecord | undefined): a is AssetRecord =>
    a !== undefined &&
    a.env === ctx.env &&
    a.status !== 'deleted' &&
    (status === undefined || a.status === status) &&
    matches(a, query);
  return fill(
    async (want, from) => {
      const read = status === undefined ? want : Math.min(want * SEARCH_READ_AHEAD, MAX_SEARCH_READ);
      const page = await ctx.search.find(ctx.env, query, read, from);
      const byId = new Map((await ctx.search.getAssets(page.items.map((h) => h.id))).map((a) => [a.id, a]));
      const kept: AssetRecord[] = [];
      for (const [i, hit] of page.items.entries()) {
        const asset = byId.get(hit.id);
        if (wanted(asset)) kept.push(asset);
        if (kept.length === want) {
          const rest = i < page.items.length - 1;
          return { items: kept, ...((rest || page.next) && { next: rest ? hit.after : page.next }) };
        }
      }
      return { items: kept, ...(page.next && { next: page.next }) };
    },
    limit,
    cursor,
  );
}

/**
 * Reads filtered pages until `limit` items are found, the listing ends, or MAX_SEARCH_ROUNDS reads were made (then
 * the page comes short, with a cursor to carry on, as a DynamoDB filtered query does).
 */
async function fill(
  read: (limit: number, cursor?: string) => Promise<Page<AssetRecord>>,
  limit: number,
  cursor: string | undefined,
): Promise<Page<AssetRecord>> {
  const found = new Map<string, AssetRecord>();
  let next = cursor;
  for (let round = 0; round < MAX_SEARCH_ROUNDS && found.size < limit; round++) {
    const page = await read(limit - found.size, next);
    for (const asset of page.items) found.set(asset.id, asset);
    next = page.next;
    if (!next) break;
  }
  return { items: [...found.values()], ...(next && { next }) };
}
