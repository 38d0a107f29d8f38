/**
 * The OpenAPI 3.1 description of the API, generated from the zod schemas the handler validates requests with
 * (`z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses). Served at `GET /openapi.json`; the unit tests check
 * that it is valid and names exactly the routes the handler serves.
 */
import { z } from 'zod';
import { CreatePlaybackIdInput, UpdateAssetInput } from './usecases/assets.js';
import { ListQuery } from './usecases/listing.js';
import { CompleteMultipartInput, CreateUploadInput, StartMultipartInput } from './usecases/uploads.js';
import { CreateAssetInput } from './usecases/url-inputs.js';
import { CreateWebhookEndpointInput, DeliveriesQuery } from './usecases/webhooks.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  method: Method;
  path: string;
  summary: string;
  tag: 'Direct uploads' | 'Assets' | 'Playback IDs' | 'Signing keys' | 'Webhook endpoints (Gamma)';
  body?: z.ZodType;
  query?: z.ZodType;
  /** The success status; 204 has no body. */
  status: 200 | 201 | 204;
  /** What `data` holds, in words (the shapes are Mux's). */
  returns?: string;
}

export const OPERATIONS: readonly Operation[] = [
  {
    method: 'post',
    path: '/video/v1/uploads',
    summary: 'Create a direct upload',
    tag: 'Direct uploads',
    body: CreateUploadInput,
    status: 201,
    returns: 'the upload',
  },
  {
    method: 'get',
    path: '/video/v1/uploads',
    summary: 'List direct uploads',
    tag: 'Direct uploads',
    query: ListQuery,
    status: 200,
    returns: 'uploads, newest first',
  },
  {
    method: 'get',
    path: '/video/v1/uploads/{UPLOAD_ID}',
    summary: 'Retrieve a direct upload',
    tag: 'Direct uploads',
    status: 200,
    returns: 'the upload',
  },
  {
    method: 'put',
    path: '/video/v1/uploads/{UPLOAD_ID}/cancel',
    summary: 'Cancel a waiting direct upload',
    tag: 'Direct uploads',
    status: 200,
    returns: 'the cancelled upload',
  },
  {
    method: 'post',
    path: '/video/v1/uploads/{UPLOAD_ID}/parts',
    summary:
      'Start or resume a multipart upload (Gamma extension, for files over 5 GB): declare the size, get part URLs',
    tag: 'Direct uploads',
    body: StartMultipartInput,
    status: 200,
    returns:
      '`part_size`, `part_count`, `uploaded_parts` (with ETags, to skip on resume) and `part_urls` (PUT exactly ' +
      '`size` bytes to each; ask again with `part_numbers` for more)',
  },
  {
    method: 'post',
    path: '/video/v1/uploads/{UPLOAD_ID}/complete',
    summary: 'Complete a multipart upload with the part numbers and ETags (Gamma extension)',
    tag: 'Direct uploads',
    body: CompleteMultipartInput,
    status: 200,
    returns: 'the upload; its asset follows as for a single PUT',
  },
  {
    method: 'post',
    path: '/video/v1/assets',
    summary: 'Create an asset from an input URL (fetched by the platform)',
    tag: 'Assets',
    body: CreateAssetInput,
    status: 201,
    returns: 'the asset, preparing',
  },
  {
    method: 'get',
    path: '/video/v1/assets',
    summary: 'List assets',
    tag: 'Assets',
    query: ListQuery,
    status: 200,
    returns: 'assets, newest first',
  },
  {
    method: 'get',
    path: '/video/v1/assets/{ASSET_ID}',
    summary: 'Retrieve an asset',
    tag: 'Assets',
    status: 200,
    returns: 'the asset',
  },
  {
    method: 'get',
    path: '/video/v1/assets/{ASSET_ID}/input-info',
    summary: "Retrieve the asset's input info: its settings and the file as probed (container format, tracks)",
    tag: 'Assets',
    status: 200,
    returns: 'one entry per input: { settings: { url }, file: { container_format, tracks } }',
  },
  {
    method: 'patch',
    path: '/video/v1/assets/{ASSET_ID}',
    summary: 'Update passthrough and meta',
    tag: 'Assets',
    body: UpdateAssetInput,
    status: 200,
    returns: 'the asset',
  },
  {
    method: 'delete',
    path: '/video/v1/assets/{ASSET_ID}',
    summary: 'Delete an asset and every stored object of it',
    tag: 'Assets',
    status: 204,
  },
  {
    method: 'post',
    path: '/video/v1/assets/{ASSET_ID}/playback-ids',
    summary: 'Create a playback ID',
    tag: 'Playback IDs',
    body: CreatePlaybackIdInput,
    status: 201,
    returns: 'the playback ID',
  },
  {
    method: 'get',
    path: '/video/v1/assets/{ASSET_ID}/playback-ids/{PLAYBACK_ID}',
    summary: "Retrieve an asset's playback ID",
    tag: 'Playback IDs',
    status: 200,
    returns: 'the playback ID',
  },
  {
    method: 'delete',
    path: '/video/v1/assets/{ASSET_ID}/playback-ids/{PLAYBACK_ID}',
    summary: 'Delete a playback ID',
    tag: 'Playback IDs',
    status: 204,
  },
  {
    method: 'get',
    path: '/video/v1/playback-ids/{PLAYBACK_ID}',
    summary: 'Retrieve the asset of a playback ID',
    tag: 'Playback IDs',
    status: 200,
    returns: 'the playback ID and `object: { type: "asset", id }`',
  },
  {
    method: 'post',
    path: '/system/v1/signing-keys',
    summary: 'Create a signing key',
    tag: 'Signing keys',
    status: 201,
    returns: 'the key with `private_key` (base64 PEM), shown only here',
  },
  {
    method: 'get',
    path: '/system/v1/signing-keys',
    summary: 'List signing keys',
    tag: 'Signing keys',
    status: 200,
    returns: 'the keys (ids and creation times)',
  },
  {
    method: 'get',
    path: '/system/v1/signing-keys/{SIGNING_KEY_ID}',
    summary: 'Retrieve a signing key',
    tag: 'Signing keys',
    status: 200,
    returns: 'the key (id and creation time)',
  },
  {
    method: 'delete',
    path: '/system/v1/signing-keys/{SIGNING_KEY_ID}',
    summary: 'Delete a signing key',
    tag: 'Signing keys',
    status: 204,
  },
  {
    method: 'post',
    path: '/system/v1/webhook-endpoints',
    summary: 'Register a webhook endpoint',
    tag: 'Webhook endpoints (Gamma)',
    body: CreateWebhookEndpointInput,
    status: 201,
    returns: 'the endpoint with `signing_secret`, shown only here',
  },
  {
    method: 'get',
    path: '/system/v1/webhook-endpoints',
    summary: 'List webhook endpoints',
    tag: 'Webhook endpoints (Gamma)',
    status: 200,
    returns: 'the endpoints',
  },
  {
    method: 'delete',
    path: '/system/v1/webhook-endpoints/{WEBHOOK_ENDPOINT_ID}',
    summary: 'Remove a webhook endpoint',
    tag: 'Webhook endpoints (Gamma)',
    status: 204,
  },
  {
    method: 'get',
    path: '/system/v1/webhook-endpoints/{WEBHOOK_ENDPOINT_ID}/deliveries',
    summary: "An endpoint's delivery log, newest first",
    tag: 'Webhook endpoints (Gamma)',
    query: DeliveriesQuery,
    status: 200,
    returns: 'delivery attempts',
  },
];

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const ERROR = {
  description: "Mux's error shape; each message names the field it is about",
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function operation(op: Operation) {
  const pathParams = [...op.path.matchAll(/\{([A-Z_]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = op.query ? jsonSchema(op.query) : undefined;
  const queryParams = Object.entries((query?.properties ?? {}) as Record<string, object>).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema,
  }));
  return {
    summary: op.summary,
    tags: [op.tag],
    operationId: `${op.method}${op.path.replace(/\{[A-Z_]+\}/g, 'By').replace(/[^A-Za-z]+(.)/g, (_m, c: string) => c.toUpperCase())}`,
    parameters: [...pathParams, ...queryParams],
    ...(op.body && {
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } },
    }),
    responses: {
      [String(op.status)]:
        op.status === 204
          ? { description: 'Done' }
          : {
              description: `\`data\`: ${op.returns ?? 'the result'}`,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/DataEnvelope' } } },
            },
      '400': ERROR,
      '401': ERROR,
      '404': ERROR,
      ...(op.method !== 'get' && { '409': ERROR }),
    },
  };
}

export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gamma Video API',
      version: '1',
      description:
        "Mux's Video API as Gamma serves it: the same paths, JSON shapes and errors, so Mux's SDKs work by changing " +
        'the base URL. Authenticate with an access token in HTTP Basic (token id : token secret). Webhook endpoints ' +
        'are a Gamma extension (Mux manages webhooks in its dashboard).',
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    security: [{ accessToken: [] }],
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { accessToken: { type: 'http', scheme: 'basic' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['type', 'messages'],
              properties: { type: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
            },
          },
        },
        DataEnvelope: {
          type: 'object',
          properties: { data: {}, next_cursor: { type: 'string', description: 'On lists, while there are more' } },
        },
      },
    },
  };
}
