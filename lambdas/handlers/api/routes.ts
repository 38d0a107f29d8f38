/**
 * Every route the API serves, one file per resource. The handler dispatches with this table and the OpenAPI
 * document (`GET /openapi.json`) is written from it, so the two cannot disagree. A new resource is a new file of
 * `route({...})` entries, added here.
 */
import { openApiDocument } from '../../core/openapi.js';
import { accessTokenRoutes } from './access-tokens.js';
import { assetFileRoutes } from './asset-files.js';
import { assetRoutes } from './assets.js';
import { environmentRoutes } from './environments.js';
import { notSupportedRoutes } from './not-supported.js';
import { playbackRoutes } from './playback.js';
import { playbackIdRoutes } from './playback-ids.js';
import { playbackRestrictionRoutes } from './playback-restrictions.js';
import type { Route } from './route.js';
import { shotRoutes } from './shots.js';
import { signingKeyRoutes } from './signing-keys.js';
import { trackRoutes } from './tracks.js';
import { vocabularyRoutes } from './transcription-vocabularies.js';
import { uploadRoutes } from './uploads.js';
import { webhookRoutes } from './webhooks.js';

export const ROUTES: readonly Route[] = [
  ...uploadRoutes,
  ...assetRoutes,
  ...assetFileRoutes,
  ...trackRoutes,
  ...vocabularyRoutes,
  ...shotRoutes,
  ...playbackIdRoutes,
  ...playbackRestrictionRoutes,
  ...signingKeyRoutes,
  ...webhookRoutes,
  ...accessTokenRoutes,
  ...environmentRoutes,
  ...notSupportedRoutes,
  // `/{PLAYBACK_ID}/{FILE}` matches any two-segment path; no API path has two segments, and it refuses other files.
  ...playbackRoutes,
];

/** The API's OpenAPI 3.1 document, from the same table. */
export const apiDocument = (serverUrl?: string) => openApiDocument(ROUTES, serverUrl);
