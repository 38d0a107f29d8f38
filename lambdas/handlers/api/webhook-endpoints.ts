/** Gamma extension (Mux manages webhooks in its dashboard): the environment's webhook endpoints and their log. */
import {
  CreateWebhookEndpointInput,
  createWebhookEndpoint,
  DeliveriesQuery,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
} from '../../core/usecases/webhooks.js';
import { type Route, route, urlPolicy, webhookScope } from './route.js';

const tag = 'Webhook endpoints (Gamma)';

export const webhookEndpointRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/system/v1/webhook-endpoints',
    summary: 'Register a webhook endpoint',
    tag,
    body: CreateWebhookEndpointInput,
    status: 201,
    returns: 'the endpoint with `signing_secret`, shown only here',
    run: (req) => createWebhookEndpoint(req.body, { ...webhookScope(req), ...urlPolicy(req) }),
  }),
  route({
    method: 'GET',
    path: '/system/v1/webhook-endpoints',
    summary: 'List webhook endpoints',
    tag,
    status: 200,
    list: true,
    returns: 'the endpoints',
    run: (req) => listWebhookEndpoints(webhookScope(req)),
  }),
  route({
    method: 'DELETE',
    path: '/system/v1/webhook-endpoints/{WEBHOOK_ENDPOINT_ID}',
    summary: 'Remove a webhook endpoint',
    tag,
    status: 204,
    run: (req) => deleteWebhookEndpoint(req.params.WEBHOOK_ENDPOINT_ID, webhookScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/webhook-endpoints/{WEBHOOK_ENDPOINT_ID}/deliveries',
    summary: "An endpoint's delivery log, newest first",
    tag,
    query: DeliveriesQuery,
    status: 200,
    list: true,
    returns: 'delivery attempts',
    run: (req) => listWebhookDeliveries(req.params.WEBHOOK_ENDPOINT_ID, req.query.limit, webhookScope(req)),
  }),
];
