import { assetOutputPrefix, MASTER_PLAYLIST } from '../domain/layout.js';
import { rewriteMasterPlaylist } from '../domain/playback.js';
import { verifyPlaybackToken } from '../domain/playback-token.js';
import type { MediaRepository, SigningKeyRepository } from '../ports.js';
import { publicKeyLookup } from './signing-keys.js';

/** Reads a text object; undefined when it does not exist. */
export interface TextObjects {
  getText(bucket: string, key: string): Promise<string | undefined>;
}

export type PlaybackResult = { status: 200; playlist: string } | { status: 403 | 404 | 412; message: string };

/**
 * Resolves `/{playbackId}.m3u8`: the playback id must exist and be public, and its asset must be playable: ready,
 * or still preparing once the transcoder has published a first master playlist (fast start). The transcoder writes
 * the master only after its renditions' first segments, so an asset without one is not served.
 */
export async function resolvePlayback(
  playbackId: string,
  deps: {
    media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>;
    objects: TextObjects;
    outputBucket: string;
    /** Public keys for `signed` playback ids; without it they never play. */
    signingKeys?: Pick<SigningKeyRepository, 'get'>;
  },
  /** The `?token=` a `signed` playback id needs (signing-keys.ts, playback-token.ts). */
  request: { token?: string } = {},
): Promise<PlaybackResult> {
  const playback = await deps.media.getPlaybackId(playbackId);
  if (!playback) return { status: 404, message: 'Playback ID not found' };
  const asset = await deps.media.getAsset(playback.asset_id);
  if (!asset || asset.status === 'deleted') return { status: 404, message: 'Playback ID not found' };
  if (playback.policy !== 'public') {
    const keys = deps.signingKeys ?? { get: async () => undefined };
    const publicKey = publicKeyLookup(asset.env, keys);
    const check = await verifyPlaybackToken(request.token, { playbackId, audience: 'v', publicKey });
    if (!check.ok) return { status: 403, message: check.reason };
  }
  if (asset.status === 'errored') return { status: 412, message: 'The asset is errored' };
  const master = await deps.objects.getText(deps.outputBucket, `${assetOutputPrefix(asset.id)}/${MASTER_PLAYLIST}`);
  if (master === undefined) return { status: 412, message: `The asset is ${asset.status} and not playable yet` };
  return { status: 200, playlist: rewriteMasterPlaylist(master, asset.id) };
}
