/**
 * The OpenAPI 3.1 description of the API, written from the route table the handler dispatches with
 * (`lambdas/handlers/api/routes.ts`): each route's path, method, words and request schemas, the schemas turned into
 * JSON Schema by `z.toJSONSchema` (2020-12, as OpenAPI 3.1 uses). Served at `GET /openapi.json`.
 */

import { z } from 'zod';
import type { Requirement } from './domain/permissions.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the document needs to know of one route. */
export interface Operation {
  readonly method: Method;
  /** Mux's path with named parameters, as its reference writes them: `/video/v1/assets/{ASSET_ID}`. */
  readonly path: string;
  readonly summary: string;
  /** The resource the route belongs to; routes are grouped by it. */
  readonly tag: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** The success status; 204 has no body; 302 redirects (`Location`); 400: a route this deployment refuses. */
  readonly status: 200 | 201 | 204 | 302 | 400;
  /** What `data` holds, in words (the shapes are Mux's). */
  readonly returns?: string;
  /** The access-token permission the route needs (domain/permissions.ts); without it the answer is 403. */
  readonly permission: Requirement;
}

/** `{NAME}` segments of a route's path. */
export const PATH_PARAM = /\{([A-Z_]+)\}/g;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const ERROR = {
  description: "Mux's error shape; each message names the field it is about",
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function operation(op: Operation) {
  const pathParams = [...op.path.matchAll(PATH_PARAM)].map(([, name]) => ({
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
  const method = op.method.toLowerCase();
  return {
    summary: op.summary,
    description:
      op.permission === 'any'
        ? 'Any valid access token may call it.'
        : `Needs an access token with the \`${op.permission}\` permission (or the write permission that includes it).`,
    'x-gamma-permission': op.permission,
    tags: [op.tag],
    operationId: `${method}${op.path.replace(PATH_PARAM, 'By').replace(/[^A-Za-z]+(.)/g, (_m, c: string) => c.toUpperCase())}`,
    parameters: [...pathParams, ...queryParams],
    ...(op.body && {
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } },
    }),
    responses: {
      [String(op.status)]:
        op.status === 204
          ? { description: 'Done' }
          : op.status === 302
            ? { description: `Redirect (\`Location\`): ${op.returns ?? 'elsewhere'}` }
            : {
                description: `\`data\`: ${op.returns ?? 'the result'}`,
                content: { 'application/json': { schema: { $ref: '#/components/schemas/DataEnvelope' } } },
              },
      '400': ERROR,
      '401': ERROR,
      '403': ERROR,
      '404': ERROR,
      ...(method !== 'get' && { '409': ERROR }),
    },
  };
}

export function openApiDocument(operations: readonly Operation[], serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method.toLowerCase()] = operation(op);
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
    tags: [...new Set(operations.map((op) => op.tag))].map((name) => ({ name })),
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
