/**
 * The Mux-compatible HTTP API (API Gateway HTTP API, payload v2): Mux's paths under `/video/v1` (uploads, assets,
 * playback ids) — the routes table below lists them all.
 * Parses, calls one use case, and maps every error to Mux's `{ error: { type, messages } }` in `errorResponse`.
 * CORS is configured on the API by CDK, not here.
 */

import { lookup } from 'node:dns/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { DynamoSigningKeyRepository } from '../core/adapters/dynamo-signing-keys.js';
import { DynamoTokenRepository } from '../core/adapters/dynamo-tokens.js';
import { DynamoWebhookRepository } from '../core/adapters/dynamo-webhooks.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { S3MultipartUploads, S3UploadUrls } from '../core/adapters/s3-upload-urls.js';
import { SqsInputQueue } from '../core/adapters/sqs-input-queue.js';
import { NotFoundError, TransitionError, UnauthorizedError, ValidationError } from '../core/domain/errors.js';
import type { Resolve } from '../core/domain/url-safety.js';
import { envFor, optional } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { openApiDocument } from '../core/openapi.js';
import type {
  InputQueue,
  MediaObjects,
  MediaRepository,
  MultipartUploads,
  SigningKeyRepository,
  TokenRepository,
  UploadUrls,
  WebhookRepository,
} from '../core/ports.js';
import {
  CreatePlaybackIdInput,
  createPlaybackId,
  deleteAsset,
  deletePlaybackId,
  getAsset,
  getAssetInputInfo,
  getPlaybackIdObject,
  getPlaybackIdOfAsset,
  listAssets,
  UpdateAssetInput,
  updateAsset,
} from '../core/usecases/assets.js';
import { ListQuery } from '../core/usecases/listing.js';
import { createSigningKey, deleteSigningKey, getSigningKey, listSigningKeys } from '../core/usecases/signing-keys.js';
import { type Caller, cachingAuthenticator } from '../core/usecases/tokens.js';
import {
  CompleteMultipartInput,
  CreateUploadInput,
  cancelUpload,
  completeMultipart,
  createUpload,
  getUpload,
  listUploads,
  StartMultipartInput,
  startMultipart,
} from '../core/usecases/uploads.js';
import { CreateAssetInput, createAssetFromUrl } from '../core/usecases/url-inputs.js';
import {
  CreateWebhookEndpointInput,
  createWebhookEndpoint,
  DeliveriesQuery,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
} from '../core/usecases/webhooks.js';
import { parseOrThrow } from '../core/validation.js';

export type ApiEvent = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export interface ApiDeps {
  media: MediaRepository;
  urls: UploadUrls;
  /** Multipart uploads of large files (Gamma's extension of direct uploads). */
  multipart: MultipartUploads;
  /** The largest file accepted, in bytes. */
  maxUploadBytes: number;
  tokens: TokenRepository;
  objects: MediaObjects;
  webhooks: WebhookRepository;
  signingKeys: SigningKeyRepository;
  /** Assets from an input URL are queued for fetching; input and webhook URLs are checked with `resolve`. */
  inputs: InputQueue;
  ingestBucket: string;
  resolve: Resolve;
  allowLoopbackUrls: boolean;
  /** Where renditions live; deleting an asset removes its objects there. */
  outputBucket: string;
  /** Seconds an upload URL stays valid when the request names no timeout. */
  defaultUploadTimeout: number;
}

interface Request {
  event: ApiEvent;
  params: string[];
  caller: Caller;
  deps: ApiDeps;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: RegExp;
  /** `body: undefined` answers 204 No Content. */
  run(req: Request): Promise<{ status: number; body?: unknown }>;
}

const ok = (data: unknown) => ({ status: 200, body: { data } });
const created = (data: unknown) => ({ status: 201, body: { data } });
const noContent = { status: 204 };
const scope = ({ caller, deps }: Request) => ({ env: caller.env, media: deps.media });
const id = ({ params }: Request) => params[0] ?? '';
const second = ({ params }: Request) => params[1] ?? '';
const keyScope = ({ caller, deps }: Request) => ({ env: caller.env, signingKeys: deps.signingKeys });
const webhookScope = ({ caller, deps }: Request) => ({ env: caller.env, webhooks: deps.webhooks });
const query = ({ event }: Request) => parseOrThrow(ListQuery, event.queryStringParameters ?? {}, 'query');

/** Every route the API serves (lambdas/core/openapi.ts describes the same set; a unit test keeps them equal). */
export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: /^\/video\/v1\/uploads$/,
    run: async (req) => {
      const input = parseOrThrow(CreateUploadInput, jsonBody(req.event));
      const upload = await createUpload(input, {
        ...scope(req),
        urls: req.deps.urls,
        defaultTimeout: req.deps.defaultUploadTimeout,
      });
      return created(upload);
    },
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/uploads$/,
    run: async (req) => ({ status: 200, body: await listUploads(query(req), scope(req)) }),
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/uploads\/([^/]+)$/,
    run: async (req) => ok(await getUpload(id(req), scope(req))),
  },
  {
    method: 'POST',
    path: /^\/video\/v1\/assets$/,
    run: async (req) =>
      created(
        await createAssetFromUrl(parseOrThrow(CreateAssetInput, jsonBody(req.event)), {
          ...scope(req),
          inputs: req.deps.inputs,
          ingestBucket: req.deps.ingestBucket,
          resolve: req.deps.resolve,
          policy: { allowLoopback: req.deps.allowLoopbackUrls },
        }),
      ),
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/assets$/,
    run: async (req) => ({ status: 200, body: await listAssets(query(req), scope(req)) }),
  },
  {
    method: 'PUT',
    path: /^\/video\/v1\/uploads\/([^/]+)\/cancel$/,
    run: async (req) => ok(await cancelUpload(id(req), { ...scope(req), multipart: req.deps.multipart })),
  },
  // Gamma extension: a large file sent part by part (S3 multipart with presigned part URLs), resumable.
  {
    method: 'POST',
    path: /^\/video\/v1\/uploads\/([^/]+)\/parts$/,
    run: async (req) =>
      ok(
        await startMultipart(id(req), parseOrThrow(StartMultipartInput, jsonBody(req.event)), {
          ...scope(req),
          multipart: req.deps.multipart,
          maxUploadBytes: req.deps.maxUploadBytes,
        }),
      ),
  },
  {
    method: 'POST',
    path: /^\/video\/v1\/uploads\/([^/]+)\/complete$/,
    run: async (req) =>
      ok(
        await completeMultipart(id(req), parseOrThrow(CompleteMultipartInput, jsonBody(req.event)), {
          ...scope(req),
          multipart: req.deps.multipart,
        }),
      ),
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/assets\/([^/]+)$/,
    run: async (req) => ok(await getAsset(id(req), scope(req))),
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/assets\/([^/]+)\/input-info$/,
    run: async (req) => ok(await getAssetInputInfo(id(req), scope(req))),
  },
  {
    method: 'PATCH',
    path: /^\/video\/v1\/assets\/([^/]+)$/,
    run: async (req) => ok(await updateAsset(id(req), parseOrThrow(UpdateAssetInput, jsonBody(req.event)), scope(req))),
  },
  {
    method: 'DELETE',
    path: /^\/video\/v1\/assets\/([^/]+)$/,
    run: async (req) => {
      await deleteAsset(id(req), { ...scope(req), objects: req.deps.objects, outputBucket: req.deps.outputBucket });
      return noContent;
    },
  },
  {
    method: 'POST',
    path: /^\/video\/v1\/assets\/([^/]+)\/playback-ids$/,
    run: async (req) =>
      created(await createPlaybackId(id(req), parseOrThrow(CreatePlaybackIdInput, jsonBody(req.event)), scope(req))),
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/assets\/([^/]+)\/playback-ids\/([^/]+)$/,
    run: async (req) => ok(await getPlaybackIdOfAsset(id(req), second(req), scope(req))),
  },
  {
    method: 'DELETE',
    path: /^\/video\/v1\/assets\/([^/]+)\/playback-ids\/([^/]+)$/,
    run: async (req) => {
      await deletePlaybackId(id(req), second(req), scope(req));
      return noContent;
    },
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/playback-ids\/([^/]+)$/,
    run: async (req) => ok(await getPlaybackIdObject(id(req), scope(req))),
  },
  {
    method: 'POST',
    path: /^\/system\/v1\/signing-keys$/,
    run: async (req) => created(await createSigningKey(keyScope(req))),
  },
  {
    method: 'GET',
    path: /^\/system\/v1\/signing-keys$/,
    run: async (req) => ({ status: 200, body: await listSigningKeys(keyScope(req)) }),
  },
  {
    method: 'GET',
    path: /^\/system\/v1\/signing-keys\/([^/]+)$/,
    run: async (req) => ok(await getSigningKey(id(req), keyScope(req))),
  },
  {
    method: 'DELETE',
    path: /^\/system\/v1\/signing-keys\/([^/]+)$/,
    run: async (req) => {
      await deleteSigningKey(id(req), keyScope(req));
      return noContent;
    },
  },
  // Gamma extension (Mux manages webhooks in its dashboard): the environment's webhook endpoints.
  {
    method: 'POST',
    path: /^\/system\/v1\/webhook-endpoints$/,
    run: async (req) =>
      created(
        await createWebhookEndpoint(parseOrThrow(CreateWebhookEndpointInput, jsonBody(req.event)), {
          ...webhookScope(req),
          resolve: req.deps.resolve,
          policy: { allowLoopback: req.deps.allowLoopbackUrls },
        }),
      ),
  },
  {
    method: 'GET',
    path: /^\/system\/v1\/webhook-endpoints$/,
    run: async (req) => ({ status: 200, body: await listWebhookEndpoints(webhookScope(req)) }),
  },
  {
    method: 'DELETE',
    path: /^\/system\/v1\/webhook-endpoints\/([^/]+)$/,
    run: async (req) => {
      await deleteWebhookEndpoint(id(req), webhookScope(req));
      return noContent;
    },
  },
  {
    method: 'GET',
    path: /^\/system\/v1\/webhook-endpoints\/([^/]+)\/deliveries$/,
    run: async (req) => {
      const { limit } = parseOrThrow(DeliveriesQuery, req.event.queryStringParameters ?? {}, 'query');
      return { status: 200, body: await listWebhookDeliveries(id(req), limit, webhookScope(req)) };
    },
  },
];

class MethodNotAllowed extends Error {
  constructor(readonly allowed: string[]) {
    super('Method not allowed');
  }
}

export function createApiHandler(deps: () => ApiDeps) {
  return async (event: ApiEvent, context?: Context): Promise<Result> => {
    if (context) logger.addContext(context);
    try {
      const path = event.rawPath.replace(/\/+$/, '');
      // The one public route: the API's description.
      if (path === '/openapi.json' && event.requestContext.http.method === 'GET') return json(200, openApiDocument());
      const caller = await callerOf(event, deps());
      const matching = routes.flatMap((route) => {
        const m = route.path.exec(path);
        return m ? [{ route, params: m.slice(1) }] : [];
      });
      if (matching.length === 0) throw new NotFoundError('route', path);
      const match = matching.find(({ route }) => route.method === event.requestContext.http.method);
      if (!match) throw new MethodNotAllowed(matching.map(({ route }) => route.method));
      const { status, body } = await match.route.run({ event, params: match.params, caller, deps: deps() });
      return body === undefined ? { statusCode: status, body: '' } : json(status, body);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/**
 * The caller's environment, from the access token in HTTP Basic, verified here rather than by an API Gateway
 * authorizer so that a refusal is Mux's 401 in Mux's error shape, not API Gateway's bare 403.
 */
function callerOf(event: ApiEvent, deps: ApiDeps): Promise<Caller> {
  return authenticators(deps)(event.headers.authorization);
}

/** One cache of verified tokens per token repository (one per container in Lambda). */
const cachingAuthenticators = new WeakMap<TokenRepository, ReturnType<typeof cachingAuthenticator>>();
function authenticators(deps: ApiDeps) {
  let authenticate = cachingAuthenticators.get(deps.tokens);
  if (!authenticate) {
    authenticate = cachingAuthenticator(deps);
    cachingAuthenticators.set(deps.tokens, authenticate);
  }
  return authenticate;
}

function jsonBody(event: ApiEvent): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(['body: is not valid JSON']);
  }
}

/** The one place errors become responses, in Mux's error shape. */
function errorResponse(err: unknown): Result {
  if (err instanceof ValidationError) return muxError(400, 'invalid_parameters', err.messages);
  if (err instanceof UnauthorizedError) return muxError(401, 'unauthorized', ['Unauthorized request']);
  if (err instanceof NotFoundError) {
    return muxError(404, 'not_found', ["The requested resource either doesn't exist or you don't have access to it."]);
  }
  if (err instanceof TransitionError) return muxError(409, 'conflict', [err.message]);
  if (err instanceof MethodNotAllowed) {
    return {
      ...muxError(405, 'method_not_allowed', [err.message]),
      headers: { ...JSON_HEADERS, allow: err.allowed.join(', ') },
    };
  }
  logger.error('Request failed', err as Error);
  return muxError(500, 'internal_error', ['Something went wrong on our side; please retry.']);
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const json = (statusCode: number, body: unknown): Result => ({
  statusCode,
  headers: JSON_HEADERS,
  body: JSON.stringify(body),
});
const muxError = (statusCode: number, type: string, messages: string[]) =>
  json(statusCode, { error: { type, messages } });

export const handler = createApiHandler(
  once(() => {
    const env = envFor('api');
    const doc = documentClient();
    const s3 = s3Client();
    return {
      media: new DynamoMediaRepository(doc, env.MEDIA_TABLE),
      urls: new S3UploadUrls(s3, env.INGEST_BUCKET),
      multipart: new S3MultipartUploads(s3, env.INGEST_BUCKET),
      maxUploadBytes: Number(env.MAX_UPLOAD_BYTES),
      tokens: new DynamoTokenRepository(doc, env.TOKENS_TABLE),
      objects: new S3MediaObjects(s3),
      webhooks: new DynamoWebhookRepository(doc, env.WEBHOOKS_TABLE),
      signingKeys: new DynamoSigningKeyRepository(doc, env.MEDIA_TABLE),
      inputs: new SqsInputQueue(new SQSClient({}), env.INPUT_QUEUE_URL),
      ingestBucket: env.INGEST_BUCKET,
      resolve: async (host: string) => (await lookup(host, { all: true })).map((a) => a.address),
      allowLoopbackUrls: optional('ALLOW_LOOPBACK_URLS') === 'true',
      outputBucket: env.OUTPUT_BUCKET,
      defaultUploadTimeout: Number(env.UPLOAD_TIMEOUT_SECONDS),
    };
  }),
);
