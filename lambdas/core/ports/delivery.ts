/** How status leaves the platform: WebSocket connections and webhooks. */

export interface ConnectionRecord {
  connectionId: string;
  env: string;
  /** The access token the connection was opened with (absent on connections opened before tokens were recorded). */
  token_id?: string;
  connected_at: number;
  /** When the token it was opened with expires (unix seconds): the notify function closes it then. */
  expires_at?: number;
  /** Asset/upload ids the client asked for; empty means every event of the environment. */
  subscriptions?: string[];
}

export interface ConnectionRepository {
  put(connection: ConnectionRecord): Promise<void>;
  delete(connectionId: string): Promise<void>;
  subscribe(connectionId: string, ids: string[]): Promise<void>;
  listByEnv(env: string): Promise<ConnectionRecord[]>;
  /** The environment's connections opened with one access token. */
  listByToken(env: string, tokenId: string): Promise<ConnectionRecord[]>;
}

/** Pushes a message to one WebSocket connection; `gone` means the client has disconnected. */
export interface Pusher {
  post(connectionId: string, message: unknown): Promise<'sent' | 'gone'>;
  /** Closes a connection from the server's side; one already gone is not an error. */
  close(connectionId: string): Promise<void>;
}

/** Where an environment's events are POSTed. `secret` signs each delivery (`mux-signature`). */
export interface WebhookEndpoint {
  id: string;
  env: string;
  url: string;
  secret: string;
  created_at: number;
  /** false: events are not sent to it (Mux's `enabled`); absent means enabled. */
  enabled?: boolean;
}

/** One attempt to deliver one event to one endpoint. */
export interface WebhookDelivery {
  /** The attempt's own id (Mux's `attempts[].id`); absent in entries logged before attempts had one. */
  id?: string;
  endpoint_id: string;
  /** The URL the attempt went to (the endpoint's address may change later); absent in older entries. */
  address?: string;
  event_id: string;
  event_type: string;
  attempt: number;
  /** Unix milliseconds. */
  attempted_at: number;
  outcome: 'delivered' | 'failed';
  /** The receiver's HTTP status, absent when no response arrived. */
  response_status?: number;
  error?: string;
  duration_ms: number;
}

export interface WebhookRepository {
  /**
   * Creates the endpoint, or replaces it whole (an update). With `whileUrl`, only while the stored endpoint exists
   * and still has that address (an update's undo: not over a delete or another update that came meanwhile);
   * resolves false where it did not write.
   */
  putEndpoint(endpoint: WebhookEndpoint, whileUrl?: string): Promise<boolean>;
  getEndpoint(env: string, id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(env: string): Promise<WebhookEndpoint[]>;
  /** NotFoundError when the environment has no such endpoint. */
  deleteEndpoint(env: string, id: string): Promise<void>;
  /** Logs an attempt; a failed one is also kept with its event, for `listFailedAttempts`. */
  recordDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Newest first. */
  listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
  /** The failed attempts logged of one event at one endpoint, oldest first (the event's `attempts` on a retry). */
  listFailedAttempts(endpointId: string, eventId: string): Promise<WebhookDelivery[]>;
}

/** One event on its way to one endpoint: the webhook queue's message. */
export interface WebhookJob {
  endpoint_id: string;
  env: string;
  /** Jobs with the same key (one endpoint, one upload or asset) are delivered one at a time, in the order queued. */
  order_key: string;
  /**
   * The Mux envelope (notify.ts `MediaEventMessage`, with the environment's name added by the fan-out), posted with
   * the `attempts` of this delivery added (usecases/webhooks.ts `deliverWebhook`).
   */
  event: { id: string; type: string } & Record<string, unknown>;
}

export interface WebhookQueue {
  enqueue(jobs: WebhookJob[]): Promise<void>;
  /** Keeps a received message hidden for `delaySeconds` more: its next attempt comes after that. */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
}

/** POSTs a body; resolves with the response status, rejects when no response arrived (network, timeout). */
export interface WebhookSender {
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}
