/**
 * In-memory ports of the API's extensions: webhooks (endpoints, log, queue, a scripted receiver), signing keys and
 * playback restrictions.
 */
import { NotFoundError } from '../../lambdas/core/domain/errors.js';
import type { PlaybackRestrictionRules } from '../../lambdas/core/domain/playback-restrictions.js';
import type {
  InputJob,
  InputQueue,
  InputSlots,
  PlaybackRestriction,
  PlaybackRestrictionRepository,
  SigningKey,
  SigningKeyRepository,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookJob,
  WebhookQueue,
  WebhookRepository,
  WebhookSender,
} from '../../lambdas/core/ports.js';

export class InMemoryWebhooks implements WebhookRepository {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly deliveries: WebhookDelivery[] = [];

  async putEndpoint(endpoint: WebhookEndpoint, whileUrl?: string): Promise<boolean> {
    if (whileUrl !== undefined && this.endpoints.get(endpoint.id)?.url !== whileUrl) return false;
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
    return true;
  }

  async getEndpoint(env: string, id: string): Promise<WebhookEndpoint | undefined> {
    const endpoint = this.endpoints.get(id);
    return endpoint?.env === env ? structuredClone(endpoint) : undefined;
  }

  async listEndpoints(env: string): Promise<WebhookEndpoint[]> {
    return [...this.endpoints.values()].filter((e) => e.env === env).map((e) => structuredClone(e));
  }

  async deleteEndpoint(env: string, id: string): Promise<void> {
    if (this.endpoints.get(id)?.env !== env) throw new NotFoundError('webhook_endpoint', id);
    this.endpoints.delete(id);
  }

  async recordDelivery(delivery: WebhookDelivery): Promise<void> {
    this.deliveries.push(structuredClone(delivery));
  }

  async listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]> {
    return this.deliveries
      .filter((d) => d.endpoint_id === endpointId)
      .sort((a, b) => b.attempted_at - a.attempted_at)
      .slice(0, limit);
  }

  async listFailedAttempts(endpointId: string, eventId: string): Promise<WebhookDelivery[]> {
    return this.deliveries
      .filter((d) => d.endpoint_id === endpointId && d.event_id === eventId && d.outcome === 'failed')
      .sort((a, b) => a.attempt - b.attempt)
      .map((d) => structuredClone(d));
  }
}

export class RecordingQueue implements WebhookQueue {
  readonly jobs: WebhookJob[] = [];
  readonly postponed: { receiptHandle: string; delaySeconds: number }[] = [];

  async enqueue(jobs: WebhookJob[]): Promise<void> {
    this.jobs.push(...structuredClone(jobs));
  }

  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    this.postponed.push({ receiptHandle, delaySeconds });
  }
}

/** Answers each POST with the next scripted status (an Error rejects, as a network failure would). */
export class ScriptedReceiver implements WebhookSender {
  readonly received: { url: string; body: string; headers: Record<string, string> }[] = [];
  constructor(private readonly script: (number | Error)[] = []) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
    this.received.push({ url, body, headers });
    const next = this.script.shift() ?? 200;
    if (next instanceof Error) throw next;
    return { status: next };
  }
}

export class InMemorySigningKeys implements SigningKeyRepository {
  readonly keys = new Map<string, SigningKey>();

  async put(key: SigningKey): Promise<void> {
    this.keys.set(key.id, structuredClone(key));
  }

  async get(id: string): Promise<SigningKey | undefined> {
    const key = this.keys.get(id);
    return key && structuredClone(key);
  }

  async listByEnv(env: string): Promise<SigningKey[]> {
    return [...this.keys.values()].filter((k) => k.env === env);
  }

  async delete(env: string, id: string): Promise<void> {
    if (this.keys.get(id)?.env !== env) throw new NotFoundError('signing_key', id);
    this.keys.delete(id);
  }
}

/** Playback restrictions as the DynamoDB adapter keeps them: by id, each of one environment, newest first. */
export class InMemoryPlaybackRestrictions implements PlaybackRestrictionRepository {
  readonly items = new Map<string, PlaybackRestriction>();

  async put(restriction: PlaybackRestriction): Promise<void> {
    this.items.set(restriction.id, structuredClone(restriction));
  }

  async get(id: string): Promise<PlaybackRestriction | undefined> {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }

  async listByEnv(env: string): Promise<PlaybackRestriction[]> {
    return [...this.items.values()].filter((r) => r.env === env).reverse();
  }

  async replaceRule<K extends keyof PlaybackRestrictionRules>(
    env: string,
    id: string,
    rule: K,
    value: PlaybackRestrictionRules[K],
    updatedAt: number,
  ): Promise<PlaybackRestriction> {
    const item = this.items.get(id);
    if (item?.env !== env) throw new NotFoundError('playback_restriction', id);
    const updated = { ...item, [rule]: structuredClone(value), updated_at: updatedAt };
    this.items.set(id, updated);
    return structuredClone(updated);
  }

  async delete(env: string, id: string): Promise<void> {
    if (this.items.get(id)?.env !== env) throw new NotFoundError('playback_restriction', id);
    this.items.delete(id);
  }
}

/** URL-input slots as the DynamoDB adapter keeps them: per environment, asset id → lease expiry. */
export class InMemoryInputSlots implements InputSlots {
  readonly held = new Map<string, Map<string, number>>();
  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {}

  async claim(env: string, assetId: string, limit: number, expiresAt: number): Promise<boolean> {
    const slots = this.held.get(env) ?? new Map<string, number>();
    for (const [id, until] of slots) if (until <= this.nowSeconds()) slots.delete(id);
    if (slots.size >= limit) return false;
    this.held.set(env, slots.set(assetId, expiresAt));
    return true;
  }

  async release(env: string, assetId: string): Promise<void> {
    this.held.get(env)?.delete(assetId);
  }
}

export class RecordingInputQueue implements InputQueue {
  readonly jobs: InputJob[] = [];

  async submit(job: InputJob): Promise<void> {
    this.jobs.push(job);
  }
}

/** A DNS of fixed answers; unknown names do not resolve. */
export const fakeResolve =
  (answers: Record<string, string[]>) =>
  async (host: string): Promise<string[]> => {
    const found = answers[host];
    if (!found) throw new Error(`ENOTFOUND ${host}`);
    return found;
  };
