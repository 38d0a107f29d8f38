/** What comes in from outside: URL inputs and the files of text tracks. */
import type { TextTrackRecord, TextTrackStatus } from '../domain/text-tracks-asset.js';

/** An asset whose source is fetched from a URL: the input queue's message. */
export interface InputJob {
  assetId: string;
  url: string;
}

export interface InputQueue {
  submit(job: InputJob): Promise<void>;
}

/** When a message received from a queue comes back (its visibility timeout). */
export interface Redelivery {
  /** Keeps the message hidden for `seconds` from now (0: back at once); its next receive comes after that. */
  after(receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * The URL inputs each environment has in flight (queued or fetching), bounded so one environment cannot fill the
 * fetch queue and hold every fetch function: a slot is claimed when the asset is created and released when its fetch
 * ends; a slot whose fetch never reports back (its message went to the dead-letter queue) lapses after its lease.
 */
export interface InputSlots {
  /** Claims a slot for `assetId` until `expiresAt` (unix seconds); false when `limit` live slots are held already. */
  claim(env: string, assetId: string, limit: number, expiresAt: number): Promise<boolean>;
  /** Gives the slot back; nothing happens when it is not held. */
  release(env: string, assetId: string): Promise<void>;
}

/**
 * Copies what a URL serves into the ingest bucket. Throws InvalidInputError when the URL cannot give a file (refused
 * address, 4xx, too many redirects) and other errors when a retry may succeed (5xx, network).
 */
export interface InputFetcher {
  /** `maxBytes` lowers the fetcher's own size limit for this file (a watermark image). */
  fetchTo(url: string, bucket: string, key: string, maxBytes?: number): Promise<{ bytes: number }>;
  /** Whether an earlier fetch stored the object (a write is whole or nothing, so it is complete). */
  stored(bucket: string, key: string): Promise<boolean>;
}

/**
 * Reads a small file from a URL into memory (a subtitle track), under the same address rules as input URLs.
 * Throws InvalidInputError when the URL cannot give it (refused address, 4xx, larger than `maxBytes`), other errors
 * when a retry may succeed.
 */
export interface FileFetcher {
  fetchBytes(url: string, maxBytes: number): Promise<Uint8Array>;
}

/** Writes objects into the output bucket (a text track's rendition). */
export interface ObjectWriter {
  putText(bucket: string, key: string, body: string, contentType: string): Promise<void>;
}

/**
 * The text tracks of an asset (`text_tracks` on its item, text-tracks-asset.ts), each written on its own with a
 * guarded condition. TransitionError when the asset is not `ready` (or the track not in the state named);
 * NotFoundError when the asset has no such track.
 */
export interface TextTrackRepository {
  /** Adds a `preparing` track to a ready asset. */
  addTextTrack(assetId: string, track: TextTrackRecord): Promise<void>;
  /** preparing → ready | errored (with its reason). */
  finishTextTrack(
    assetId: string,
    trackId: string,
    to: Exclude<TextTrackStatus, 'preparing'>,
    error?: TextTrackRecord['error'],
  ): Promise<void>;
  /** Sets the fields PATCH may change; returns the track as stored. */
  updateTextTrack(
    assetId: string,
    trackId: string,
    patch: Partial<Pick<TextTrackRecord, 'name' | 'language_code' | 'closed_captions' | 'passthrough'>>,
  ): Promise<TextTrackRecord>;
  removeTextTrack(assetId: string, trackId: string): Promise<void>;
}
