/**
 * Fast start: publishes an encode while ffmpeg is still writing it. Every `intervalMs` it reads each rendition's
 * playlist (ffmpeg rewrites it, listing only finished segments, as each segment ends), uploads the segments it has
 * not uploaded yet, then the playlist itself, marked to play from the start. Once every rendition has
 * `firstSegments` segments it publishes a provisional master playlist (bit rates from the plan) and calls
 * `onPlayable`. `finish()` uploads the rest and the final playlists, the master last.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LadderPlan } from '../../../lambdas/core/domain/ladder.js';
import { renditionNames } from '../../../lambdas/core/domain/ladder.js';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../lambdas/core/domain/layout.js';
import {
  masterPlaylist,
  parseMediaPlaylist,
  plannedVariant,
  provisionalPlaylist,
  RENDITION_PLAYLIST,
} from '../../../lambdas/core/domain/playlist.js';
import { segmentCuts } from './ffmpeg/args.js';
import { joinPieces } from './segment-join.js';
import { inParallel, type S3Storage, UPLOAD_CONCURRENCY } from './storage.js';

export interface ProgressiveOptions {
  storage: S3Storage;
  bucket: string;
  assetId: string;
  /** The encoder's output folder (`<rendition>/index.m3u8` and segments). */
  dir: string;
  plan: LadderPlan;
  /** EXT-X-VERSION of the master playlist (the media playlists'). */
  hlsVersion: number;
  /** Segments every rendition must have before the asset is playable. @default 1 */
  firstSegments?: number;
  /** Called once, after the provisional master is published. */
  onPlayable: () => Promise<void>;
  /** @default 500 */
  intervalMs?: number;
  /**
   * Nothing is published before this settles, and nothing at all if it rejects (each pass then fails with its
   * reason): chunk 0 encodes while the probe's decode check and the plan's record finish (strategies/chunk-fan-out.ts).
   */
  publishAfter?: Promise<unknown>;
}

export class ProgressivePublisher {
  /** Relative paths of segments already uploaded: they never change, so `finish()` skips them. */
  private readonly uploaded = new Set<string>();
  /** Init segments uploaded early; ffmpeg may write them again at the end, so `finish()` uploads them again. */
  private readonly initsUploaded = new Set<string>();
  private playable = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Ends the wait between two ticks early, when stopping. */
  private wake: (() => void) | undefined;
  private failure: unknown;

  constructor(private readonly options: ProgressiveOptions) {}

  /** True once the provisional master is published and `onPlayable` has returned. */
  get isPlayable(): boolean {
    return this.playable;
  }

  start(): void {
    const interval = this.options.intervalMs ?? 500;
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.tick();
        } catch (error) {
          // A failed upload is not fatal here: finish() uploads everything not yet uploaded.
          this.failure = error;
        }
        if (this.stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  /** Stops publishing and waits for an upload in flight (also on the failure path, before the folder is removed). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /**
   * After the encoder is done, when the caller publishes the rest itself: stops, then one last pass, so segments
   * written as ffmpeg ended (a one-segment chunk's playlist appears only then) are published and the asset is
   * marked playable.
   */
  async drain(): Promise<void> {
    await this.stop();
    await this.tick(true);
  }

  /** After the encoder is done: uploads what is left, the final media playlists, then the final master. */
  async finish(): Promise<string[]> {
    await this.stop();
    const { storage, dir, bucket, assetId } = this.options;
    return storage.publish(dir, bucket, assetId, this.uploaded);
  }

  /** The last error a tick met, if any (for logging). */
  get lastFailure(): unknown {
    return this.failure;
  }

  /** One pass; `last` is drain's, after the encoder is done (a pass of the loop stopped meanwhile publishes nothing). */
  private async tick(last = false): Promise<void> {
    await this.options.publishAfter;
    if (this.stopped && !last) return; // stopped while waiting: the encode failed, or drain() makes the last pass
    const { plan, firstSegments = 1 } = this.options;
    const counts = await Promise.all(renditionNames(plan).map((name) => this.publishRendition(name)));
    if (!this.playable && counts.every((count) => count >= firstSegments)) {
      const variants = renditionNames(plan).map((name) => plannedVariant(plan, name));
      await this.put(MASTER_PLAYLIST, masterPlaylist(variants, this.options.hlsVersion));
      await this.options.onPlayable();
      this.playable = true;
    }
  }

  /** Uploads a rendition's new segments, then its playlist; returns how many segments it has published. */
  private async publishRendition(name: string): Promise<number> {
    // ffmpeg writes pieces; the segments whole so far are joined from them (segment-join.ts).
    const cuts = segmentCuts(this.options.plan, 0);
    await joinPieces(join(this.options.dir, name), { cuts, firstSegment: 0, final: false });
    const text = await readFile(join(this.options.dir, name, RENDITION_PLAYLIST), 'utf8').catch(() => undefined);
    if (text === undefined) return 0;
    const playlist = parseMediaPlaylist(text);
    if (playlist.segments.length === 0) return 0;
    const init = playlist.map && `${name}/${playlist.map}`;
    if (init && !this.initsUploaded.has(init)) {
      await this.upload(init);
      this.initsUploaded.add(init);
    }
    const segments = playlist.segments.map((s) => `${name}/${s.uri}`).filter((file) => !this.uploaded.has(file));
    await inParallel(segments, UPLOAD_CONCURRENCY, async (file) => {
      await this.upload(file);
      this.uploaded.add(file);
    });
    await this.put(`${name}/${RENDITION_PLAYLIST}`, provisionalPlaylist(text));
    return playlist.segments.length;
  }

  private upload(file: string): Promise<string> {
    return this.options.storage.putFile(this.options.bucket, this.key(file), join(this.options.dir, file));
  }

  private put(file: string, body: string): Promise<string> {
    return this.options.storage.putBody(this.options.bucket, this.key(file), body);
  }

  private key(file: string): string {
    return `${assetOutputPrefix(this.options.assetId)}/${file}`;
  }
}
