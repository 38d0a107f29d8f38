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
