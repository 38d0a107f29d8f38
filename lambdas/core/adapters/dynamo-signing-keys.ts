import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../domain/errors.js';
import type { SigningKey, SigningKeyRepository } from '../ports.js';
import { envIndexSort, MEDIA_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/**
 * Signing keys live in the media table (`signing-key#<id>`, listed through the byEnv index as
 * `<env>#signing-key`): the playback function, which verifies tokens, already reads that table.
 */
const keyOf = (id: string) => ({ [MEDIA_TABLE.partitionKey]: `signing-key#${id}` });
const listing = (env: string) => `${env}#signing-key`;

export class DynamoSigningKeyRepository implements SigningKeyRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(key: SigningKey): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(key.id),
          kind: 'signing-key',
          [MEDIA_TABLE.byEnvPartitionKey]: listing(key.env),
          [MEDIA_TABLE.byEnvSortKey]: envIndexSort(key.created_at, key.id),
          ...key,
        },
      }),
    );
  }

  async get(id: string): Promise<SigningKey | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keyOf(id) }));
    return Item && fromItem(Item);
  }

  async listByEnv(env: string): Promise<SigningKey[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: MEDIA_TABLE.byEnvIndex,
        KeyConditionExpression: '#gsi1pk = :listing',
        ExpressionAttributeNames: { '#gsi1pk': MEDIA_TABLE.byEnvPartitionKey },
        ExpressionAttributeValues: { ':listing': listing(env) },
        ScanIndexForward: false,
      }),
    );
    return Items.map(fromItem);
  }

  async delete(env: string, id: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          ConditionExpression: '#env = :env',
          ExpressionAttributeNames: { '#env': 'env' },
          ExpressionAttributeValues: { ':env': env },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('signing_key', id);
      throw err;
    }
  }
}

function fromItem(item: Record<string, unknown>): SigningKey {
  return {
    id: String(item.id),
    env: String(item.env),
    public_key: String(item.public_key),
    created_at: Number(item.created_at),
  };
}
