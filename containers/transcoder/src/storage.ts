/**
 * The transcoder's S3 I/O: fetch the source to a local file, publish an asset's HLS folder. Takes its client from
 * the caller (`s3Client()` from the shared adapters: path-style when AWS_ENDPOINT_URL points at an emulator).
 */
import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assetOutputPrefix, MASTER_PLAYLIST } from '../../../lambdas/core/domain/layout.js';
import type { SourceObject } from '../../../lambdas/core/domain/media.js';
import { withOutputFile } from './buffer-pool.js';

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.ts': 'video/mp2t',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.vtt': 'text/vtt',
};

/**
 * Playlists are rewritten while an asset is still preparing (fast start), so caches keep them briefly; every other
 * object is written once under its final name and never changes.
 */
const cacheControlFor = (file: string) =>
  extname(file) === '.m3u8' ? 'public, max-age=2' : 'public, max-age=31536000, immutable';

/** Concurrent PUTs of one job's files (`inParallel`). */
export const UPLOAD_CONCURRENCY = 8;

/** The pinned ETag as an If-Match condition (quoted, as S3 compares it); none without one. */
const ifMatch = (pin: Partial<SourceObject>) => pin.etag && `"${pin.etag.replace(/"/g, '')}"`;

const contentTypeFor = (file: string) => CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';

export class S3Storage {
  constructor(private readonly s3: S3Client) {}

  /**
   * Downloads an object to `file`; with `pin` (a source pinned at ingest, domain/media.ts `SourceObject`) exactly that
   * version, refused if its ETag differs, so a later PUT to an upload URL cannot change what is encoded. `signal`
   * stops it (a single pass that failed while the source was still downloading).
   */
  async download(
    bucket: string,
    key: string,
    file: string,
    pin: Partial<SourceObject> = {},
    signal?: AbortSignal,
  ): Promise<void> {
    const { Body } = await this.s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: pin.versionId, IfMatch: ifMatch(pin) }),
      { abortSignal: signal },
    );
    if (!Body) throw new Error(`s3://${bucket}/${key} has no body`);
    await pipeline(Body as Readable, createWriteStream(file), { signal });
  }

  /**
   * A presigned GET URL of exactly the pinned version, for ffmpeg to read with Range requests (a chunk seeks to its
   * start and reads only its part), or undefined when ffmpeg could not seek over it: the caller downloads the source
   * with the pin check instead. Two cases: an ETag pin without a version cannot ride in a URL ffmpeg fetches
   * (If-Match would be a signed header it does not send); and a store that answers a ranged GET of that version with
   * the whole object (MiniStack ignores Range on a GET with a versionId) would hand ffmpeg byte 0 where it seeked to
   * the moov atom at the end ("moov atom not found"). S3 answers 206, so there this costs one one-byte GET.
   */
  async presignedGet(
    bucket: string,
    key: string,
    pin: Partial<SourceObject>,
    expiresInSeconds: number,
  ): Promise<string | undefined> {
    if (pin.etag && !pin.versionId) return undefined;
    if (!(await this.honoursRange(bucket, key, pin.versionId))) return undefined;
    const command = new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: pin.versionId });
    return getSignedUrl(this.s3, command, { expiresIn: expiresInSeconds });
  }

  /**
   * Whether the store serves the pinned source now (a HEAD of that version, or of the ETag): false when it is gone,
   * refused or the store failed. Asked when a read of the source over its URL failed, to tell the store's failure
   * (retried) from the file's (refused): ffmpeg's words cannot, since a playlist inside an upload can make a 404 too.
   */
  async serves(bucket: string, key: string, pin: Partial<SourceObject>): Promise<boolean> {
    try {
      await this.s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: pin.versionId, IfMatch: ifMatch(pin) }),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** Whether a ranged GET of the object (that version) comes back partial; the body is dropped unread. */
  private async honoursRange(bucket: string, key: string, versionId: string | undefined): Promise<boolean> {
    const { Body, ContentRange } = await this.s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, Range: 'bytes=0-0' }),
    );
    (Body as Readable | undefined)?.destroy?.();
    return ContentRange !== undefined;
  }

  /**
   * Uploads every file under `dir` to `assets/<assetId>/<relative path>` with its content type, except those in
   * `skip` (relative paths already uploaded). Segments and other files go first, then the media playlists that
   * list them, then the master playlist, so no published playlist names an object that is not there yet.
   * Returns the keys in upload order.
   */
  async publish(
    dir: string,
    bucket: string,
    assetId: string,
    skip: ReadonlySet<string> = new Set(),
  ): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
      .filter((file) => file !== MASTER_PLAYLIST && !skip.has(file));
    const put = (file: string) => this.putFile(bucket, `${assetOutputPrefix(assetId)}/${file}`, join(dir, file));
    const isPlaylist = (file: string) => extname(file) === '.m3u8';
    const keys = await inParallel(
      files.filter((f) => !isPlaylist(f)),
      UPLOAD_CONCURRENCY,
      put,
    );
    keys.push(...(await inParallel(files.filter(isPlaylist), UPLOAD_CONCURRENCY, put)));
    keys.push(await put(MASTER_PLAYLIST));
    return keys;
  }

  /** PUTs a file a media tool wrote (buffer-pool.ts `withOutputFile`: no symlink, read into a reused buffer). */
  async putFile(bucket: string, key: string, file: string): Promise<string> {
    return withOutputFile(file, (bytes) => this.putBody(bucket, key, bytes));
  }

  /** Writes `body` to `key`, typed and cached by the key's extension. */
  async putBody(bucket: string, key: string, body: Uint8Array | string): Promise<string> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentTypeFor(key),
        CacheControl: cacheControlFor(key),
      }),
    );
    return key;
  }
}

/** Maps `items` through `fn` with at most `concurrency` calls in flight; results in completion order. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) results.push(await fn(item));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
