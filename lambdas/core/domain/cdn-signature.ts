/**
 * CloudFront signed URLs with a custom policy (Developer Guide, "Create a signed URL using a custom policy"): a JSON
 * policy naming a resource (with `*` / `?` wildcards) and an expiry, signed (RSA-SHA256, or SHA-1 without
 * `Hash-Algorithm`) by a key of the distribution's trusted key group. One signature covers every file of an asset
 * (`{streamUrl}/assets/{id}/*`), so the playback function signs once per master playlist (adapters/cdn-signer.ts,
 * with AWS's @aws-sdk/cloudfront-signer) and appends the same query to every URI.
 *
 * CloudFront checks these on AWS; `verifyCdnSignature` is the same check for the places that must make it
 * themselves: the local stream server (which plays CloudFront) and the playback function before it serves a
 * rendition playlist.
 */
import { createVerify, type KeyObject } from 'node:crypto';

/** The query parameters CloudFront reads a custom-policy signature from. */
export const SIGNATURE_PARAMS = ['Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'] as const;

/** CloudFront's URL-safe base64 (`+` → `-`, `=` → `_`, `/` → `~`), decoded. */
const fromCdnBase64 = (text: string) =>
  Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

/** The policy document, exactly as CloudFront expects it (no whitespace). */
export function cdnPolicy(resource: string, expiresAt: number): string {
  return JSON.stringify({
    Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expiresAt } } }],
  });
}

export type SignatureCheck = { ok: true; expiresAt: number } | { ok: false; reason: string };

/**
 * Checks a request URL as CloudFront does for a behavior with a trusted key group: the custom policy must be signed
 * by a known key, its resource must match the URL (scheme, host, path and any other query parameters; the
 * signature's own parameters excluded) and it must not have expired.
 */
export function verifyCdnSignature(
  url: URL,
  publicKey: (keyPairId: string) => string | KeyObject | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
  const [policyParam, signatureParam, keyPairId, hash] = SIGNATURE_PARAMS.map((name) => url.searchParams.get(name));
  if (!policyParam || !signatureParam || !keyPairId) return { ok: false, reason: 'Missing signature' };
  if (hash !== null && hash !== 'SHA256' && hash !== 'SHA1') return { ok: false, reason: 'Unknown Hash-Algorithm' };
  const key = publicKey(keyPairId);
  if (!key) return { ok: false, reason: 'Unknown key pair' };
  const policy = fromCdnBase64(policyParam);
  const algorithm = hash === 'SHA256' ? 'RSA-SHA256' : 'RSA-SHA1';
  if (!createVerify(algorithm).update(policy).verify(key, fromCdnBase64(signatureParam))) {
    return { ok: false, reason: 'Invalid signature' };
  }
  const statement = parseStatement(policy.toString('utf8'));
  if (!statement) return { ok: false, reason: 'Unsupported policy' };
  if (!wildcardMatch(statement.resource, unsignedUrl(url))) return { ok: false, reason: 'Resource not covered' };
  if (nowSeconds >= statement.expiresAt) return { ok: false, reason: 'Signature expired' };
  return { ok: true, expiresAt: statement.expiresAt };
}

/** The signature's query string of a request, to hand on to the URIs in a playlist; empty if there is none. */
export function signatureQuery(url: URL): string {
  const params = new URLSearchParams();
  for (const name of SIGNATURE_PARAMS) {
    const value = url.searchParams.get(name);
    if (value !== null) params.set(name, value);
  }
  return params.toString();
}

/** A policy of one statement with a resource and `DateLessThan` only (what the playback function signs). */
function parseStatement(json: string): { resource: string; expiresAt: number } | undefined {
  try {
    const doc = JSON.parse(json) as { Statement?: unknown };
    if (!Array.isArray(doc.Statement) || doc.Statement.length !== 1) return undefined;
    const { Resource, Condition } = doc.Statement[0] as { Resource?: unknown; Condition?: Record<string, unknown> };
    const conditions = Object.keys(Condition ?? {});
    const expiresAt = (Condition?.DateLessThan as Record<string, unknown> | undefined)?.['AWS:EpochTime'];
    if (typeof Resource !== 'string' || typeof expiresAt !== 'number') return undefined;
    if (conditions.some((c) => c !== 'DateLessThan')) return undefined;
    return { resource: Resource, expiresAt };
  } catch {
    return undefined;
  }
}

/** The URL CloudFront compares the policy's resource with: the request URL without the signature's parameters. */
function unsignedUrl(url: URL): string {
  const rest = new URLSearchParams(url.search);
  for (const name of SIGNATURE_PARAMS) rest.delete(name);
  const query = rest.toString();
  return `${url.protocol}//${url.host}${url.pathname}${query ? `?${query}` : ''}`;
}

/** `*` matches any run of characters, `?` exactly one, as in CloudFront policies. */
function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}
