/**
 * Function URL behind the stream distribution: `GET /{playbackId}.m3u8` returns the asset's master playlist with
 * its rendition URIs pointing into `assets/{assetId}/` and signed for that folder; `GET /assets/…/*.m3u8` (routed
 * here by the distribution after it checked the signature) returns a rendition playlist whose segment URIs carry
 * the same signature; the distribution serves the segments from the output bucket.
 * `/{playbackId}/thumbnail.{jpg,png,webp}`, `/animated.{gif,webp}` and `/storyboard.{jpg,png,webp,vtt}` are its
 * images, drawn here and returned as bytes (usecases/images.ts); `/{playbackId}/highest.mp4` and the other static
 * renditions redirect to their signed URL under `/assets/` (usecases/static-renditions.ts); `/{playbackId}/text/{trackId}.vtt`
 * and `.txt` are a text track as one file (usecases/playback.ts).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CdnAssetSigner, cdnKeyFromAws } from '../core/adapters/cdn-signer.js';
import { documentClient, s3Client } from '../core/adapters/clients.js';
import { DynamoMediaRepository } from '../core/adapters/dynamo-media.js';
import { DynamoPlaybackRestrictionRepository } from '../core/adapters/dynamo-playback-restrictions.js';
import { DynamoSigningKeyRepository } from '../core/adapters/dynamo-signing-keys.js';
import { S3ObjectBytes } from '../core/adapters/s3-object-bytes.js';
import { S3TextObjects } from '../core/adapters/s3-text-objects.js';
import { playbackIdFromPath } from '../core/domain/playback.js';
import type { ViewerHeaders } from '../core/domain/playback-restrictions.js';
import { staticRenditionFromPath } from '../core/domain/static-renditions.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';
import { once } from '../core/once.js';
import { type ImageDeps, type ImageResult, imageRequestFromPath, resolveImage } from '../core/usecases/images.js';
import {
  type AssetUrlSigner,
  resolvePlayback,
  resolveRenditionPlaylist,
  resolveTextTrack,
  textTrackFromPath,
} from '../core/usecases/playback.js';
import { resolveStaticRendition, type StaticRenditionResult } from '../core/usecases/static-renditions.js';

type Deps = Parameters<typeof resolvePlayback>[1] & { signer: AssetUrlSigner } & Pick<ImageDeps, 'bytes'>;

const text = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body,
});

const HLS = 'application/vnd.apple.mpegurl';

export function createPlaybackHandler(deps: () => Deps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method;
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'Method not allowed');
    const viewer = viewerOf(event);
    if (event.rawPath.startsWith('/assets/')) {
      const result = await resolveRenditionPlaylist({ path: event.rawPath, rawQuery: event.rawQueryString }, deps());
      if (result.status !== 200) {
        logger.info('Rendition playlist refused', { path: event.rawPath, status: result.status });
        return text(result.status, result.message);
      }
      return {
        statusCode: 200,
        headers: { 'content-type': HLS, 'cache-control': result.cacheControl },
        body: result.playlist,
      };
    }
    const download = staticRenditionFromPath(event.rawPath);
    if (download) {
      const token = event.queryStringParameters?.token;
      return redirectResponse(await resolveStaticRendition({ ...download, ...(token && { token }), viewer }, deps()));
    }
    const textTrack = textTrackFromPath(event.rawPath);
    if (textTrack) {
      const token = event.queryStringParameters?.token;
      const result = await resolveTextTrack({ ...textTrack, ...(token && { token }), viewer }, deps());
      if (result.status !== 200) return text(result.status, result.message);
      const headers = { 'content-type': result.contentType, 'cache-control': result.cacheControl };
      return { statusCode: 200, headers, body: result.body };
    }
    const image = imageRequestFromPath(event.rawPath);
    if (image) return imageResponse(await resolveImage(image, event.queryStringParameters ?? {}, deps(), viewer));
    const playbackId = playbackIdFromPath(event.rawPath);
    if (!playbackId) return text(404, 'Not found');
    const query = event.queryStringParameters ?? {};
    const token = query.token;
    const result = await resolvePlayback(playbackId, deps(), { ...(token && { token }), query, viewer });
    if (result.status !== 200) {
      logger.info('Playback refused', { playbackId, status: result.status });
      return text(result.status, result.message);
    }
    return {
      statusCode: 200,
      headers: { 'content-type': HLS, 'cache-control': result.cacheControl },
      body: result.playlist,
    };
  };
}

/**
 * The headers a playback restriction reads. The distribution forwards them to this function without keying its cache
 * on them (lib/constructs/stream.ts `ViewerHeaders`); answers they decided are not cached (signing-keys.ts).
 */
function viewerOf(event: APIGatewayProxyEventV2): ViewerHeaders {
  const { referer, 'user-agent': userAgent } = event.headers ?? {};
  return { ...(referer && { referer }), ...(userAgent && { userAgent }) };
}

/** A static rendition (`/{playbackId}/highest.mp4`): a redirect to its signed URL under `/assets/`. */
function redirectResponse(result: StaticRenditionResult): APIGatewayProxyStructuredResultV2 {
  if (result.status !== 302) return text(result.status, result.message);
  return { statusCode: 302, headers: { location: result.location, 'cache-control': result.cacheControl } };
}

/**
 * Images (usecases/images.ts) as the Function URL returns them: binary bodies base64-encoded, cached as long as
 * the use case says (a year for public playback ids: the stills and frames behind an image never change).
 */
function imageResponse(result: ImageResult): APIGatewayProxyStructuredResultV2 {
  if (result.status === 302) {
    return { statusCode: 302, headers: { location: result.location, 'cache-control': result.cacheControl } };
  }
  if (result.status !== 200) return text(result.status, result.message);
  const headers = { 'content-type': result.contentType, 'cache-control': result.cacheControl };
  if (typeof result.body === 'string') return { statusCode: 200, headers, body: result.body };
  return { statusCode: 200, headers, body: Buffer.from(result.body).toString('base64'), isBase64Encoded: true };
}

export const handler = createPlaybackHandler(
  once(() => {
    const env = envFor('playback');
    const doc = documentClient();
    return {
      media: new DynamoMediaRepository(doc, env.MEDIA_TABLE),
      signingKeys: new DynamoSigningKeyRepository(doc, env.SIGNING_KEYS_TABLE),
      restrictions: new DynamoPlaybackRestrictionRepository(doc, env.MEDIA_TABLE),
      objects: new S3TextObjects(s3Client()),
      bytes: new S3ObjectBytes(s3Client()),
      outputBucket: env.OUTPUT_BUCKET,
      signer: new CdnAssetSigner(
        cdnKeyFromAws({
          secrets: new SecretsManagerClient({}),
          ssm: new SSMClient({}),
          secretArn: env.PLAYBACK_KEY_SECRET,
          streamUrlParameter: env.STREAM_URL_PARAMETER,
          keyPairId: env.PLAYBACK_KEY_PAIR_ID,
        }),
      ),
    };
  }),
);
