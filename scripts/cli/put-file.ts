/** PUTs a file to a presigned URL with a Content-Length (S3 takes no chunked uploads), reporting progress. */
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export function putFile(url: string, file: string, onProgress: (sent: number, total: number) => void): Promise<void> {
  const total = statSync(file).size;
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'PUT', headers: { 'content-length': String(total) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`The upload was refused (${status}): ${Buffer.concat(chunks).toString().slice(0, 300)}`));
      });
    });
    req.on('error', reject);
    let sent = 0;
    const source = createReadStream(file);
    source.on('data', (chunk) => {
      sent += chunk.length;
      onProgress(sent, total);
    });
    source.on('error', reject);
    source.pipe(req);
  });
}

/** `[#########           ]  45%  12.3 / 27.0 MB` */
export function progressBar(sent: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : sent / total;
  const filled = Math.round(ratio * width);
  const mb = (n: number) => (n / 1_048_576).toFixed(1);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${mb(sent)} / ${mb(total)} MB`;
}

export interface PartsSession {
  part_size: number;
  part_count: number;
  uploaded_parts: { part_number: number; etag: string; size: number }[];
  part_urls: { part_number: number; size: number; url: string }[];
}

/** Files above this go part by part (Gamma's multipart extension): resumable, and past S3's 5 GB for one PUT. */
export const MULTIPART_THRESHOLD = 64 * 1_048_576;

/**
 * Sends a file part by part through `/video/v1/uploads/{id}/parts` and `/complete`: `concurrency` parts at once,
 * each retried up to 3 times, URLs asked for in batches as the transfer goes. Run again on the same upload, it sends
 * only the parts S3 does not have.
 */
export async function putFileMultipart(
  api: { request<T>(method: string, path: string, body?: unknown): Promise<T> },
  uploadId: string,
  file: string,
  onProgress: (sent: number, total: number) => void,
  {
    partSize,
    concurrency = 4,
    onStart,
  }: { partSize?: number; concurrency?: number; onStart?: (session: PartsSession) => void } = {},
): Promise<void> {
  const size = statSync(file).size;
  const path = `/video/v1/uploads/${encodeURIComponent(uploadId)}`;
  const ask = async (partNumbers?: number[]) =>
    (
      await api.request<{ data: PartsSession }>('POST', `${path}/parts`, {
        size,
        ...(partSize && { part_size: partSize }),
        ...(partNumbers && { part_numbers: partNumbers }),
      })
    ).data;
  const first = await ask();
  onStart?.(first);
  const etags = new Map(first.uploaded_parts.map((p) => [p.part_number, p.etag]));
  const urls = new Map(first.part_urls.map((p) => [p.part_number, p.url]));
  const pending = Array.from({ length: first.part_count }, (_, i) => i + 1).filter((n) => !etags.has(n));
  let stored = first.uploaded_parts.reduce((sum, p) => sum + p.size, 0);
  const inFlight = new Map<number, number>();
  const report = () => onProgress(stored + [...inFlight.values()].reduce((a, b) => a + b, 0), size);

  const sendPart = async (n: number) => {
    const start = (n - 1) * first.part_size;
    const end = Math.min(start + first.part_size, size);
    for (let attempt = 1; ; attempt++) {
      try {
        if (!urls.has(n)) {
          for (const p of (await ask([n, ...pending.slice(0, 49)])).part_urls) urls.set(p.part_number, p.url);
        }
        const etag = await putRange(urls.get(n) ?? '', file, start, end, (sent) => {
          inFlight.set(n, sent);
          report();
        });
        etags.set(n, etag);
        stored += end - start;
        inFlight.delete(n);
        report();
        return;
      } catch (err) {
        inFlight.delete(n);
        urls.delete(n); // an expired URL is refused: the next attempt asks for a fresh one
        if (attempt >= 3) throw new Error(`part ${n} of ${first.part_count} failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
      }
    }
  };
  const worker = async () => {
    for (let n = pending.shift(); n !== undefined; n = pending.shift()) await sendPart(n);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  const parts = [...etags].sort(([a], [b]) => a - b).map(([part_number, etag]) => ({ part_number, etag }));
  await api.request('POST', `${path}/complete`, { parts });
}

/** PUTs bytes [start, end) of a file; resolves with the ETag. */
function putRange(url: string, file: string, start: number, end: number, onSent: (sent: number) => void) {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<string>((resolve, reject) => {
    const req = request(target, { method: 'PUT', headers: { 'content-length': String(end - start) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const etag = res.headers.etag;
        if (status >= 200 && status < 300 && etag) resolve(etag);
        else reject(new Error(`refused (${status}): ${Buffer.concat(chunks).toString().slice(0, 300)}`));
      });
    });
    req.on('error', reject);
    let sent = 0;
    const source = createReadStream(file, { start, end: end - 1 });
    source.on('data', (chunk) => {
      sent += chunk.length;
      onSent(sent);
    });
    source.on('error', reject);
    source.pipe(req);
  });
}
