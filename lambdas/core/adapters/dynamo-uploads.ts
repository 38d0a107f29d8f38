import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, NotFoundError, TransitionError } from '../domain/errors.js';
import { type MultipartState, UPLOAD_TRANSITIONS, type UploadRecord } from '../domain/media.js';
import type { Page, UploadRepository } from '../ports.js';
import { envIndexKey } from '../tables.js';
import { when } from './asset-item.js';
import { and } from './dynamo-expressions.js';
import { uploadFromItem, uploadToItem } from './media-items.js';
import { MediaTable } from './media-table.js';

const waiting = { text: '#status = :waiting', names: { '#status': 'status' }, values: { ':waiting': 'waiting' } };

/** The owner of the media table's upload items (`upload#<id>`); every status change is a guarded UpdateItem. */
export class DynamoUploadRepository implements UploadRepository {
  private readonly table: MediaTable;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.table = new MediaTable(doc, tableName);
  }

  async putUpload(upload: UploadRecord): Promise<void> {
    const written = await this.table.create(uploadToItem(upload));
    if (!written.ok) throw new AlreadyExistsError('upload', upload.id);
  }

  async getUpload(id: string): Promise<UploadRecord | undefined> {
    const item = await this.table.get('upload', id);
    return item && uploadFromItem(item);
  }

  async listUploads(env: string, limit: number, cursor?: string): Promise<Page<UploadRecord>> {
    const page = await this.table.list(envIndexKey(env, 'upload'), limit, cursor);
    return { ...page, items: page.items.map(uploadFromItem) };
  }

  async transitionUpload(
    id: string,
    to: Exclude<UploadRecord['status'], 'waiting'>,
    patch: Partial<UploadRecord> = {},
  ): Promise<UploadRecord> {
    const item = await this.table.transition('upload', id, to, UPLOAD_TRANSITIONS[to], {
      asset_id: patch.asset_id,
      error: patch.error,
    });
    return uploadFromItem(item);
  }

  async recordMultipart(id: string, multipart: MultipartState): Promise<UploadRecord> {
    const written = await this.table.update(
      'upload',
      id,
      { text: 'SET multipart = :m', values: { ':m': multipart } },
      and(when.exists, waiting, {
        text: '(attribute_not_exists(multipart) OR multipart.upload_id = :uid)',
        values: { ':uid': multipart.upload_id },
      }),
    );
    if (written.ok) return uploadFromItem(written.item);
    // Another multipart upload won the race: the upload as stored names it.
    if (!written.old) throw new NotFoundError('upload', id);
    const current = uploadFromItem(written.old);
    if (current.status !== 'waiting') throw new TransitionError('upload', id, 'multipart', ['waiting']);
    return current;
  }

  async listWaitingUploads(): Promise<UploadRecord[]> {
    const items = await this.table.scan(and({ text: 'kind = :upload', values: { ':upload': 'upload' } }, waiting));
    return items.map(uploadFromItem);
  }
}
