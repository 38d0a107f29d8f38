/** Signing keys for signed playback (`/system/v1/signing-keys`, as Mux): RSA 2048, the private half shown once. */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { SigningKey, SigningKeyRepository } from '../ports.js';

const generateRsa = promisify(generateKeyPair);

export interface SigningKeysContext {
  env: string;
  signingKeys: SigningKeyRepository;
  now?: () => number;
}

const view = (key: SigningKey) => ({ id: key.id, created_at: String(key.created_at) });

/** Creates a key pair, stores the public key, and returns the private key as Mux does: base64 of a PKCS#1 PEM. */
export async function createSigningKey(ctx: SigningKeysContext) {
  const { publicKey, privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const key: SigningKey = {
    id: newId(),
    env: ctx.env,
    public_key: publicKey,
    created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
  };
  await ctx.signingKeys.put(key);
  return { ...view(key), private_key: Buffer.from(privateKey).toString('base64') };
}

export async function listSigningKeys(ctx: SigningKeysContext) {
  return { data: (await ctx.signingKeys.listByEnv(ctx.env)).map(view) };
}

export async function getSigningKey(id: string, ctx: SigningKeysContext) {
  const key = await ctx.signingKeys.get(id);
  if (!key || key.env !== ctx.env) throw new NotFoundError('signing_key', id);
  return view(key);
}

export async function deleteSigningKey(id: string, ctx: SigningKeysContext): Promise<void> {
  await ctx.signingKeys.delete(ctx.env, id);
}

/** The public key a token's `kid` names, if that key belongs to `env` (a key of another environment is unknown). */
export function publicKeyLookup(env: string, signingKeys: Pick<SigningKeyRepository, 'get'>) {
  return async (keyId: string) => {
    const key = await signingKeys.get(keyId);
    return key?.env === env ? key.public_key : undefined;
  };
}
