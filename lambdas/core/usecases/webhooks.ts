/**
 * Webhooks: endpoints registered per environment (Mux's `/system/v1/webhooks`), the
 * fan-out of each table-stream event to one queue message per endpoint, and the signed delivery of one message.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import { SIGNATURE_HEADER, webhookSignature } from '../domain/webhook-signature.js';
import type {
  EnvironmentRepository,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookJob,
  WebhookQueue,
  WebhookRepository,
  WebhookSender,
} from '../ports.js';
import { pageOfWhole, type WholeListQuery } from './listing.js';
import { type MasterUrlSigner, withMasterUrls } from './master-urls.js';
import { type MediaChange, messagesFor } from './notify.js';

/**
 * Endpoints one environment may have. Every event is queued once per endpoint, so this bounds the fan-out; Mux
 * documents no number, and 20 is far more than one environment's own systems need.
 */
export const MAX_WEBHOOK_ENDPOINTS = 20;

const tooManyEndpoints = () =>
  new ValidationError([
    `address: an environment has at most ${MAX_WEBHOOK_ENDPOINTS} webhooks; delete one (DELETE /system/v1/webhooks/{WEBHOOK_ID}) to add another`,
  ]);

/**
 * Mux: the address "must be unique among the environment's webhooks" (the SDK's `WebhookCreateParams.address` and
 * `WebhookUpdateParams.address`); a second endpoint with it would get every event twice. Addresses are compared as
 * the exact strings given (zod's `z.url()` keeps them as sent): Mux documents no normalisation, and two spellings of
 * a URL (`https://a.example/hook` and `https://a.example/hook/`, another case of path) may well be two receivers.
 */
const sameAddress = (endpoints: WebhookEndpoint[], address: string, except?: string) =>
  endpoints.find((e) => e.url === address && e.id !== except);

const duplicateAddress = (existing: WebhookEndpoint) =>
  new ValidationError([`address: the environment already has a webhook with this address (${existing.id})`]);

const Address = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048);

/** The body of `POST /system/v1/webhooks`. */
export const CreateWebhookEndpointInput = z.strictObject({ address: Address });
export type CreateWebhookEndpointInput = z.output<typeof CreateWebhookEndpointInput>;

/** The body of `PATCH /system/v1/webhooks/{id}`. */
export const UpdateWebhookEndpointInput = z.strictObject({
  address: Address.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookEndpointInput = z.output<typeof UpdateWebhookEndpointInput>;

/** Query of `GET /system/v1/webhooks/{id}/deliveries`. */
export const DeliveriesQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be at least 1' })
    .max(100, { error: 'must be at most 100' })
    .default(25),
});

export interface WebhooksContext {
  env: string;
  webhooks: WebhookRepository;
  now?: () => number;
}

/** What registering an endpoint needs besides: its URL is refused if it points inside a network (url-safety.ts). */
export interface EndpointCheck {
  resolve: Resolve;
  policy?: AddressPolicy;
}

/** The endpoint as Mux's API shows it: the signing secret only in the response that created it. */
const view = ({ id, url, created_at, enabled }: WebhookEndpoint) => ({
  id,
  address: url,
  created_at: String(created_at),
  enabled: enabled !== false,
});

async function checkAddress(address: string, ctx: EndpointCheck): Promise<void> {
  const refused = await refusedInputUrl(address, ctx.resolve, ctx.policy);
  if (refused) throw new ValidationError([`address: ${refused}`]);
}

/**
 * Registers an endpoint, up to MAX_WEBHOOK_ENDPOINTS per environment, each with an address of its own. The count and
 * the address are checked before the write and again after it: of creates racing past the limit or with one address,
 * each sees the others, takes its own endpoint back and is refused, so the environment never stays over the limit
 * nor has an address twice.
 */
export async function createWebhookEndpoint(input: CreateWebhookEndpointInput, ctx: WebhooksContext & EndpointCheck) {
  const existing = await ctx.webhooks.listEndpoints(ctx.env);
  if (existing.length >= MAX_WEBHOOK_ENDPOINTS) throw tooManyEndpoints();
  const taken = sameAddress(existing, input.address);
  if (taken) throw duplicateAddress(taken);
  await checkAddress(input.address, ctx);
  const endpoint: WebhookEndpoint = {
    id: newId(),
    env: ctx.env,
    url: input.address,
    secret: randomBytes(32).toString('hex'),
    created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
  };
  await ctx.webhooks.putEndpoint(endpoint);
  const after = await ctx.webhooks.listEndpoints(ctx.env);
  const twin = sameAddress(after, endpoint.url, endpoint.id);
  if (after.length > MAX_WEBHOOK_ENDPOINTS || twin) {
    await ctx.webhooks.deleteEndpoint(ctx.env, endpoint.id);
    throw twin ? duplicateAddress(twin) : tooManyEndpoints();
  }
  return { ...view(endpoint), signing_secret: endpoint.secret };
}

/** The environment's webhooks, most recently created first (the SDK's `list`), a page of them. */
export async function listWebhookEndpoints(query: WholeListQuery, ctx: WebhooksContext) {
  const newestFirst = (await ctx.webhooks.listEndpoints(ctx.env)).sort(
    (a, b) => b.created_at - a.created_at || a.id.localeCompare(b.id),
  );
  return { data: pageOfWhole(newestFirst, query).map(view) };
}

async function ownEndpoint(id: string, ctx: WebhooksContext): Promise<WebhookEndpoint> {
  const endpoint = await ctx.webhooks.getEndpoint(ctx.env, id);
  if (!endpoint) throw new NotFoundError('webhook', id);
  return endpoint;
}

export async function getWebhookEndpoint(id: string, ctx: WebhooksContext) {
  return view(await ownEndpoint(id, ctx));
}

/**
 * Changes the address (checked as at creation, also for being another endpoint's: before the write and after it, when
 * a racing create or update that took it meanwhile makes this one put the endpoint back) or turns delivery off and
 * on; the signing secret stays.
 */
export async function updateWebhookEndpoint(
  id: string,
  input: UpdateWebhookEndpointInput,
  ctx: WebhooksContext & EndpointCheck,
) {
  const endpoint = await ownEndpoint(id, ctx);
  if (input.address !== undefined) {
    const taken = sameAddress(await ctx.webhooks.listEndpoints(ctx.env), input.address, id);
    if (taken) throw duplicateAddress(taken);
    await checkAddress(input.address, ctx);
  }
  const { enabled: _was, ...rest } = endpoint;
  const updated: WebhookEndpoint = {
    ...rest,
    ...(input.address !== undefined && { url: input.address }),
    ...((input.enabled ?? endpoint.enabled) === false && { enabled: false }),
  };
  await ctx.webhooks.putEndpoint(updated);
  const twin =
    input.address === undefined ? undefined : sameAddress(await ctx.webhooks.listEndpoints(ctx.env), updated.url, id);
  if (twin) {
    // Put back as it was, unless it was deleted or changed again meanwhile (that write stands).
    await ctx.webhooks.putEndpoint(endpoint, updated.url);
    throw duplicateAddress(twin);
  }
  return view(updated);
}

export async function deleteWebhookEndpoint(id: string, ctx: WebhooksContext): Promise<void> {
  await ctx.webhooks.deleteEndpoint(ctx.env, id);
}

export async function listWebhookDeliveries(id: string, limit: number, ctx: WebhooksContext) {
  await ownEndpoint(id, ctx);
  return { data: await ctx.webhooks.listDeliveries(id, limit) };
}

/**
 * Queues the event a change implies once for every endpoint of its environment; returns how many were queued.
 * An endpoint gets one object's events in the order they happened (`video.asset.created` before
 * `video.asset.ready`), however long an earlier one takes to get through: they share an order key.
 *
 * The envelope's `environment` is Mux's `{ id, name }` (the SDK's `BaseWebhookEvent.Environment`): the name is read
 * once per change, whatever the number of its events and endpoints, and only when there is an endpoint to tell. An
 * environment made before environments were recorded is named by its id, as the API shows it until renamed.
 */
export async function fanOutChange(
  change: MediaChange,
  ctx: {
    webhooks: WebhookRepository;
    queue: WebhookQueue;
    environments: Pick<EnvironmentRepository, 'get'>;
    masterUrl?: MasterUrlSigner;
  },
): Promise<number> {
  const events = messagesFor(change);
  const first = events[0];
  if (!first) return 0;
  const endpoints = (await ctx.webhooks.listEndpoints(first.env)).filter((e) => e.enabled !== false);
  if (endpoints.length === 0) return 0;
  // Every event of one change belongs to the environment of its one record.
  const environment = { id: first.env, name: (await ctx.environments.get(first.env))?.name ?? first.env };
  // A track's events share the order key of its asset: an endpoint gets them in order with the asset's own.
  const jobs: WebhookJob[] = events.flatMap((event) =>
    endpoints.map((e) => ({
      endpoint_id: e.id,
      env: event.env,
      order_key: `${e.id}:${event.ids[0]}`,
      event: { ...event.message, environment },
    })),
  );
  if (jobs.length === 0) return 0;
  // The master MP4's URL is signed here, as the API signs it when an asset is read (usecases/master-urls.ts).
  await withMasterUrls(
    jobs.map((j) => j.event),
    ctx.masterUrl,
  );
  await ctx.queue.enqueue(jobs);
  return jobs.length;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'endpoint_gone';

/**
 * An earlier attempt as the envelope's `attempts` lists it (the SDK's `BaseWebhookEvent.Attempt`, every field of
 * which is optional). Gamma keeps no response headers or body, so `response_headers` and `response_body` are left
 * out, as are `max_attempts` (the queue's, not known to the function) and `webhook_id` (a number in Mux; Gamma's
 * webhook ids are strings).
 */
const attemptView = (d: WebhookDelivery) => ({
  ...(d.id !== undefined && { id: d.id }),
  ...(d.address !== undefined && { address: d.address }),
  created_at: new Date(d.attempted_at).toISOString(),
  ...(d.response_status !== undefined && { response_status_code: d.response_status }),
});

/**
 * POSTs one event to one endpoint with a fresh `mux-signature`, and logs the attempt. A 2xx answer is delivered;
 * anything else (or no answer) failed, and the caller retries later. An endpoint deleted meanwhile gets nothing.
 *
 * The envelope's `attempts` ("Attempts for sending out the webhook event", the SDK's `BaseWebhookEvent.attempts`)
 * lists this event's earlier failed attempts at this endpoint, oldest first: each Attempt carries the answer it got
 * (`response_status_code`), which only an attempt already made has, so the one being made is not among them and the
 * first attempt sends `[]`. They are read only from the second receive on (one query then).
 */
export async function deliverWebhook(
  job: WebhookJob,
  attempt: number,
  ctx: { webhooks: WebhookRepository; sender: WebhookSender; now?: () => number },
): Promise<DeliveryOutcome> {
  const endpoint = await ctx.webhooks.getEndpoint(job.env, job.endpoint_id);
  if (!endpoint) return 'endpoint_gone';
  const now = ctx.now ?? Date.now;
  const earlier = attempt > 1 ? await ctx.webhooks.listFailedAttempts(endpoint.id, job.event.id) : [];
  const started = now();
  const body = JSON.stringify({ ...job.event, attempts: earlier.map(attemptView) });
  let status: number | undefined;
  let error: string | undefined;
  try {
    ({ status } = await ctx.sender.post(endpoint.url, body, {
      'content-type': 'application/json',
      'user-agent': 'Gamma-Webhooks/1.0',
      [SIGNATURE_HEADER]: webhookSignature(body, endpoint.secret, Math.floor(started / 1000)),
    }));
  } catch (err) {
    error = (err as Error).message;
  }
  const outcome = status !== undefined && status >= 200 && status < 300 ? 'delivered' : 'failed';
  await ctx.webhooks.recordDelivery({
    id: newId(),
    endpoint_id: endpoint.id,
    address: endpoint.url,
    event_id: job.event.id,
    event_type: job.event.type,
    attempt,
    attempted_at: started,
    outcome,
    ...(status !== undefined && { response_status: status }),
    ...(error !== undefined && { error }),
    duration_ms: now() - started,
  });
  return outcome;
}
