import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError } from '../domain/errors.js';
import type { AccessToken, TokenRepository } from '../ports.js';
import { TOKENS_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/** Access tokens by id; only the scrypt hash of each secret is stored. */
export class DynamoTokenRepository implements TokenRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<AccessToken | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: id } }),
    );
    if (!Item) return undefined;
    return {
      id: String(Item[TOKENS_TABLE.partitionKey]),
      env: String(Item.env),
      secret_hash: String(Item.secret_hash),
      ...(typeof Item.name === 'string' && { name: Item.name }),
      created_at: Number(Item.created_at),
    };
  }

  async put(token: AccessToken): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [TOKENS_TABLE.partitionKey]: token.id,
            env: token.env,
            secret_hash: token.secret_hash,
            ...(token.name !== undefined && { name: token.name }),
            created_at: token.created_at,
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': TOKENS_TABLE.partitionKey },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new AlreadyExistsError('token', token.id);
      throw err;
    }
  }
}
