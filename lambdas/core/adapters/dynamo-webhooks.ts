import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../domain/errors.js';
import type { WebhookDelivery, WebhookEndpoint, WebhookRepository } from '../ports.js';
import { WEBHOOKS_TABLE } from '../tables.js';
import { isConditionalCheckFailed } from './dynamo-errors.js';

const { partitionKey: PK, sortKey: SK } = WEBHOOKS_TABLE;
const endpointKey = (env: string, id: string) => ({ [PK]: `env#${env}`, [SK]: `endpoint#${id}` });
/** The partition of one event's failed attempts at one endpoint, sorted by attempt number. */
const attemptsKey = (endpointId: string, eventId: string) => ({ [PK]: `attempts#${endpointId}#${eventId}` });
/** Delivery log entries are kept this long. */
const DELIVERY_LOG_DAYS = 30;

/** Webhook endpoints by environment, and each endpoint's delivery log (newest first), in one table. */
export class DynamoWebhookRepository implements WebhookRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putEndpoint(endpoint: WebhookEndpoint, whileUrl?: string): Promise<boolean> {
    const item = { ...endpointKey(endpoint.env, endpoint.id), ...endpoint };
    const condition = whileUrl !== undefined && {
      ConditionExpression: 'attribute_exists(#pk) AND #url = :url',
      ExpressionAttributeNames: { '#pk': PK, '#url': 'url' },
      ExpressionAttributeValues: { ':url': whileUrl },
    };
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
      return true;
    } catch (error) {
      if (whileUrl !== undefined && isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async getEndpoint(env: string, id: string): Promise<WebhookEndpoint | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: endpointKey(env, id) }));
    return Item && endpointFrom(Item);
  }

  /**
   * Every endpoint of the environment: a query answers at most 1 MB, so this follows its pages to the end. Strongly
   * consistent: the limit and the unique address are checked again after a write, which must see the racing ones.
   */
  async listEndpoints(env: string): Promise<WebhookEndpoint[]> {
    const endpoints: WebhookEndpoint[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :endpoint)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': `env#${env}`, ':endpoint': 'endpoint#' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      endpoints.push(...Items.map(endpointFrom));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return endpoints;
  }

  async deleteEndpoint(env: string, id: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: endpointKey(env, id),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new NotFoundError('webhook_endpoint', id);
      throw err;
    }
  }

  async recordDelivery(delivery: WebhookDelivery): Promise<void> {
    const expires = {
      [WEBHOOKS_TABLE.timeToLive]: Math.floor(delivery.attempted_at / 1000) + DELIVERY_LOG_DAYS * 86_400,
    };
    const log = new PutCommand({
      TableName: this.tableName,
      Item: {
        [PK]: `deliveries#${delivery.endpoint_id}`,
        [SK]: `${String(delivery.attempted_at).padStart(15, '0')}#${delivery.event_id}#${delivery.attempt}`,
        ...delivery,
        ...expires,
      },
    });
    // A failed attempt is also kept under its event, so the next attempt lists it with one query of its own
    // partition rather than a scan of the endpoint's log. A delivered one is not: nothing comes after it.
    const failed =
      delivery.outcome === 'failed' &&
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...attemptsKey(delivery.endpoint_id, delivery.event_id),
          [SK]: String(delivery.attempt).padStart(6, '0'),
          ...delivery,
          ...expires,
        },
      });
    await Promise.all([this.doc.send(log), ...(failed ? [this.doc.send(failed)] : [])]);
  }

  async listFailedAttempts(endpointId: string, eventId: string): Promise<WebhookDelivery[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': attemptsKey(endpointId, eventId)[PK] },
      }),
    );
    return Items.map(deliveryFrom);
  }

  async listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': `deliveries#${endpointId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(deliveryFrom);
  }
}

function endpointFrom(item: Record<string, unknown>): WebhookEndpoint {
  return {
    id: String(item.id),
    env: String(item.env),
    url: String(item.url),
    secret: String(item.secret),
    created_at: Number(item.created_at),
    ...(item.enabled === false && { enabled: false }),
  };
}

function deliveryFrom(item: Record<string, unknown>): WebhookDelivery {
  return {
    ...(typeof item.id === 'string' && { id: item.id }),
    endpoint_id: String(item.endpoint_id),
    ...(typeof item.address === 'string' && { address: item.address }),
    event_id: String(item.event_id),
    event_type: String(item.event_type),
    attempt: Number(item.attempt),
    attempted_at: Number(item.attempted_at),
    outcome: item.outcome === 'delivered' ? 'delivered' : 'failed',
    ...(typeof item.response_status === 'number' && { response_status: item.response_status }),
    ...(typeof item.error === 'string' && { error: item.error }),
    duration_ms: Number(item.duration_ms),
  };
}
