/**
 * Uploads: a queue of files, each sent straight to S3 through the URL the API presigns, with progress, cancel
 * and retry. How bytes travel is a `Transport`: today one presigned PUT (`singlePut`); a multipart transport
 * (presigned part URLs, resumable part by part, > 5 GB) plugs in behind the same interface via `transportFor`.
 */
import type { GammaApi, Upload } from './api.js';
import { titleFromFile } from './format.js';

export interface Transfer {
  onProgress(sent: number, total: number): void;
  signal: AbortSignal;
}

export interface Transport {
  /** Resolves when every byte is stored; rejects with an `AbortError` when the signal aborts. */
  send(file: File, upload: Upload, transfer: Transfer): Promise<void>;
}

/** One PUT of the whole file to the presigned URL. XMLHttpRequest, because fetch reports no upload progress. */
export const singlePut: Transport = {
  send(file, upload, { onProgress, signal }) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', upload.url);
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () =>
        xhr.status >= 200 && xhr.status < 300
          ? resolve()
          : reject(new Error(`Storage refused the file (HTTP ${xhr.status}${storageError(xhr.responseText)}).`));
      xhr.onerror = () => reject(new Error('The connection to storage failed.'));
      xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file);
    });
  },
};

/** S3 answers errors in XML: `<Code>…</Code>`. */
const storageError = (body: string) => {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  return code ? `: ${code}` : '';
};

/** S3 takes at most 5 GB in one PUT; larger files need the multipart transport. */
export const SINGLE_PUT_LIMIT = 5 * 1024 ** 3;

export function transportFor(file: File): Transport | Error {
  if (file.size > SINGLE_PUT_LIMIT) {
    return new Error('Files over 5 GB need multipart upload, which this Gamma deployment does not offer yet.');
  }
  return singlePut;
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
}

/** Several files at once, `concurrency` of them on the wire; emits `change` whenever an item moves. */
export class UploadQueue extends EventTarget {
  readonly items: UploadItem[] = [];
  private nextKey = 1;

  constructor(
    private readonly api: GammaApi,
    private readonly concurrency = 2,
  ) {
    super();
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
    if (item.upload && this.api.supports('cancelUpload')) this.api.cancelUpload(item.upload.id).catch(() => {});
  }

  /** Sends a failed or cancelled file again, on the same upload while its URL is still valid. */
  retry(item: UploadItem): void {
    if (item.state !== 'failed' && item.state !== 'cancelled') return;
    if (item.state === 'cancelled') item.upload = undefined;
    Object.assign(item, { state: 'queued', sent: 0, error: undefined });
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

  private async run(item: UploadItem): Promise<void> {
    const transport = transportFor(item.file);
    item.controller = new AbortController();
    Object.assign(item, { state: 'uploading', sent: 0 });
    this.changed();
    try {
      if (transport instanceof Error) throw transport;
      item.upload ??= await this.api.createUpload({ title: item.title, corsOrigin: location.origin });
      if (item.controller.signal.aborted) throw new DOMException('Upload cancelled', 'AbortError');
      let last = 0;
      await transport.send(item.file, item.upload, {
        signal: item.controller.signal,
        onProgress: (sent) => {
          item.sent = sent;
          // Progress events come fast; repaint at most every 100 ms.
          if (performance.now() - last > 100) {
            last = performance.now();
            this.changed();
          }
        },
      });
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
