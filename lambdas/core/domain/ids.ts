import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function encode(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

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
