/**
 * How an upload's bytes travel to S3, straight from the browser through URLs the API presigns: `singlePut` (Mux's
 * direct upload, one PUT) or `multipart` (Gamma's `/parts` and `/complete` extension: any size S3 takes, a few parts
 * in flight, a failed part retried on its own, and a restart resumes, sending only the parts S3 does not have).
 */
import type { GammaApi, Upload } from './api.js';
import { t } from './i18n/index.js';

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

export const aborted = () => new DOMException('Upload cancelled', 'AbortError');

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
              t('upload.storageRefused', { status: xhr.status, code: storageError(xhr.responseText) }),
              xhr.status,
            ),
          );
    xhr.onerror = () => reject(new StorageError(t('upload.storageUnreachable'), 0));
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
            if (!etag) throw new Error(t('upload.noEtag'));
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
              throw new Error(
                t('upload.partFailed', { part: n, count, attempts: attempt, reason: (err as Error).message }),
              );
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
