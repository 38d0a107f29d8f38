import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, NotFoundError } from '../domain/errors.js';
import { PERMISSIONS, type Permission } from '../domain/permissions.js';
import type { AccessToken, Environment, EnvironmentRepository, TokenRepository } from '../ports.js';
import { environmentKey, TOKENS_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

type Item = Record<string, unknown>;
const { partitionKey: ID, byEnvPartitionKey: ENV } = TOKENS_TABLE;

/** Access tokens by id; only the scrypt hash of each secret is stored. Revoking deletes the item. */
export class DynamoTokenRepository implements TokenRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * An eventually consistent read (half the cost of a strong one): the API reads the token on every request, and a
   * revocation is seen within about a second.
   */
  async get(id: string): Promise<AccessToken | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [ID]: id } }));
    return Item && isToken(Item) ? tokenFromItem(Item) : undefined;
  }

  async put(token: AccessToken): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [ID]: token.id,
            kind: 'token',
            [ENV]: token.env,
            secret_hash: token.secret_hash,
            ...(token.name !== undefined && { name: token.name }),
            created_at: token.created_at,
            ...(token.permissions && { permissions: token.permissions }),
            ...(token.expires_at !== undefined && { [TOKENS_TABLE.timeToLive]: token.expires_at }),
            ...(token.created_by !== undefined && { created_by: token.created_by }),
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': ID },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new AlreadyExistsError('token', token.id);
      throw err;
    }
  }

  async listByEnv(env: string): Promise<AccessToken[]> {
    const items = await queryAll(this.doc, this.tableName, env);
    return items.filter(isToken).map(tokenFromItem);
  }

  async delete(env: string, id: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [ID]: id },
          // Only a token of this environment: another environment's token id is "not found" here.
          ConditionExpression: '#env = :env AND (attribute_not_exists(kind) OR kind = :token)',
          ExpressionAttributeNames: { '#env': ENV },
          ExpressionAttributeValues: { ':env': env, ':token': 'token' },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('access_token', id);
      throw err;
    }
  }
}

/** The deployment's environments, in the tokens table beside their tokens (a handful of items: no table of their own). */
export class DynamoEnvironmentRepository implements EnvironmentRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Environment | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [ID]: environmentKey(id) } }),
    );
    return Item && environmentFromItem(Item);
  }

  async putIfAbsent(environment: Environment): Promise<Environment> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [ID]: environmentKey(environment.id),
            kind: 'environment',
            [ENV]: TOKENS_TABLE.environmentsListing,
            environment_id: environment.id,
            name: environment.name,
            created_at: environment.created_at,
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': ID },
        }),
      );
      return environment;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const stored = await this.get(environment.id);
      if (!stored) throw err;
      return stored;
    }
  }

  async list(): Promise<Environment[]> {
    const items = await queryAll(this.doc, this.tableName, TOKENS_TABLE.environmentsListing);
    return items.map(environmentFromItem);
  }

  async rename(id: string, name: string): Promise<Environment> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [ID]: environmentKey(id) },
          UpdateExpression: 'SET #name = :name',
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: { '#id': ID, '#name': 'name' },
          ExpressionAttributeValues: { ':name': name },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return environmentFromItem(Attributes ?? {});
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('environment', id);
      throw err;
    }
  }
}

async function queryAll(doc: DynamoDBDocumentClient, tableName: string, env: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TOKENS_TABLE.byEnvIndex,
        KeyConditionExpression: '#env = :env',
        ExpressionAttributeNames: { '#env': ENV },
        ExpressionAttributeValues: { ':env': env },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Tokens stored before environments shared the table have no `kind`. */
const isToken = (item: Item) => item.kind === undefined || item.kind === 'token';

function tokenFromItem(item: Item): AccessToken {
  const permissions = Array.isArray(item.permissions)
    ? item.permissions.filter((p): p is Permission => (PERMISSIONS as readonly unknown[]).includes(p))
    : undefined;
  const expiresAt = item[TOKENS_TABLE.timeToLive];
  return {
    id: String(item[ID]),
    env: String(item[ENV]),
    secret_hash: String(item.secret_hash),
    ...(typeof item.name === 'string' && { name: item.name }),
    created_at: Number(item.created_at),
    ...(permissions && { permissions }),
    ...(typeof expiresAt === 'number' && { expires_at: expiresAt }),
    ...(typeof item.created_by === 'string' && { created_by: item.created_by }),
  };
}

const environmentFromItem = (item: Item): Environment => ({
  id: String(item.environment_id),
  name: String(item.name),
  created_at: Number(item.created_at),
});
