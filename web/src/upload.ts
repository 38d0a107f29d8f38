/**
 * Uploads: a queue of files, each sent straight to S3 through URLs the API presigns, with progress, cancel and retry.
 * How bytes travel is a `Transport`: small files go in one presigned PUT (`singlePut`, Mux's direct upload); files
 * above a threshold go part by part (`multipart`: Gamma's `/parts` and `/complete` extension, any size S3 takes,
 * a few parts in flight, a failed part retried on its own). A multipart upload is resumable: its upload id is kept
 * per file (name, size, last modified) in localStorage, so choosing the same file again after a reload or a failure
 * sends only the parts S3 does not have yet.
 */
import type { GammaApi, Upload } from './api.js';
import { titleFromFile } from './format.js';

export interface Transfer {
  onProgress(sent: number, total: number): void;
  /** Multipart only: parts stored so far, of how many; `resumed` when some were stored before this transfer. */
  onParts?(done: number, total: number, resumed: boolean): void;
  signal: AbortSignal;
}

export interface Transport {
  /** Resolves when every byte is stored; rejects with an `AbortError` when the signal aborts. */
  send(file: File, upload: Upload, transfer: Transfer): Promise<void>;
}

const aborted = () => new DOMException('Upload cancelled', 'AbortError');

/** PUTs a body to a presigned URL with progress; resolves with the response's ETag. XHR: fetch reports no upload progress. */
function put(url: string, body: Blob, signal: AbortSignal, onProgress: (loaded: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve(xhr.getResponseHeader('ETag') ?? '')
        : reject(
            new StorageError(
              `Storage refused the file (HTTP ${xhr.status}${storageError(xhr.responseText)}).`,
              xhr.status,
            ),
          );
    xhr.onerror = () => reject(new StorageError('The connection to storage failed.', 0));
    xhr.onabort = () => reject(aborted());
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

class StorageError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** S3 answers errors in XML: `<Code>…</Code>`. */
const storageError = (body: string) => {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  return code ? `: ${code}` : '';
};

/** One PUT of the whole file to the upload's presigned URL. */
export const singlePut: Transport = {
  async send(file, upload, { onProgress, signal }) {
    await put(upload.url, file, signal, (loaded) => onProgress(loaded, file.size));
  },
};

interface PartsSession {
  part_size: number;
  part_count: number;
  uploaded_parts: { part_number: number; etag: string; size: number }[];
  part_urls: { part_number: number; size: number; url: string }[];
  /** Unix seconds. */
  urls_expire_at: string;
}

export interface MultipartOptions {
  /** Parts on the wire at once. */
  concurrency: number;
  /** Bytes per part; undefined lets the API choose (16 MiB, more for very large files). */
  partSize?: number;
  /** Attempts per part before the upload fails (the Retry button resumes it). */
  attempts: number;
  /** Milliseconds before the second attempt; each later one waits twice as long. */
  retryDelay: number;
}

/**
 * Part by part through `/video/v1/uploads/{id}/parts` and `/complete`. Starting also resumes: the API lists the
 * parts S3 holds, and only the others are sent. URLs are asked for in batches as the transfer goes (they expire).
 */
export function multipart(api: GammaApi, options: MultipartOptions): Transport {
  return {
    async send(file, upload, { onProgress, onParts, signal }) {
      const path = `/video/v1/uploads/${encodeURIComponent(upload.id)}`;
      const ask = async (partNumbers?: number[]) =>
        (
          await api.request<{ data: PartsSession }>('POST', `${path}/parts`, {
            size: file.size,
            ...(options.partSize && { part_size: options.partSize }),
            ...(partNumbers && { part_numbers: partNumbers }),
          })
        ).data;

      const first = await ask();
      const { part_size: partSize, part_count: count } = first;
      const etags = new Map(first.uploaded_parts.map((p) => [p.part_number, p.etag]));
      const resumed = etags.size > 0;
      const urls = new Map<number, { url: string; expires: number }>();
      const keep = (session: PartsSession) => {
        // Renewed a minute early, so no URL expires on the wire.
        const expires = Number(session.urls_expire_at) * 1000 - 60_000;
        for (const p of session.part_urls) urls.set(p.part_number, { url: p.url, expires });
      };
      keep(first);

      let stored = first.uploaded_parts.reduce((sum, p) => sum + p.size, 0);
      const inFlight = new Map<number, number>();
      const report = () => {
        let sent = stored;
        for (const loaded of inFlight.values()) sent += loaded;
        onProgress(sent, file.size);
      };
      onParts?.(etags.size, count, resumed);
      report();

      const pending = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !etags.has(n));
      let batch: Promise<void> | undefined;
      const urlFor = async (n: number): Promise<string> => {
        for (;;) {
          const known = urls.get(n);
          if (known && known.expires > Date.now()) return known.url;
          // One request at a time fetches URLs for the next parts still to send (including n).
          batch ??= ask([n, ...pending.filter((p) => p !== n)].slice(0, 50))
            .then(keep)
            .finally(() => {
              batch = undefined;
            });
          await batch;
          if (signal.aborted) throw aborted();
        }
      };

      const sendPart = async (n: number) => {
        const start = (n - 1) * partSize;
        const body = file.slice(start, Math.min(start + partSize, file.size));
        for (let attempt = 1; ; attempt++) {
          try {
            const etag = await put(await urlFor(n), body, signal, (loaded) => {
              inFlight.set(n, loaded);
              report();
            });
            if (!etag) throw new Error("Storage did not expose the part's ETag (the bucket's CORS must expose ETag).");
            etags.set(n, etag);
            stored += body.size;
            inFlight.delete(n);
            onParts?.(etags.size, count, resumed);
            report();
            return;
          } catch (err) {
            inFlight.delete(n);
            report();
            if (signal.aborted || (err as Error).name === 'AbortError') throw aborted();
            // An expired URL is refused with 403: forget it, so the next attempt asks for a fresh one.
            if (err instanceof StorageError && err.status === 403) urls.delete(n);
            if (attempt >= options.attempts) {
              throw new Error(`Part ${n} of ${count} failed ${attempt} times: ${(err as Error).message}`);
            }
            await sleep(options.retryDelay * 2 ** (attempt - 1), signal);
          }
        }
      };

      // A part that fails for good stops the others from taking new parts; the parts on the wire finish.
      let failure: { reason: unknown } | undefined;
      const worker = async () => {
        for (let n = pending.shift(); n !== undefined && !failure; n = pending.shift()) {
          try {
            await sendPart(n);
          } catch (reason) {
            failure ??= { reason };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, pending.length) }, worker));
      if (failure) throw failure.reason;
      if (signal.aborted) throw aborted();

      const parts = [...etags].sort(([a], [b]) => a - b).map(([part_number, etag]) => ({ part_number, etag }));
      await api.request('POST', `${path}/complete`, { parts });
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(aborted());
      },
      { once: true },
    );
  });
}

/** S3 takes at most 5 GB in one PUT; larger files must go multipart whatever the threshold. */
export const SINGLE_PUT_LIMIT = 5 * 1024 ** 3;

/**
 * Tunables, overridable in localStorage (for tests and for trying multipart on small files):
 * `gamma.multipartThreshold` and `gamma.multipartPartSize` in bytes.
 */
export function uploadSettings(storage: Storage = localStorage) {
  const bytes = (key: string) => {
    const value = Number(storage.getItem(key));
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  };
  return {
    /** Files above this many bytes go multipart (resumable). @default 64 MiB */
    threshold: Math.min(bytes('gamma.multipartThreshold') ?? 64 * 1024 ** 2, SINGLE_PUT_LIMIT),
    partSize: bytes('gamma.multipartPartSize'),
    /** New uploads also get an MP4 download (Mux's `static_renditions: [{ resolution: 'highest' }]`). */
    mp4Download: storage.getItem(MP4_DOWNLOAD_KEY) === 'true',
  };
}

/** Where the dashboard remembers the "Also make an MP4 download" choice. */
export const MP4_DOWNLOAD_KEY = 'gamma.mp4Download';

/** Which multipart upload a file belongs to, kept across reloads (localStorage) under the file's fingerprint. */
export class ResumeStore {
  constructor(private readonly storage: Storage = localStorage) {}

  private key(file: File) {
    return `gamma.resume:${JSON.stringify([file.name, file.size, file.lastModified])}`;
  }

  get(file: File): string | undefined {
    return this.storage.getItem(this.key(file)) ?? undefined;
  }

  set(file: File, uploadId: string): void {
    this.storage.setItem(this.key(file), uploadId);
  }

  forget(file: File): void {
    this.storage.removeItem(this.key(file));
  }
}

export type UploadState = 'queued' | 'uploading' | 'processing' | 'failed' | 'cancelled';

export interface UploadItem {
  key: number;
  file: File;
  title: string;
  state: UploadState;
  sent: number;
  error?: string;
  upload?: Upload;
  controller?: AbortController;
  /** Multipart: parts stored of how many, and whether this transfer resumed an earlier one. */
  parts?: { done: number; total: number; resumed: boolean };
}

/** Several files at once, `concurrency` of them on the wire; emits `change` whenever an item moves. */
export class UploadQueue extends EventTarget {
  readonly items: UploadItem[] = [];
  private nextKey = 1;
  private readonly resume: ResumeStore;

  constructor(
    private readonly api: GammaApi,
    private readonly concurrency = 2,
    storage: Storage = localStorage,
  ) {
    super();
    this.resume = new ResumeStore(storage);
  }

  add(files: Iterable<File>): void {
    for (const file of files) {
      this.items.push({ key: this.nextKey++, file, title: titleFromFile(file.name), state: 'queued', sent: 0 });
    }
    this.changed();
    this.pump();
  }

  cancel(item: UploadItem): void {
    if (item.state === 'queued' || item.state === 'failed') {
      item.state = 'cancelled';
      this.changed();
    }
    item.controller?.abort();
    this.resume.forget(item.file);
    if (item.upload && this.api.supports('cancelUpload')) this.api.cancelUpload(item.upload.id).catch(() => {});
  }

  /** Sends a failed or cancelled file again: a failed one on the same upload (multipart: only the missing parts). */
  retry(item: UploadItem): void {
    if (item.state !== 'failed' && item.state !== 'cancelled') return;
    if (item.state === 'cancelled') item.upload = undefined;
    Object.assign(item, { state: 'queued', sent: 0, error: undefined, parts: undefined });
    this.changed();
    this.pump();
  }

  dismiss(item: UploadItem): void {
    const i = this.items.indexOf(item);
    if (i >= 0 && item.state !== 'uploading') this.items.splice(i, 1);
    this.changed();
  }

  /** The upload the API created for an item, to match live events against. */
  byUploadId(id: string): UploadItem | undefined {
    return this.items.find((item) => item.upload?.id === id);
  }

  private pump(): void {
    const active = this.items.filter((i) => i.state === 'uploading').length;
    const next = this.items.filter((i) => i.state === 'queued').slice(0, Math.max(0, this.concurrency - active));
    for (const item of next) void this.run(item);
  }

  /** The upload a multipart file was sent to before (another page load), if it still waits for its file. */
  private async earlierUpload(file: File): Promise<Upload | undefined> {
    const id = this.resume.get(file);
    if (!id) return undefined;
    try {
      const upload = await this.api.getUpload(id);
      if (upload.status === 'waiting') return upload;
    } catch {
      // Gone or not ours any more: start afresh.
    }
    this.resume.forget(file);
    return undefined;
  }

  private async run(item: UploadItem): Promise<void> {
    const settings = uploadSettings();
    const isMultipart = item.file.size > settings.threshold;
    const transport = isMultipart
      ? multipart(this.api, { concurrency: 3, partSize: settings.partSize, attempts: 3, retryDelay: 1000 })
      : singlePut;
    const controller = new AbortController();
    item.controller = controller;
    Object.assign(item, { state: 'uploading', sent: 0 });
    this.changed();
    try {
      if (isMultipart) item.upload ??= await this.earlierUpload(item.file);
      item.upload ??= await this.api.createUpload({
        title: item.title,
        corsOrigin: location.origin,
        mp4Download: settings.mp4Download,
      });
      if (isMultipart) this.resume.set(item.file, item.upload.id);
      if (controller.signal.aborted) throw aborted();
      let last = 0;
      await transport.send(item.file, item.upload, {
        signal: controller.signal,
        onProgress: (sent) => {
          item.sent = sent;
          // Progress events come fast; repaint at most every 100 ms.
          if (performance.now() - last > 100) {
            last = performance.now();
            this.changed();
          }
        },
        onParts: (done, total, resumed) => {
          item.parts = { done, total, resumed };
        },
      });
      this.resume.forget(item.file);
      Object.assign(item, { state: 'processing', sent: item.file.size });
    } catch (err) {
      const cancelled = (err as Error).name === 'AbortError';
      Object.assign(item, {
        state: cancelled ? 'cancelled' : 'failed',
        error: cancelled ? undefined : String((err as Error).message),
      });
    }
    item.controller = undefined;
    this.changed();
    this.pump();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}
