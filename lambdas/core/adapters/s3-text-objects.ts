import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectWriter } from '../ports.js';
import type { TextObjects } from '../usecases/playback.js';

/** Reads small text objects (playlists) from S3. */
export class S3TextObjects implements TextObjects {
  constructor(private readonly s3: S3Client) {}

  async getText(bucket: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body?.transformToString('utf8');
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
}

/** Writes small text objects (a text track's playlist and segments); they never change once written. */
export class S3ObjectWriter implements ObjectWriter {
  constructor(private readonly s3: S3Client) {}

  async putText(bucket: string, key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: `${contentType}; charset=utf-8`,
        CacheControl: 'public, max-age=31536000, immutable',
      }),
    );
  }
}
