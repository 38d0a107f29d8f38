/**
 * The Mux-compatible HTTP API (API Gateway HTTP API, payload v2): Mux's paths under `/video/v1` and `/system/v1`,
 * one table of them in `api/routes.ts` (one file per resource). This file finds the route, checks the caller,
 * parses the body and query with the route's schemas, calls its use case, and maps every error to Mux's
 * `{ error: { type, messages } }` in `errorResponse`. CORS is configured on the API by CDK, not here.
 */

import { lookup } from 'node:dns/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { masterUrlSignerFromEnv } from '../core/adapters/cdn-signer.js';
import {
  documentClient,
  managementClient,
  s3Client,
  transcribeClient,
  warmUpLambdaClient,
} from '../core/adapters/clients.js';
import { DynamoAssetFiles } from '../core/adapters/dynamo-asset-files.js';
import { DynamoAssetSearch } from '../core/adapters/dynamo-asset-search.js';
import { DynamoAssetWork } from '../core/adapters/dynamo-asset-work.js';
import { DynamoAssetRepository } from '../core/adapters/dynamo-assets.js';
import { DynamoConnectionRepository } from '../core/adapters/dynamo-connections.js';
import { DynamoInputSlots } from '../core/adapters/dynamo-input-slots.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { DynamoPlaybackRestrictionRepository } from '../core/adapters/dynamo-playback-restrictions.js';
import { DynamoSigningKeyRepository } from '../core/adapters/dynamo-signing-keys.js';
import { DynamoEnvironmentRepository, DynamoTokenRepository } from '../core/adapters/dynamo-tokens.js';
import { DynamoVocabularyRepository } from '../core/adapters/dynamo-vocabularies.js';
import { DynamoWebhookRepository } from '../core/adapters/dynamo-webhooks.js';
import { HttpFileFetcher } from '../core/adapters/http-input-fetcher.js';
import { LambdaSandboxWarmer } from '../core/adapters/lambda-sandbox-warmer.js';
import { runnerFromEnv } from '../core/adapters/runner-from-env.js';
import { S3MediaObjects } from '../core/adapters/s3-media-objects.js';
import { S3ObjectUrls } from '../core/adapters/s3-object-urls.js';
import { S3ObjectWriter, S3TextObjects } from '../core/adapters/s3-text-objects.js';
import { S3MultipartUploads, S3UploadUrls } from '../core/adapters/s3-upload-urls.js';
import { withSearchIndex } from '../core/adapters/search-indexed-media.js';
import { SqsInputQueue } from '../core/adapters/sqs-input-queue.js';
import { TranscoderTaskTranscription } from '../core/adapters/task-transcription.js';
import { TranscribeTranscriber } from '../core/adapters/transcribe-transcriber.js';
import { WebSocketPusher } from '../core/adapters/ws-pusher.js';
import {
  NotFoundError,
  TooManyRequestsError,
  TransitionError,
  UnauthorizedError,
  ValidationError,
} from '../core/domain/errors.js';
import { ForbiddenError, requirePermission } from '../core/domain/permissions.js';
import { envFor, optional } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import type { TokenRepository } from '../core/ports.js';
import { transcoderKind } from '../core/usecases/asset-work.js';
import { withMasterUrls } from '../core/usecases/master-urls.js';
import { type Caller, cachingAuthenticator } from '../core/usecases/tokens.js';
import { checkPathIds, parseOrThrow, refuseIllFormedText } from '../core/validation.js';
import type { ApiDeps } from './api/route.js';
import { createRouter, MethodNotAllowed, notOffered } from './api/router.js';
import { apiDocument, ROUTES } from './api/routes.js';

export type { ApiDeps } from './api/route.js';
export type ApiEvent = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

const matchRoute = createRouter(ROUTES);

export function createApiHandler(deps: () => ApiDeps) {
  return async (event: ApiEvent, context?: Context): Promise<Result> => {
    if (context) logger.addContext(context);
    try {
      const method = event.requestContext.http.method;
      // The one public route: the API's description.
      if (event.rawPath.replace(/\/+$/, '') === '/openapi.json' && method === 'GET') return json(200, apiDocument());
      const caller = await callerOf(event, deps());
      const { route, params } = matchRoute(method, event.rawPath);
      checkPathIds(event.rawPath, Object.values(params));
      requirePermission(caller.permissions, route.permission);
      const body = route.body && parseOrThrow(route.body, jsonBody(event));
      const query = route.query && parseOrThrow(route.query, event.queryStringParameters ?? {}, 'query');
      const result = await route.run({ params, body, query, caller, deps: deps() });
      // A ready master's URL is signed as the asset is read (usecases/master-urls.ts), not stored by the transcoder.
      await withMasterUrls(result, deps().masterUrl);
      if (route.status === 204) return { statusCode: 204, body: '' };
      if (route.status === 302) return { statusCode: 302, headers: { location: String(result) }, body: '' };
      return json(route.status, route.list ? result : { data: result });
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

/** One memo of verified secrets per token repository (one per container in Lambda). */
const cachingAuthenticators = new WeakMap<TokenRepository, ReturnType<typeof cachingAuthenticator>>();
function authenticators(deps: ApiDeps) {
  let authenticate = cachingAuthenticators.get(deps.tokens);
  if (!authenticate) {
    authenticate = cachingAuthenticator(deps);
    cachingAuthenticators.set(deps.tokens, authenticate);
  }
  return authenticate;
}

/** The request's JSON body; one whose text holds an unpaired surrogate (`"\ud800"`) is refused here, naming where. */
function jsonBody(event: ApiEvent): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ValidationError(['body: is not valid JSON']);
  }
  refuseIllFormedText(body);
  return body;
}

/** The one place errors become responses, in Mux's error shape. */
function errorResponse(err: unknown): Result {
  if (err instanceof ValidationError) return muxError(400, 'invalid_parameters', err.messages);
  if (err instanceof UnauthorizedError) return muxError(401, 'unauthorized', ['Unauthorized request']);
  if (err instanceof ForbiddenError) return muxError(403, 'forbidden', [err.message]);
  if (err instanceof NotFoundError) {
    const reason = err.entity === 'route' ? notOffered(err.id) : undefined;
    if (reason) return muxError(404, 'not_found', [`${err.id}: ${reason}`]);
    return muxError(404, 'not_found', ["The requested resource either doesn't exist or you don't have access to it."]);
  }
  if (err instanceof TransitionError) return muxError(409, 'conflict', [err.message]);
  // Mux answers its rate limits with 429; its SDKs retry a 429 after a backoff.
  if (err instanceof TooManyRequestsError) return muxError(429, 'too_many_requests', [err.message]);
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
    const search = new DynamoAssetSearch(doc, env.MEDIA_TABLE);
    const runner = once(() => runnerFromEnv(env.TRANSCODER));
    const transcodeFunction = optional('TRANSCODE_FUNCTION_NAME');
    return {
      media: withSearchIndex(new DynamoMediaRepository(doc, env.MEDIA_TABLE), search),
      urls: new S3UploadUrls(s3, env.INGEST_BUCKET),
      multipart: new S3MultipartUploads(s3, env.INGEST_BUCKET),
      maxUploadBytes: Number(env.MAX_UPLOAD_BYTES),
      tokens: new DynamoTokenRepository(doc, env.TOKENS_TABLE),
      environments: new DynamoEnvironmentRepository(doc, env.TOKENS_TABLE),
      connections: new DynamoConnectionRepository(doc, env.CONNECTIONS_TABLE),
      pusher: new WebSocketPusher(managementClient(env.WEBSOCKET_CALLBACK_URL)),
      search,
      objects: new S3MediaObjects(s3),
      webhooks: new DynamoWebhookRepository(doc, env.WEBHOOKS_TABLE),
      signingKeys: new DynamoSigningKeyRepository(doc, env.SIGNING_KEYS_TABLE),
      playbackRestrictions: new DynamoPlaybackRestrictionRepository(doc, env.MEDIA_TABLE),
      inputs: new SqsInputQueue(new SQSClient({}), env.INPUT_QUEUE_URL),
      inputSlots: new DynamoInputSlots(doc, env.MEDIA_TABLE),
      ingestBucket: env.INGEST_BUCKET,
      resolve: async (host: string) => (await lookup(host, { all: true })).map((a) => a.address),
      allowLoopbackUrls: optional('ALLOW_LOOPBACK_URLS') === 'true',
      outputBucket: env.OUTPUT_BUCKET,
      defaultUploadTimeout: Number(env.UPLOAD_TIMEOUT_SECONDS),
      tracks: new DynamoAssetRepository(doc, env.MEDIA_TABLE),
      files: new HttpFileFetcher({ allowLoopback: optional('ALLOW_LOOPBACK_URLS') === 'true' }),
      textObjects: new S3TextObjects(s3),
      writer: new S3ObjectWriter(s3),
      assetWork: new DynamoAssetWork(doc, env.MEDIA_TABLE),
      transcoder: transcoderKind(env.TRANSCODER),
      runner,
      ...(transcodeFunction && { warmer: new LambdaSandboxWarmer(warmUpLambdaClient(), transcodeFunction) }),
      masterUrl: masterUrlSignerFromEnv(process.env),
      objectUrls: new S3ObjectUrls(s3),
      streamUrl: env.STREAM_URL,
      vocabularies: new DynamoVocabularyRepository(doc, env.MEDIA_TABLE),
      ...(optional('TRANSCRIBER') === 'amazon-transcribe' && {
        transcriber: new TranscribeTranscriber(transcribeClient()),
      }),
      ...(optional('TRANSCRIBER') === 'pocketsphinx' && {
        inTask: new TranscoderTaskTranscription(runner, env.OUTPUT_BUCKET),
      }),
      assetFiles: new DynamoAssetFiles(doc, env.MEDIA_TABLE),
    };
  }),
);
