/**
 * The master MP4's URL (Mux's `master.url`), signed when an asset is read rather than stored: the transcoder that
 * writes the file holds no signing key (issue 13), so the record keeps `{ status: 'ready', expires_at }` and the
 * API and the webhook fan-out add the URL to what they send.
 *
 * The signature's expiry is the next whole hour plus the master's 24 hours: the same URL for every read within an
 * hour (cacheable, comparable), and never past what Mux promises a URL lasts. The file itself goes with the sweep at
 * the master's own expiry, so a URL read late in the day opens nothing once the master is removed.
 */
import { MASTER_LIFETIME_SECONDS } from '../domain/master.js';

/** Signs `{streamUrl}/assets/<id>/master.mp4` until `expiresAt` (unix seconds). */
export type MasterUrlSigner = (assetId: string, expiresAt: number) => Promise<string>;

/** When a URL signed at `nowSeconds` expires: the next whole hour, plus the master's lifetime. */
export function masterUrlExpiry(nowSeconds: number): number {
  return Math.ceil(nowSeconds / 3600) * 3600 + MASTER_LIFETIME_SECONDS;
}

interface Rendered {
  id?: unknown;
  master?: { status?: unknown; url?: unknown };
}

/**
 * Adds `master.url` to every rendered asset inside `value` (an asset, a list of them, an event and its data) whose
 * master is ready and carries no URL; changes `value` in place and returns it. Without a signer it is left as is.
 */
export async function withMasterUrls<T>(
  value: T,
  sign: MasterUrlSigner | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<T> {
  if (!sign) return value;
  const pending: Promise<void>[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 4 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const asset = node as Rendered;
    const { master } = asset;
    if (typeof asset.id === 'string' && master?.status === 'ready' && master.url === undefined) {
      const id = asset.id;
      pending.push(
        sign(id, masterUrlExpiry(nowSeconds)).then((url) => {
          master.url = url;
        }),
      );
    }
    for (const child of Object.values(node)) visit(child, depth + 1);
  };
  visit(value, 0);
  await Promise.all(pending);
  return value;
}
