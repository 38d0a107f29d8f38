import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectBytes } from '../usecases/images.js';

/** Reads objects as bytes from S3 (the stills, sprites and preview sheets images are drawn from). */
export class S3ObjectBytes implements ObjectBytes {
  constructor(private readonly s3: S3Client) {}

  async getBytes(bucket: string, key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body?.transformToByteArray();
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
}
