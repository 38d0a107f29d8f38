/**
 * Mux's playback restrictions (`/video/v1/playback-restrictions`): which web pages (the `Referer` header's host) and
 * which user agents may play a signed playback id whose token names the restriction (`playback_restriction_id`).
 * Mux applies them to signed playback only ("Playback Restrictions are only applicable to signed URLs"), so a
 * public playback id never reads one. The rule here is pure; usecases/signing-keys.ts applies it.
 */

/** Mux: "a list of up to 10 domains or valid dns-style wildcards". */
export const MAX_ALLOWED_DOMAINS = 10;
/** The longest host name DNS allows (RFC 1035), and so the longest entry. */
const MAX_HOST_LENGTH = 253;

export interface ReferrerRule {
  /** `[]` refuses every page, `["*"]` allows any, else hosts (`example.com`) and one-label wildcards (`*.example.com`). */
  allowed_domains: string[];
  /** Requests without a `Referer` (native apps, smart TVs, `Referrer-Policy: no-referrer`). Mux's default: false. */
  allow_no_referrer: boolean;
}

export interface UserAgentRule {
  /** Mux's default: true. */
  allow_no_user_agent: boolean;
  /** Mux's default: true. Which agents are high risk is Mux's to define; Gamma's list is HIGH_RISK_AGENTS. */
  allow_high_risk_user_agent: boolean;
}

export interface PlaybackRestrictionRules {
  referrer: ReferrerRule;
  user_agent: UserAgentRule;
}

/** What a viewer's request says about itself; an empty header counts as none, as a browser sends none. */
export interface ViewerHeaders {
  referer?: string;
  userAgent?: string;
}

export type RestrictionCheck = { ok: true } | { ok: false; reason: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `entry` is not an allowed domain, or undefined when it is one: `*` alone, a host of two or more labels, or
 * `*.` and such a host. Lower case, ASCII (an international name in its `xn--` form), no scheme, port or path.
 */
export function domainEntryProblem(entry: string): string | undefined {
  if (entry === '*') return undefined;
  if (entry.length > MAX_HOST_LENGTH) return `is longer than ${MAX_HOST_LENGTH} characters`;
  if (/[/:]/.test(entry)) return 'must be a host name, without a scheme, port or path (example.com)';
  const host = entry.startsWith('*.') ? entry.slice(2) : entry;
  if (host.includes('*')) return 'may hold a wildcard only as its first label (*.example.com)';
  const labels = host.split('.');
  if (labels.length < 2) return 'must name a domain of at least two labels (example.com, *.example.com)';
  if (!labels.every((label) => LABEL.test(label))) {
    return 'must be a lower-case DNS name: letters, digits and hyphens (an international name in its xn-- form)';
  }
  return undefined;
}

/** Problems of a whole `allowed_domains` list, each naming its index; `*` must stand alone (it allows every page). */
export function allowedDomainsProblems(domains: readonly string[]): string[] {
  const problems = domains.flatMap((entry, i) => {
    const problem = domainEntryProblem(entry);
    return problem ? [`${i}: ${problem}`] : [];
  });
  if (domains.includes('*') && domains.length > 1) problems.push('"*" allows every domain: give it alone');
  return problems;
}

/**
 * Whether `host` is allowed by the list. `example.com` matches that host alone; `*.example.com` matches exactly one
 * label more (`www.example.com`, not `example.com` nor `a.b.example.com`), as a DNS-style wildcard in a certificate
 * does — Mux's own example lists `example.com`, `*.example.com` and `*.foo.example.com` side by side.
 */
export function hostAllowed(host: string, allowedDomains: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowedDomains.some((entry) => {
    if (entry === '*') return true;
    if (!entry.startsWith('*.')) return entry === name;
    const suffix = entry.slice(1); // ".example.com"
    return name.endsWith(suffix) && !name.slice(0, -suffix.length).includes('.') && name.length > suffix.length;
  });
}

/**
 * Agents Gamma treats as high risk: download tools, HTTP libraries and headless browsers, which save a stream
 * rather than play it. Mux does not publish its list; a browser or a platform player (AVPlayer's AppleCoreMedia,
 * ExoPlayer, Roku) is never on this one. Matched as a product token (`curl/8.5.0`), ignoring case.
 */
export const HIGH_RISK_AGENTS = [
  'curl',
  'wget',
  'yt-dlp',
  'youtube-dl',
  'aria2',
  'lavf', // ffmpeg and ffprobe
  'ffmpeg',
  'streamlink',
  'n_m3u8dl-re',
  'python-requests',
  'python-urllib',
  'python-httpx',
  'aiohttp',
  'go-http-client',
  'libwww-perl',
  'httrack',
  'headlesschrome',
] as const;

const HIGH_RISK = new RegExp(`(?:^|[\\s(;])(?:${HIGH_RISK_AGENTS.map(escapeRegExp).join('|')})(?:/|\\s|;|\\)|$)`, 'i');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

export const isHighRiskAgent = (userAgent: string) => HIGH_RISK.test(userAgent);

/** Applies a restriction to one request: the Referer rule, then the User-Agent rule. */
export function checkRestriction(rules: PlaybackRestrictionRules, viewer: ViewerHeaders): RestrictionCheck {
  const referer = viewer.referer?.trim();
  if (!referer) {
    if (!rules.referrer.allow_no_referrer) {
      return { ok: false, reason: 'The playback restriction does not allow requests without a Referer header' };
    }
  } else {
    const host = hostOf(referer);
    if (host === undefined) return { ok: false, reason: 'The Referer header is not an http(s) URL' };
    if (!hostAllowed(host, rules.referrer.allowed_domains)) {
      return { ok: false, reason: `The playback restriction does not allow playback on ${host}` };
    }
  }
  const agent = viewer.userAgent?.trim();
  if (!agent) {
    if (!rules.user_agent.allow_no_user_agent) {
      return { ok: false, reason: 'The playback restriction does not allow requests without a User-Agent header' };
    }
  } else if (!rules.user_agent.allow_high_risk_user_agent && isHighRiskAgent(agent)) {
    return { ok: false, reason: 'The playback restriction does not allow this user agent' };
  }
  return { ok: true };
}

/** The host of a Referer (the WHATWG parser lower-cases it and turns an international name into its xn-- form). */
function hostOf(referer: string): string | undefined {
  try {
    const url = new URL(referer);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}
