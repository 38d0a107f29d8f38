/**
 * Signed playback, as Mux does it: an RS256 JWT in `?token=` whose claims name the signing key (`kid`, a claim in
 * Mux's scheme; a `kid` header is accepted too), the playback id (`sub`), what for (`aud`: `v` video, `t` thumbnail,
 * `g` gif, `s` storyboard) and until when (`exp`, required). Verified with jose, pinned to RS256.
 */
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { isPossibleId } from './ids.js';

export type TokenAudience = 'v' | 't' | 'g' | 's';

/**
 * A valid token tells until when (`exp`, epoch seconds): what it grants must not outlive it; and the playback
 * restriction its `playback_restriction_id` claim names, if any (domain/playback-restrictions.ts).
 */
export type TokenCheck = { ok: true; expiresAt: number; restrictionId?: string } | { ok: false; reason: string };

/** Accepts `token` only if a known key signed it for `playbackId` and `audience` and it has not expired. */
export async function verifyPlaybackToken(
  token: string | undefined,
  expect: {
    playbackId: string;
    audience: TokenAudience;
    /** The SPKI PEM public key of a signing key id, if the key exists (and belongs to the playback id's environment). */
    publicKey: (keyId: string) => Promise<string | undefined>;
    nowSeconds?: number;
  },
): Promise<TokenCheck> {
  if (!token) return { ok: false, reason: 'This playback ID requires a signed token' };
  let keyId: string | undefined;
  try {
    const claimed = decodeJwt(token).kid;
    keyId = typeof claimed === 'string' ? claimed : decodeProtectedHeader(token).kid;
  } catch {
    return { ok: false, reason: 'The token is not a JWT' };
  }
  // A `kid` no signing key can have (over MAX_ID_LENGTH) is not looked up: it could only fail the lookup.
  const pem = keyId && isPossibleId(keyId) ? await expect.publicKey(keyId) : undefined;
  if (!pem) return { ok: false, reason: 'The token was not signed by a signing key of this environment' };
  try {
    const { payload } = await jwtVerify(token, await importSPKI(pem, 'RS256'), {
      algorithms: ['RS256'],
      subject: expect.playbackId,
      audience: expect.audience,
      requiredClaims: ['exp'],
      ...(expect.nowSeconds !== undefined && { currentDate: new Date(expect.nowSeconds * 1000) }),
    });
    const restriction = payload.playback_restriction_id;
    if (restriction !== undefined && (typeof restriction !== 'string' || !isPossibleId(restriction))) {
      return { ok: false, reason: 'The token is not valid: playback_restriction_id must be a playback restriction id' };
    }
    return {
      ok: true,
      expiresAt: payload.exp as number,
      ...(restriction !== undefined && { restrictionId: restriction }),
    };
  } catch (err) {
    return { ok: false, reason: `The token is not valid: ${(err as Error).message}` };
  }
}
