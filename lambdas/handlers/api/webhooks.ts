/**
 * Webhooks (`/system/v1/webhooks`, Mux's path and shape: `address`, `enabled`, `signing_secret` once), and Gamma's
 * delivery log of each endpoint.
 */

import { WholeListQuery } from '../../core/usecases/listing.js';
import {
  CreateWebhookEndpointInput,
  createWebhookEndpoint,
  DeliveriesQuery,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  UpdateWebhookEndpointInput,
  updateWebhookEndpoint,
} from '../../core/usecases/webhooks.js';
import { type Route, route, urlPolicy, webhookScope } from './route.js';

const tag = 'Webhooks';

export const webhookRoutes: readonly Route[] = [
  route({
    method: 'POST',
    permission: 'system:write',
    path: '/system/v1/webhooks',
    summary: 'Register a webhook endpoint',
    tag,
    body: CreateWebhookEndpointInput,
    status: 201,
    returns: 'the webhook (`id`, `address`, `enabled`, `created_at`) with `signing_secret`, shown only here',
    run: (req) => createWebhookEndpoint(req.body, { ...webhookScope(req), ...urlPolicy(req) }),
  }),
  route({
    method: 'GET',
    permission: 'system:read',
    path: '/system/v1/webhooks',
    summary: 'List webhook endpoints',
    tag,
    status: 200,
    list: true,
    returns: 'the webhooks',
    query: WholeListQuery,
    run: (req) => listWebhookEndpoints(req.query, webhookScope(req)),
  }),
  route({
    method: 'GET',
    permission: 'system:read',
    path: '/system/v1/webhooks/{WEBHOOK_ID}',
    summary: 'Retrieve a webhook endpoint',
    tag,
    status: 200,
    returns: 'the webhook',
    run: (req) => getWebhookEndpoint(req.params.WEBHOOK_ID, webhookScope(req)),
  }),
  route({
    method: 'PATCH',
    permission: 'system:write',
    path: '/system/v1/webhooks/{WEBHOOK_ID}',
    summary: 'Change its address, or turn delivery off (`enabled: false`) and on',
    tag,
    body: UpdateWebhookEndpointInput,
    status: 200,
    returns: 'the webhook',
    run: (req) => updateWebhookEndpoint(req.params.WEBHOOK_ID, req.body, { ...webhookScope(req), ...urlPolicy(req) }),
  }),
  route({
    method: 'DELETE',
    permission: 'system:write',
    path: '/system/v1/webhooks/{WEBHOOK_ID}',
    summary: 'Remove a webhook endpoint',
    tag,
    status: 204,
    run: (req) => deleteWebhookEndpoint(req.params.WEBHOOK_ID, webhookScope(req)),
  }),
  route({
    method: 'GET',
    permission: 'system:read',
    path: '/system/v1/webhooks/{WEBHOOK_ID}/deliveries',
    summary: "An endpoint's delivery log, newest first (Gamma extension)",
    tag,
    query: DeliveriesQuery,
    status: 200,
    list: true,
    returns: 'delivery attempts',
    run: (req) => listWebhookDeliveries(req.params.WEBHOOK_ID, req.query.limit, webhookScope(req)),
  }),
];
