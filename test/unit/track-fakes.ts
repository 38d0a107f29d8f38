/** Fakes for text tracks: the tracks on the in-memory assets, files served by URL, and an output bucket in memory. */
import { InvalidInputError, NotFoundError, TransitionError } from '../../lambdas/core/domain/errors.js';
import { masterPlaylist } from '../../lambdas/core/domain/playlist.js';
import { TEXT_TRACK_TRANSITIONS, type TextTrackRecord } from '../../lambdas/core/domain/text-tracks-asset.js';
import type { FileFetcher, ObjectWriter, TextTrackRepository } from '../../lambdas/core/ports.js';
import type { TextObjects } from '../../lambdas/core/usecases/playback.js';
import type { InMemoryMediaRepository } from './fakes.js';

/** The same guards as the DynamoDB adapter: the asset ready, the track in the state named. */
export class InMemoryTextTracks implements TextTrackRepository {
  constructor(private readonly media: InMemoryMediaRepository) {}

  private ready(assetId: string, trackId: string) {
    const stored = this.media.assets.get(assetId);
    if (stored?.asset.status !== 'ready') throw new TransitionError('track', trackId, 'any', ['on a ready asset']);
    stored.asset.text_tracks ??= {};
    return stored.asset.text_tracks;
  }

  async addTextTrack(assetId: string, track: TextTrackRecord): Promise<void> {
    const tracks = this.ready(assetId, track.id);
    if (tracks[track.id]) throw new TransitionError('track', track.id, 'preparing', ['absent']);
    tracks[track.id] = structuredClone(track);
  }

  async finishTextTrack(assetId: string, trackId: string, to: 'ready' | 'errored', error?: TextTrackRecord['error']) {
    const track = this.ready(assetId, trackId)[trackId];
    if (!track || !TEXT_TRACK_TRANSITIONS[to].includes(track.status)) {
      throw new TransitionError('track', trackId, to, TEXT_TRACK_TRANSITIONS[to]);
    }
    track.status = to;
    if (error) track.error = error;
  }

  async updateTextTrack(assetId: string, trackId: string, patch: Partial<TextTrackRecord>) {
    const track = this.ready(assetId, trackId)[trackId];
    if (!track) throw new TransitionError('track', trackId, 'updated', ['present']);
    Object.assign(track, patch);
    return structuredClone(track);
  }

  async removeTextTrack(assetId: string, trackId: string): Promise<void> {
    const tracks = this.ready(assetId, trackId);
    if (!tracks[trackId]) throw new NotFoundError('track', trackId);
    delete tracks[trackId];
  }
}

/** Files by URL; an unknown URL answers 404, as the HTTP fetcher reports it. */
export class FakeFiles implements FileFetcher {
  readonly files = new Map<string, string | Uint8Array>();

  async fetchBytes(url: string, maxBytes: number): Promise<Uint8Array> {
    const body = this.files.get(url);
    if (body === undefined) throw new InvalidInputError('The input URL answered 404');
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    if (bytes.byteLength > maxBytes) throw new InvalidInputError(`The file is larger than ${maxBytes} bytes`);
    return bytes;
  }
}

/** An output bucket of text objects, read and written by key. */
export class InMemoryTextStore implements TextObjects, ObjectWriter {
  readonly objects = new Map<string, string>();

  async getText(bucket: string, key: string): Promise<string | undefined> {
    return this.objects.get(`${bucket}/${key}`);
  }

  async putText(bucket: string, key: string, body: string): Promise<void> {
    this.objects.set(`${bucket}/${key}`, body);
  }
}

/** A ready asset's stored playlists in the output bucket `output`: its master and one 14 s rendition of 6+6+2 s. */
export function storeRenditions(store: InMemoryTextStore, assetId: string): void {
  const variant = { uri: '360p/index.m3u8', bandwidth: 1, averageBandwidth: 1, codecs: 'avc1.64001e' };
  store.objects.set(`output/assets/${assetId}/master.m3u8`, masterPlaylist([variant], 7));
  store.objects.set(
    `output/assets/${assetId}/360p/index.m3u8`,
    '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.000,\na.m4s\n#EXTINF:6.000,\nb.m4s\n#EXTINF:2.000,\nc.m4s\n#EXT-X-ENDLIST\n',
  );
}
