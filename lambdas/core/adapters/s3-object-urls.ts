import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectUrls } from '../ports.js';

/** Presigned GET URLs of output-bucket objects, signed with the caller's role (it must be able to read them). */
export class S3ObjectUrls implements ObjectUrls {
  constructor(private readonly s3: S3Client) {}

  presignGet(bucket: string, key: string, expiresIn: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
  }
}
