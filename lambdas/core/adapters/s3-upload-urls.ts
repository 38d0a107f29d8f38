import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadUrls } from '../ports.js';

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
