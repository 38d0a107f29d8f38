import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  NoSuchUpload,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '../domain/errors.js';
import type { MultipartUploads, UploadedPart, UploadUrls } from '../ports.js';

/**
 * Presigned PUT URLs into the ingest bucket. The client must be built by `s3Client()` (clients.ts): with the
 * SDK's default checksum setting the URL would carry `x-amz-checksum-*` parameters for an empty body, and S3
 * rejects the browser's PUT of the real file against them.
 */
export class S3UploadUrls implements UploadUrls {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  presignPut(key: string, expiresIn: number, contentType?: string): Promise<string> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType });
    return getSignedUrl(this.s3, command, { expiresIn });
  }
}

/**
 * Multipart uploads into the ingest bucket. Part URLs sign `content-length`, so S3 itself refuses a part of any
 * other size than the one the API computed from the declared file size (the client, browser or not, sends the
 * header its body implies). Built on `s3Client()` for the same checksum reason as `S3UploadUrls`.
 */
export class S3MultipartUploads implements MultipartUploads {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async create(key: string): Promise<string> {
    const { UploadId } = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }));
    if (!UploadId) throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
    return UploadId;
  }

  presignPart(key: string, uploadId: string, partNumber: number, size: number, expiresIn: number): Promise<string> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      ContentLength: size,
    });
    return getSignedUrl(this.s3, command, { expiresIn, signableHeaders: new Set(['content-length']) });
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.s3.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const part of page.Parts ?? []) {
          if (part.PartNumber === undefined || !part.ETag) continue;
          parts.push({ partNumber: part.PartNumber, etag: part.ETag, size: part.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (err) {
      if (isNoSuchUpload(err)) throw new NotFoundError('multipart upload', uploadId);
      throw err;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    } catch (err) {
      if (isNoSuchUpload(err)) throw new NotFoundError('multipart upload', uploadId);
      throw err;
    }
  }

  async abort(key: string, uploadId: string): Promise<void> {
    try {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      if (!isNoSuchUpload(err)) throw err;
    }
  }
}

const isNoSuchUpload = (err: unknown) =>
  err instanceof NoSuchUpload || (err instanceof S3ServiceException && err.name === 'NoSuchUpload');
