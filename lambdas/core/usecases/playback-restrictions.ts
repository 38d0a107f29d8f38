/**
 * Playback restrictions (`/video/v1/playback-restrictions`, Mux's paths and shapes): create, list, retrieve, delete,
 * and replace the referrer or the user-agent rule. Applied to signed playback by `authorizePlayback`
 * (signing-keys.ts) when a token names one in its `playback_restriction_id` claim.
 */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { allowedDomainsProblems, MAX_ALLOWED_DOMAINS } from '../domain/playback-restrictions.js';
import type { PlaybackRestriction, PlaybackRestrictionRepository } from '../ports.js';
import { pageOfWhole, type WholeListQuery } from './listing.js';

/**
 * At most this many restrictions per environment (Mux documents no number): a restriction is usually one per site
 * or product, and the list is read whole (one query) to page it.
 */
export const MAX_PLAYBACK_RESTRICTIONS = 100;

/** Mux's `referrer`: `allowed_domains` required, `allow_no_referrer` false unless given. */
export const ReferrerInput = z.strictObject({
  allowed_domains: z
    .array(z.string({ error: 'must be a string' }).trim().toLowerCase(), { error: 'must be a list of domains' })
    .max(MAX_ALLOWED_DOMAINS, { error: `must hold at most ${MAX_ALLOWED_DOMAINS} domains` })
    .superRefine((domains, ctx) => {
      for (const problem of allowedDomainsProblems(domains)) ctx.addIssue({ code: 'custom', message: problem });
    }),
  allow_no_referrer: z.boolean({ error: 'must be true or false' }).default(false),
});

/** Mux's `user_agent`: both allowed unless said otherwise (Mux's defaults). */
export const UserAgentInput = z.strictObject({
  allow_no_user_agent: z.boolean({ error: 'must be true or false' }).default(true),
  allow_high_risk_user_agent: z.boolean({ error: 'must be true or false' }).default(true),
});

/** Mux's reference types `user_agent` as required, its own curl example leaves it out: absent, it is the defaults. */
export const CreatePlaybackRestrictionInput = z.strictObject({
  referrer: ReferrerInput,
  user_agent: UserAgentInput.optional(),
});
export type CreatePlaybackRestrictionInput = z.output<typeof CreatePlaybackRestrictionInput>;

export interface PlaybackRestrictionsContext {
  env: string;
  restrictions: PlaybackRestrictionRepository;
  now?: () => number;
}

const nowSeconds = (ctx: PlaybackRestrictionsContext) => Math.floor((ctx.now ?? Date.now)() / 1000);

/** As Mux shows it: times as strings of epoch seconds. */
const view = ({ id, created_at, updated_at, referrer, user_agent }: PlaybackRestriction) => ({
  id,
  created_at: String(created_at),
  updated_at: String(updated_at),
  referrer,
  user_agent,
});

const tooMany = () =>
  new ValidationError([
    `body: an environment has at most ${MAX_PLAYBACK_RESTRICTIONS} playback restrictions; delete one (DELETE /video/v1/playback-restrictions/{PLAYBACK_RESTRICTION_ID}) to add another`,
  ]);

/**
 * Creates a restriction, up to MAX_PLAYBACK_RESTRICTIONS per environment: counted before the write and again after
 * it, so of creates racing past the limit each takes its own back and is refused.
 */
export async function createPlaybackRestriction(
  input: CreatePlaybackRestrictionInput,
  ctx: PlaybackRestrictionsContext,
) {
  if ((await ctx.restrictions.listByEnv(ctx.env)).length >= MAX_PLAYBACK_RESTRICTIONS) throw tooMany();
  const now = nowSeconds(ctx);
  const restriction: PlaybackRestriction = {
    id: newId(),
    env: ctx.env,
    created_at: now,
    updated_at: now,
    referrer: input.referrer,
    user_agent: input.user_agent ?? UserAgentInput.parse({}),
  };
  await ctx.restrictions.put(restriction);
  if ((await ctx.restrictions.listByEnv(ctx.env)).length > MAX_PLAYBACK_RESTRICTIONS) {
    await ctx.restrictions.delete(ctx.env, restriction.id);
    throw tooMany();
  }
  return view(restriction);
}

export async function listPlaybackRestrictions(query: WholeListQuery, ctx: PlaybackRestrictionsContext) {
  return { data: pageOfWhole(await ctx.restrictions.listByEnv(ctx.env), query).map(view) };
}

export async function getPlaybackRestriction(id: string, ctx: PlaybackRestrictionsContext) {
  const restriction = await ctx.restrictions.get(id);
  if (!restriction || restriction.env !== ctx.env) throw new NotFoundError('playback_restriction', id);
  return view(restriction);
}

export async function deletePlaybackRestriction(id: string, ctx: PlaybackRestrictionsContext): Promise<void> {
  await ctx.restrictions.delete(ctx.env, id);
}

/** `PUT …/referrer`: the new rule replaces the old one whole (a list left out is Mux's default, not the old one). */
export async function updateReferrer(
  id: string,
  input: z.output<typeof ReferrerInput>,
  ctx: PlaybackRestrictionsContext,
) {
  return view(await ctx.restrictions.replaceRule(ctx.env, id, 'referrer', input, nowSeconds(ctx)));
}

/** `PUT …/user_agent`: replaces the user-agent rule whole. */
export async function updateUserAgent(
  id: string,
  input: z.output<typeof UserAgentInput>,
  ctx: PlaybackRestrictionsContext,
) {
  return view(await ctx.restrictions.replaceRule(ctx.env, id, 'user_agent', input, nowSeconds(ctx)));
}
