/**
 * Uploads: a queue of files, each sent straight to S3 through URLs the API presigns, with progress, cancel and retry.
 * How bytes travel is a `Transport` (upload-transports.ts): small files go in one presigned PUT, files above a
 * threshold part by part. A multipart upload is resumable: its upload id is kept
 * per file (name, size, last modified) in localStorage, so choosing the same file again after a reload or a failure
 * sends only the parts S3 does not have yet.
 */
import type { GammaApi, Upload } from './api.js';
import { titleFromFile } from './format.js';
import { aborted, multipart, singlePut } from './upload-transports.js';

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
