import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../domain/errors.js';
import type { ConnectionRecord, ConnectionRepository } from '../ports.js';
import { CONNECTIONS_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

/** WebSocket connections; `subscriptions` is stored as a string set so repeated subscribes merge. */
export class DynamoConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(connection: ConnectionRecord): Promise<void> {
    const ids = connection.subscriptions ?? [];
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [CONNECTIONS_TABLE.partitionKey]: connection.connectionId,
          [CONNECTIONS_TABLE.byEnvPartitionKey]: connection.env,
          connected_at: connection.connected_at,
          ...(connection.token_id !== undefined && { token_id: connection.token_id }),
          ...(connection.expires_at !== undefined && { expires_at: connection.expires_at }),
          // DynamoDB has no empty sets: no attribute means "every event of the environment".
          ...(ids.length > 0 && { subscriptions: new Set(ids) }),
        },
      }),
    );
  }

  async delete(connectionId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { [CONNECTIONS_TABLE.partitionKey]: connectionId } }),
    );
  }

  async subscribe(connectionId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [CONNECTIONS_TABLE.partitionKey]: connectionId },
          UpdateExpression: 'ADD subscriptions :ids',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': CONNECTIONS_TABLE.partitionKey },
          ExpressionAttributeValues: { ':ids': new Set(ids) },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('connection', connectionId);
      throw err;
    }
  }

  listByEnv(env: string): Promise<ConnectionRecord[]> {
    return this.query(env);
  }

  /** The environment's connections filtered by token: an environment has few open connections at a time. */
  listByToken(env: string, tokenId: string): Promise<ConnectionRecord[]> {
    return this.query(env, tokenId);
  }

  private async query(env: string, tokenId?: string): Promise<ConnectionRecord[]> {
    const connections: ConnectionRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: CONNECTIONS_TABLE.byEnvIndex,
          KeyConditionExpression: '#env = :env',
          ...(tokenId !== undefined && { FilterExpression: 'token_id = :token' }),
          ExpressionAttributeNames: { '#env': CONNECTIONS_TABLE.byEnvPartitionKey },
          ExpressionAttributeValues: { ':env': env, ...(tokenId !== undefined && { ':token': tokenId }) },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) connections.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return connections;
  }
}

function fromItem(item: Record<string, unknown>): ConnectionRecord {
  const subscriptions = item.subscriptions instanceof Set ? [...item.subscriptions].map(String) : [];
  return {
    connectionId: String(item[CONNECTIONS_TABLE.partitionKey]),
    env: String(item[CONNECTIONS_TABLE.byEnvPartitionKey]),
    ...(typeof item.token_id === 'string' && { token_id: item.token_id }),
    ...(typeof item.expires_at === 'number' && { expires_at: item.expires_at }),
    connected_at: Number(item.connected_at),
    subscriptions,
  };
}
