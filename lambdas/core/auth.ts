import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { isPossibleId } from './domain/ids.js';

/** Access-token secrets at rest: scrypt with a random salt, stored as `salt:hash` in hex. */

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, KEY_LENGTH);
  return `${salt.toString('hex')}:${hash.toString('hex')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [saltHex, hashHex] = stored.split(':');
  if (!saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(secret, Buffer.from(saltHex, 'hex'), KEY_LENGTH);
  return timingSafeEqual(actual, expected);
}

export interface Credentials {
  id: string;
  secret: string;
}

/** `<id>:<secret>`, the form inside HTTP Basic and the WebSocket `token` query parameter. */
export function parseCredentials(pair: string): Credentials | undefined {
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1) return undefined;
  const id = pair.slice(0, colon);
  // An id no token can have is no credential: refused as unknown (401), never looked up.
  return isPossibleId(id) ? { id, secret: pair.slice(colon + 1) } : undefined;
}

/** `Basic base64(<id>:<secret>)`, as Mux's API takes its access tokens. */
export function parseBasicAuthorization(header: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  return m?.[1] ? parseCredentials(Buffer.from(m[1], 'base64').toString('utf8')) : undefined;
}
