/** An in-memory S3 multipart store: parts by upload, completions and aborts recorded, part URLs deterministic. */
import { NotFoundError } from '../../lambdas/core/domain/errors.js';
import type { MultipartUploads, UploadedPart } from '../../lambdas/core/ports.js';

interface FakeUpload {
  key: string;
  parts: Map<number, UploadedPart>;
}

export class FakeMultipartUploads implements MultipartUploads {
  readonly uploads = new Map<string, FakeUpload>();
  readonly completed: { key: string; uploadId: string; parts: { partNumber: number; etag: string }[] }[] = [];
  readonly aborted: string[] = [];
  private next = 1;

  async create(key: string): Promise<string> {
    const id = `mpu-${this.next++}`;
    this.uploads.set(id, { key, parts: new Map() });
    return id;
  }

  async presignPart(key: string, uploadId: string, partNumber: number, size: number, expiresIn: number) {
    return `https://ingest.example/${key}?uploadId=${uploadId}&partNumber=${partNumber}&length=${size}&X-Amz-Expires=${expiresIn}`;
  }

  /** What a client's PUT to a part URL does: stores `size` bytes as the part. */
  putPart(uploadId: string, partNumber: number, size: number): string {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new NotFoundError('multipart upload', uploadId);
    const etag = `"etag-${partNumber}-${size}"`;
    upload.parts.set(partNumber, { partNumber, etag, size });
    return etag;
  }

  async listParts(_key: string, uploadId: string): Promise<UploadedPart[]> {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new NotFoundError('multipart upload', uploadId);
    return [...upload.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    if (!this.uploads.delete(uploadId)) throw new NotFoundError('multipart upload', uploadId);
    this.completed.push({ key, uploadId, parts });
  }

  async abort(_key: string, uploadId: string): Promise<void> {
    this.uploads.delete(uploadId);
    this.aborted.push(uploadId);
  }
}
