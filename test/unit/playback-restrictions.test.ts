/**
 * Playback restrictions: the rule (domains with wildcards, no Referer, User-Agent), the API's shapes and validation,
 * and enforcement on signed playback with a token the Mux SDK signed, including what may be cached.
 */
import Mux from '@mux/mux-node';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ValidationError } from '../../lambdas/core/domain/errors.js';
import {
  allowedDomainsProblems,
  checkRestriction,
  hostAllowed,
  isHighRiskAgent,
  type PlaybackRestrictionRules,
} from '../../lambdas/core/domain/playback-restrictions.js';
import { WholeListQuery } from '../../lambdas/core/usecases/listing.js';
import { resolvePlayback, type TextObjects } from '../../lambdas/core/usecases/playback.js';
import {
  CreatePlaybackRestrictionInput,
  createPlaybackRestriction,
  deletePlaybackRestriction,
  getPlaybackRestriction,
  listPlaybackRestrictions,
  MAX_PLAYBACK_RESTRICTIONS,
  ReferrerInput,
  UserAgentInput,
  updateReferrer,
  updateUserAgent,
} from '../../lambdas/core/usecases/playback-restrictions.js';
import { createSigningKey } from '../../lambdas/core/usecases/signing-keys.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { createPlaybackHandler } from '../../lambdas/handlers/playback.js';
import { InMemoryPlaybackRestrictions, InMemorySigningKeys } from './api-fakes.js';
import { testSigner } from './cdn-keys.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const rules = (referrer: Partial<PlaybackRestrictionRules['referrer']>, userAgent = {}): PlaybackRestrictionRules => ({
  referrer: { allowed_domains: [], allow_no_referrer: false, ...referrer },
  user_agent: { allow_no_user_agent: true, allow_high_risk_user_agent: true, ...userAgent },
});

describe('the referrer rule', () => {
  it('matches a host exactly, and a wildcard one label deeper only', () => {
    const list = ['example.com', '*.foo.com'];
    expect(hostAllowed('example.com', list)).toBe(true);
    expect(hostAllowed('EXAMPLE.com.', list)).toBe(true);
    expect(hostAllowed('www.example.com', list)).toBe(false);
    expect(hostAllowed('www.foo.com', list)).toBe(true);
    expect(hostAllowed('foo.com', list)).toBe(false);
    expect(hostAllowed('a.b.foo.com', list)).toBe(false);
    expect(hostAllowed('evilfoo.com', list)).toBe(false);
    expect(hostAllowed('www.foo.com.evil.net', list)).toBe(false);
  });

  it('allows any page with ["*"] and none with []', () => {
    expect(hostAllowed('anything.example', ['*'])).toBe(true);
    expect(hostAllowed('example.com', [])).toBe(false);
  });

  it('reads the host of the Referer URL; no Referer follows allow_no_referrer', () => {
    const r = rules({ allowed_domains: ['*.example.com'] });
    expect(checkRestriction(r, { referer: 'https://www.example.com/watch?v=1' })).toEqual({ ok: true });
    expect(checkRestriction(r, { referer: 'https://www.example.com.evil.net/' })).toEqual({
      ok: false,
      reason: 'The playback restriction does not allow playback on www.example.com.evil.net',
    });
    expect(checkRestriction(r, {}).ok).toBe(false);
    expect(checkRestriction(r, { referer: '  ' }).ok).toBe(false);
    expect(checkRestriction(rules({ allowed_domains: [], allow_no_referrer: true }), {})).toEqual({ ok: true });
    expect(checkRestriction(r, { referer: 'not a url' })).toEqual({
      ok: false,
      reason: 'The Referer header is not an http(s) URL',
    });
    expect(checkRestriction(rules({ allowed_domains: ['*'] }), { referer: 'android-app://com.example/' }).ok).toBe(
      false,
    );
  });

  it('validates entries as Mux defines them: hosts, one leading wildcard label, "*" alone, up to 10', () => {
    expect(allowedDomainsProblems(['example.com', '*.example.com', 'xn--bcher-kva.example', '*'])).toEqual([
      '"*" allows every domain: give it alone',
    ]);
    expect(allowedDomainsProblems(['https://example.com', 'example.com:443', 'localhost', '*.com', 'a.*.com'])).toEqual(
      [
        '0: must be a host name, without a scheme, port or path (example.com)',
        '1: must be a host name, without a scheme, port or path (example.com)',
        '2: must name a domain of at least two labels (example.com, *.example.com)',
        '3: must name a domain of at least two labels (example.com, *.example.com)',
        '4: may hold a wildcard only as its first label (*.example.com)',
      ],
    );
    expect(allowedDomainsProblems(['-bad.com', 'ex ample.com'])).toHaveLength(2);
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}.example.com`);
    expect(() => parseOrThrow(ReferrerInput, { allowed_domains: eleven })).toThrow(
      'allowed_domains: must hold at most 10 domains',
    );
    // DNS names ignore case: stored lower-cased.
    expect(parseOrThrow(ReferrerInput, { allowed_domains: ['WWW.Example.COM'] }).allowed_domains).toEqual([
      'www.example.com',
    ]);
  });
});

describe('the user-agent rule', () => {
  it.each([
    'curl/8.5.0',
    'Wget/1.21.4',
    'yt-dlp/2024.12.06',
    'Lavf/60.16.100',
    'python-requests/2.32.3',
    'Go-http-client/1.1',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  ])('treats %s as high risk', (agent) => expect(isHighRiskAgent(agent)).toBe(true));

  it.each([
    CHROME,
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)',
    'ExoPlayerLib/2.19.1',
    'Roku/DVP-13.0 (13.0.0.4153-C8)',
    'curly-player/1.0',
  ])('lets %s play', (agent) => expect(isHighRiskAgent(agent)).toBe(false));

  it('applies allow_no_user_agent and allow_high_risk_user_agent', () => {
    const r = rules(
      { allowed_domains: ['*'], allow_no_referrer: true },
      {
        allow_no_user_agent: false,
        allow_high_risk_user_agent: false,
      },
    );
    expect(checkRestriction(r, { userAgent: CHROME })).toEqual({ ok: true });
    expect(checkRestriction(r, {}).ok).toBe(false);
    expect(checkRestriction(r, { userAgent: 'curl/8.5.0' })).toEqual({
      ok: false,
      reason: 'The playback restriction does not allow this user agent',
    });
    const open = rules({ allowed_domains: ['*'], allow_no_referrer: true });
    expect(checkRestriction(open, { userAgent: 'curl/8.5.0' })).toEqual({ ok: true });
    expect(checkRestriction(open, {})).toEqual({ ok: true });
  });
});

describe('the API', () => {
  let restrictions: InMemoryPlaybackRestrictions;
  let now = 1_700_000_000_000;
  const ctx = (env = 'env1') => ({ env, restrictions, now: () => now });
  const create = (body: unknown, env = 'env1') =>
    createPlaybackRestriction(parseOrThrow(CreatePlaybackRestrictionInput, body), ctx(env));

  beforeEach(() => {
    restrictions = new InMemoryPlaybackRestrictions();
  });

  it("takes Mux's create body and answers Mux's shape; user_agent left out is Mux's defaults", async () => {
    const made = await create({ referrer: { allowed_domains: ['*.example.com'], allow_no_referrer: true } });
    expect(made).toEqual({
      id: expect.any(String),
      created_at: '1700000000',
      updated_at: '1700000000',
      referrer: { allowed_domains: ['*.example.com'], allow_no_referrer: true },
      user_agent: { allow_no_user_agent: true, allow_high_risk_user_agent: true },
    });
    expect(await getPlaybackRestriction(made.id, ctx())).toEqual(made);
  });

  it('refuses unknown fields, wrong types and a missing referrer, naming each', () => {
    const messages = (body: unknown) => {
      try {
        parseOrThrow(CreatePlaybackRestrictionInput, body);
        return [];
      } catch (err) {
        return (err as ValidationError).messages;
      }
    };
    expect(messages({})).toEqual(['referrer: is required']);
    expect(messages({ referrer: { allowed_domains: ['a.com'], colour: 1 } })).toEqual([
      'referrer.colour: is not a known field',
    ]);
    expect(messages({ referrer: { allowed_domains: 'a.com' } })).toEqual([
      'referrer.allowed_domains: must be a list of domains',
    ]);
    expect(messages({ referrer: { allowed_domains: [] }, user_agent: { allow_no_user_agent: 'no' } })).toEqual([
      'user_agent.allow_no_user_agent: must be true or false',
    ]);
  });

  it('replaces one rule at a time, updates updated_at, and keeps environments apart', async () => {
    const made = await create({ referrer: { allowed_domains: ['a.com'] } });
    now += 5000;
    const referrer = parseOrThrow(ReferrerInput, { allowed_domains: ['b.com'] });
    expect(await updateReferrer(made.id, referrer, ctx())).toMatchObject({
      updated_at: '1700000005',
      referrer: { allowed_domains: ['b.com'], allow_no_referrer: false },
      user_agent: { allow_no_user_agent: true },
    });
    const agent = parseOrThrow(UserAgentInput, { allow_no_user_agent: false, allow_high_risk_user_agent: false });
    expect((await updateUserAgent(made.id, agent, ctx())).user_agent).toEqual({
      allow_no_user_agent: false,
      allow_high_risk_user_agent: false,
    });
    await expect(getPlaybackRestriction(made.id, ctx('env2'))).rejects.toThrow('not found');
    await expect(updateReferrer(made.id, referrer, ctx('env2'))).rejects.toThrow('not found');
    await expect(deletePlaybackRestriction(made.id, ctx('env2'))).rejects.toThrow('not found');
    await deletePlaybackRestriction(made.id, ctx());
    await expect(getPlaybackRestriction(made.id, ctx())).rejects.toThrow('not found');
  });

  it('pages the list by number, as the SDK does until a page is empty, and bounds each environment', async () => {
    for (let i = 0; i < 5; i++) await create({ referrer: { allowed_domains: [`s${i}.example.com`] } });
    await create({ referrer: { allowed_domains: ['other.example.com'] } }, 'env2');
    const page = async (query: unknown) =>
      (await listPlaybackRestrictions(parseOrThrow(WholeListQuery, query, 'query'), ctx())).data.map(
        (r) => r.referrer.allowed_domains[0],
      );
    expect(await page({ limit: '2' })).toEqual(['s4.example.com', 's3.example.com']);
    expect(await page({ limit: '2', page: '3' })).toEqual(['s0.example.com']);
    expect(await page({ limit: '2', page: '4' })).toEqual([]);
    expect(() => parseOrThrow(WholeListQuery, { cursor: 'x' }, 'query')).toThrow('cursor: is not a known field');
    for (let i = 5; i < MAX_PLAYBACK_RESTRICTIONS; i++) await create({ referrer: { allowed_domains: ['a.com'] } });
    await expect(create({ referrer: { allowed_domains: ['a.com'] } })).rejects.toThrow(
      `an environment has at most ${MAX_PLAYBACK_RESTRICTIONS} playback restrictions`,
    );
  });
});

describe('enforcement on signed playback', () => {
  const mux = new Mux({ tokenId: 'x', tokenSecret: 'y' });
  const objects: TextObjects = { getText: async () => '#EXTM3U\n360p/index.m3u8\n' };
  let media: InMemoryMediaRepository;
  let signingKeys: InMemorySigningKeys;
  let restrictions: InMemoryPlaybackRestrictions;
  let key: Awaited<ReturnType<typeof createSigningKey>>;
  let restrictionId: string;

  beforeEach(async () => {
    media = new InMemoryMediaRepository();
    signingKeys = new InMemorySigningKeys();
    restrictions = new InMemoryPlaybackRestrictions();
    const playback_ids = [
      { id: 'signedplay1', policy: 'signed' as const },
      { id: 'public1', policy: 'public' as const },
    ];
    await media.createAsset(preparingAsset({ status: 'ready', playback_ids }));
    key = await createSigningKey({ env: 'env1', signingKeys });
    const body = {
      referrer: { allowed_domains: ['*.example.com'] },
      user_agent: { allow_high_risk_user_agent: false },
    };
    restrictionId = (
      await createPlaybackRestriction(parseOrThrow(CreatePlaybackRestrictionInput, body), {
        env: 'env1',
        restrictions,
      })
    ).id;
  });

  const sign = (params: Record<string, string> = { playback_restriction_id: restrictionId }) =>
    mux.jwt.signPlaybackId('signedplay1', { keyId: key.id, keySecret: key.private_key, expiration: '60s', params });
  const play = async (
    playbackId: string,
    token: string | undefined,
    viewer: { referer?: string; userAgent?: string },
  ) =>
    resolvePlayback(
      playbackId,
      { media, objects, outputBucket: 'out', signingKeys, restrictions, signer: testSigner() },
      { ...(token && { token }), viewer },
    );
  const onSite = { referer: 'https://www.example.com/watch', userAgent: CHROME };

  it('plays for an allowed page and agent, and says the answer must not be stored', async () => {
    const result = await play('signedplay1', await sign(), onSite);
    expect(result).toMatchObject({ status: 200, cacheControl: 'private, no-store' });
  });

  it.each([
    ['another site', { ...onSite, referer: 'https://elsewhere.net/' }],
    ['no Referer', { userAgent: CHROME }],
    ['a download tool', { ...onSite, userAgent: 'curl/8.5.0' }],
  ])('refuses %s with 403', async (_, viewer) => {
    expect(await play('signedplay1', await sign(), viewer)).toMatchObject({ status: 403 });
  });

  it('refuses a token naming a deleted restriction, or one of another environment', async () => {
    const token = await sign();
    await deletePlaybackRestriction(restrictionId, { env: 'env1', restrictions });
    expect(await play('signedplay1', token, onSite)).toMatchObject({
      status: 403,
      message: 'The playback restriction the token names does not exist',
    });
    const other = await createPlaybackRestriction(
      parseOrThrow(CreatePlaybackRestrictionInput, { referrer: { allowed_domains: ['*'] } }),
      { env: 'env2', restrictions },
    );
    expect(await play('signedplay1', await sign({ playback_restriction_id: other.id }), onSite)).toMatchObject({
      status: 403,
    });
  });

  it('applies a changed restriction on the next request', async () => {
    const token = await sign();
    expect((await play('signedplay1', token, onSite)).status).toBe(200);
    await updateReferrer(restrictionId, parseOrThrow(ReferrerInput, { allowed_domains: ['other.org'] }), {
      env: 'env1',
      restrictions,
    });
    expect((await play('signedplay1', token, onSite)).status).toBe(403);
  });

  it("the playback function reads the viewer's Referer and User-Agent and answers them uncacheable", async () => {
    const handler = createPlaybackHandler(() => ({
      media,
      objects,
      bytes: { getBytes: async () => undefined },
      outputBucket: 'out',
      signingKeys,
      restrictions,
      signer: testSigner(),
    }));
    const token = await sign();
    const get = (headers: Record<string, string>) =>
      handler({
        rawPath: '/signedplay1.m3u8',
        rawQueryString: `token=${token}`,
        queryStringParameters: { token },
        headers,
        requestContext: { http: { method: 'GET' } },
      } as never);
    const viewer = { referer: 'https://www.example.com/watch', 'user-agent': CHROME };
    expect(await get(viewer)).toMatchObject({ statusCode: 200, headers: { 'cache-control': 'private, no-store' } });
    expect(await get({ ...viewer, referer: 'https://elsewhere.net/' })).toMatchObject({
      statusCode: 403,
      headers: { 'cache-control': 'no-store' },
      body: 'The playback restriction does not allow playback on elsewhere.net',
    });
  });

  it('leaves tokens without the claim, and public playback ids, unrestricted and cacheable', async () => {
    expect(await play('signedplay1', await sign({}), { userAgent: 'curl/8.5.0' })).toMatchObject({
      status: 200,
      cacheControl: 'public, max-age=10',
    });
    expect(await play('public1', undefined, {})).toMatchObject({ status: 200, cacheControl: 'public, max-age=10' });
  });
});
