/**
 * The Mux-compatible HTTP API (API Gateway HTTP API, payload v2): `/video/v1/uploads[/{id}]`, `/video/v1/assets[/{id}]`.
 * Parses, calls one use case, and maps every error to Mux's `{ error: { type, messages } }` in `errorResponse`.
 * CORS is configured on the API by CDK, not here.
 */
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { DynamoTokenRepository } from '../core/adapters/dynamo-tokens.js';
import { S3UploadUrls } from '../core/adapters/s3-upload-urls.js';
import { NotFoundError, UnauthorizedError, ValidationError } from '../core/domain/errors.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { MediaRepository, TokenRepository, UploadUrls } from '../core/ports.js';
import { getAsset, listAssets } from '../core/usecases/assets.js';
import { ListQuery } from '../core/usecases/listing.js';
import { authenticate, type Caller } from '../core/usecases/tokens.js';
import { CreateUploadInput, createUpload, getUpload, listUploads } from '../core/usecases/uploads.js';
import { parseOrThrow } from '../core/validation.js';

/** The context the authorizer (authorizer.ts) returns arrives under `requestContext.authorizer.lambda`. */
export type ApiEvent = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: { lambda?: Partial<Caller> } }
>;
type Result = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export interface ApiDeps {
  media: MediaRepository;
  urls: UploadUrls;
  tokens: TokenRepository;
  /** Seconds an upload URL stays valid when the request names no timeout. */
  defaultUploadTimeout: number;
}

interface Request {
  event: ApiEvent;
  params: string[];
  caller: Caller;
  deps: ApiDeps;
}

interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  run(req: Request): Promise<{ status: number; body: unknown }>;
}

const ok = (data: unknown) => ({ status: 200, body: { data } });
const scope = ({ caller, deps }: Request) => ({ env: caller.env, media: deps.media });
const id = ({ params }: Request) => params[0] ?? '';
const query = ({ event }: Request) => parseOrThrow(ListQuery, event.queryStringParameters ?? {}, 'query');

const routes: Route[] = [
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
      return { status: 201, body: { data: upload } };
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
    method: 'GET',
    path: /^\/video\/v1\/assets$/,
    run: async (req) => ({ status: 200, body: await listAssets(query(req), scope(req)) }),
  },
  {
    method: 'GET',
    path: /^\/video\/v1\/assets\/([^/]+)$/,
    run: async (req) => ok(await getAsset(id(req), scope(req))),
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
      const caller = await callerOf(event, deps());
      const path = event.rawPath.replace(/\/+$/, '');
      const matching = routes.flatMap((route) => {
        const m = route.path.exec(path);
        return m ? [{ route, params: m.slice(1) }] : [];
      });
      if (matching.length === 0) throw new NotFoundError('route', path);
      const match = matching.find(({ route }) => route.method === event.requestContext.http.method);
      if (!match) throw new MethodNotAllowed(matching.map(({ route }) => route.method));
      const { status, body } = await match.route.run({ event, params: match.params, caller, deps: deps() });
      return json(status, body);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/**
 * The caller's environment. The Lambda authorizer normally verified the token already and passed its context;
 * where it did not run (a route wired without it, a local server in front of this function) the token is
 * verified here, so the API is never open by a wiring mistake.
 */
async function callerOf(event: ApiEvent, deps: ApiDeps): Promise<Caller> {
  const fromAuthorizer = event.requestContext.authorizer?.lambda;
  if (fromAuthorizer?.env && fromAuthorizer.tokenId)
    return { env: fromAuthorizer.env, tokenId: fromAuthorizer.tokenId };
  return authenticate(event.headers.authorization, deps);
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
    return {
      media: new DynamoMediaRepository(doc, env.MEDIA_TABLE),
      urls: new S3UploadUrls(s3Client(), env.INGEST_BUCKET),
      tokens: new DynamoTokenRepository(doc, env.TOKENS_TABLE),
      defaultUploadTimeout: Number(env.UPLOAD_TIMEOUT_SECONDS),
    };
  }),
);
