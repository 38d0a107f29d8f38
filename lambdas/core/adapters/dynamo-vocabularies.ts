import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, NotFoundError } from '../domain/errors.js';
import type { VocabularyRecord } from '../domain/transcription-vocabularies.js';
import type { Page, VocabularyRepository } from '../ports.js';
import { envIndexKey, envIndexSort, MEDIA_TABLE, mediaKey } from '../tables.js';
import { when } from './asset-item.js';
import { setAttributes } from './dynamo-expressions.js';
import { MediaTable } from './media-table.js';

type Item = Record<string, unknown>;

const FIELDS = [
  'id',
  'env',
  'name',
  'passthrough',
  'phrases',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof VocabularyRecord)[];

/** A record read through its field list, so keys and other storage attributes never reach it. */
function fromItem(item: Item): VocabularyRecord {
  return Object.fromEntries(
    FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]]),
  ) as unknown as VocabularyRecord;
}

function toItem(v: VocabularyRecord): Item {
  return {
    ...fromItem(v as unknown as Item),
    [MEDIA_TABLE.partitionKey]: mediaKey('vocabulary', v.id),
    kind: 'vocabulary',
    [MEDIA_TABLE.byEnvPartitionKey]: envIndexKey(v.env, 'vocabulary'),
    [MEDIA_TABLE.byEnvSortKey]: envIndexSort(v.created_at, v.id),
  };
}

/** The owner of the media table's transcription vocabulary items (`vocabulary#<id>`). */
export class DynamoVocabularyRepository implements VocabularyRepository {
  private readonly table: MediaTable;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.table = new MediaTable(doc, tableName);
  }

  async put(vocabulary: VocabularyRecord): Promise<void> {
    const written = await this.table.create(toItem(vocabulary));
    if (!written.ok) throw new AlreadyExistsError('transcription vocabulary', vocabulary.id);
  }

  async get(id: string): Promise<VocabularyRecord | undefined> {
    const item = await this.table.get('vocabulary', id);
    return item && fromItem(item);
  }

  async list(env: string, limit: number, cursor?: string): Promise<Page<VocabularyRecord>> {
    const page = await this.table.list(envIndexKey(env, 'vocabulary'), limit, cursor);
    return { ...page, items: page.items.map(fromItem) };
  }

  async count(env: string, upTo: number): Promise<number> {
    const { Count = 0 } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: MEDIA_TABLE.byEnvIndex,
        KeyConditionExpression: '#gsi1pk = :listing',
        ExpressionAttributeNames: { '#gsi1pk': MEDIA_TABLE.byEnvPartitionKey },
        ExpressionAttributeValues: { ':listing': envIndexKey(env, 'vocabulary') },
        Select: 'COUNT',
        Limit: upTo,
      }),
    );
    return Count;
  }

  /** Name and passthrough are replaced as given: one left out of the request is removed, as a PUT does. */
  async update(
    id: string,
    patch: Pick<VocabularyRecord, 'name' | 'passthrough' | 'phrases' | 'updated_at'>,
  ): Promise<VocabularyRecord> {
    const set = setAttributes({
      phrases: patch.phrases,
      updated_at: patch.updated_at,
      name: patch.name,
      passthrough: patch.passthrough,
    });
    const removed = (['name', 'passthrough'] as const).filter((f) => patch[f] === undefined);
    const update =
      removed.length === 0
        ? set
        : {
            ...set,
            text: `${set.text} REMOVE ${removed.map((f) => `#${f}`).join(', ')}`,
            names: { ...set.names, ...Object.fromEntries(removed.map((f) => [`#${f}`, f])) },
          };
    const written = await this.table.update('vocabulary', id, update, when.exists);
    if (!written.ok) throw new NotFoundError('transcription vocabulary', id);
    return fromItem(written.item);
  }

  async delete(id: string): Promise<void> {
    await this.table.delete('vocabulary', id);
  }
}
