import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError, TransitionError, ValidationError } from '../domain/errors.js';
import type { Page } from '../ports.js';
import { MEDIA_TABLE, type MediaKind, mediaKey } from '../tables.js';
import { when } from './asset-item.js';
import { and, type Expr, expressionInput, failedCondition, oneOf, setAttributes } from './dynamo-expressions.js';
import { decodeCursor, encodeCursor } from './media-items.js';

type Item = Record<string, unknown>;

/** What a conditional write came to: the item after it, or (condition failed) the item as it was, if any. */
export type Written = { ok: true; item: Item } | { ok: false; old: Item | undefined };

/**
 * The media table's operations, shared by the repositories that own its item kinds (DynamoUploadRepository,
 * DynamoAssetRepository). Every conditional write returns the old item when its condition fails (ALL_OLD), so no
 * caller reads the item a second time to tell "missing" from "in another state".
 */
export class MediaTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(kind: MediaKind, id: string): Promise<Item | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(kind, id), ConsistentRead: true }),
    );
    return Item;
  }

  /** Puts an item that must not exist yet; `old` is the existing one when it does. */
  async create(item: Item): Promise<Written> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: when.absent.text,
          ExpressionAttributeNames: when.absent.names,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, item };
    } catch (err) {
      const failed = failedCondition(err);
      if (!failed) throw err;
      return { ok: false, ...failed };
    }
  }

  /** Puts an item whatever is stored under its key (a lookup item derived from its owner). */
  async put(item: Item): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async delete(kind: MediaKind, id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(kind, id) }));
  }

  /** One conditional UpdateItem; `item` is the whole item after it (ALL_NEW). */
  async update(kind: MediaKind, id: string, update: Expr, condition: Expr): Promise<Written> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(kind, id),
          ...expressionInput(update, condition),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, item: Attributes ?? {} };
    } catch (err) {
      const failed = failedCondition(err);
      if (!failed) throw err;
      return { ok: false, ...failed };
    }
  }

  /**
   * The guarded status write: `to` only from `allowedFrom`, setting exactly the named attributes (undefined ones
   * are skipped) and removing the attributes `remove` names. NotFoundError when the item is missing,
   * TransitionError when its status does not allow it.
   */
  async transition(
    kind: 'upload' | 'asset',
    id: string,
    to: string,
    allowedFrom: readonly string[],
    attributes: Record<string, unknown>,
    remove: Record<string, string> = {},
  ): Promise<Item> {
    const toStatus = { text: '#status = :to', names: { '#status': 'status' }, values: { ':to': to } };
    const set = setAttributes(attributes, [toStatus]);
    const removed = Object.keys(remove);
    const update =
      removed.length === 0
        ? set
        : { ...and(set, { text: '', names: remove }), text: `${set.text} REMOVE ${removed.join(', ')}` };
    const written = await this.update(kind, id, update, and(when.exists, oneOf('#status', allowedFrom)));
    if (written.ok) return written.item;
    if (!written.old) throw new NotFoundError(kind, id);
    throw new TransitionError(kind, id, to, allowedFrom);
  }

  /**
   * A page of an environment's listing in the byEnv index, newest first; with `status`, only the items in it (a
   * filter: a page may hold fewer than `limit` and still have a next one).
   */
  async list(listing: string, limit: number, cursor: string | undefined, status?: string): Promise<Page<Item>> {
    const startKey = cursor === undefined ? undefined : decodeCursor(cursor, listing);
    if (cursor !== undefined && !startKey) throw new ValidationError(['cursor: is not a cursor of this listing']);
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: MEDIA_TABLE.byEnvIndex,
        KeyConditionExpression: '#gsi1pk = :listing',
        ExpressionAttributeNames: {
          '#gsi1pk': MEDIA_TABLE.byEnvPartitionKey,
          ...(status !== undefined && { '#status': 'status' }),
        },
        ExpressionAttributeValues: { ':listing': listing, ...(status !== undefined && { ':status': status }) },
        ...(status !== undefined && { FilterExpression: '#status = :status' }),
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: Items, ...(LastEvaluatedKey && { next: encodeCursor(LastEvaluatedKey) }) };
  }

  /**
   * Every item the filter keeps, all pages. For the sweeps that run every few minutes; a sparse index on the
   * status they look for is the step up when the table grows large.
   */
  async scan(filter: Expr): Promise<Item[]> {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filter.text,
          ExpressionAttributeNames: filter.names,
          ExpressionAttributeValues: filter.values,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  private key(kind: MediaKind, id: string) {
    return { [MEDIA_TABLE.partitionKey]: mediaKey(kind, id) };
  }
}
