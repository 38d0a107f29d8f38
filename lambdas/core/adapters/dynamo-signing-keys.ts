import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../domain/errors.js';
import type { SigningKey, SigningKeyRepository } from '../ports.js';
import { SIGNING_KEYS_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/**
 * The owner of the signing-keys table (tables.ts): one item per key, listed by environment through its byEnv index.
 * The table is apart from the media table so the transcoder, which writes asset items, cannot replace a public key.
 */
export class DynamoSigningKeyRepository implements SigningKeyRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(key: SigningKey): Promise<void> {
    const item = { id: key.id, env: key.env, public_key: key.public_key, created_at: key.created_at };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async get(id: string): Promise<SigningKey | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [SIGNING_KEYS_TABLE.partitionKey]: id } }),
    );
    return Item && fromItem(Item);
  }

  /** Newest first. */
  async listByEnv(env: string): Promise<SigningKey[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SIGNING_KEYS_TABLE.byEnvIndex,
        KeyConditionExpression: '#env = :env',
        ExpressionAttributeNames: { '#env': SIGNING_KEYS_TABLE.byEnvPartitionKey },
        ExpressionAttributeValues: { ':env': env },
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
          Key: { [SIGNING_KEYS_TABLE.partitionKey]: id },
          // Another environment's key is not this environment's to delete: the same answer as a missing one.
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
