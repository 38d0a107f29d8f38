import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function encode(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/**
 * The longest id any record can have: Gamma's own are 24 characters and Mux's well under 100. DynamoDB answers a
 * key over 2048 bytes with an error (a 500 to the caller), so a longer id is refused before it reaches a table: it
 * cannot name anything.
 */
export const MAX_ID_LENGTH = 255;

/** Whether `id` could name a record at all (see MAX_ID_LENGTH); bytes, as DynamoDB counts them. */
export const isPossibleId = (id: string) => Buffer.byteLength(id) <= MAX_ID_LENGTH;

/** A random Mux-style id (base62, 24 characters by default). */
export function newId(length = 24): string {
  return encode(randomBytes(length), length);
}

/**
 * A deterministic id derived from another: the asset of an upload always gets the same id, so a duplicate
 * S3 event or a retried message can only ever find the asset it already created.
 */
export function derivedId(kind: string, from: string, length = 24): string {
  return encode(createHash('sha256').update(`${kind}:${from}`).digest(), length);
}
