/**
 * Routes Mux documents for on-demand video that this deployment does not serve yet. They answer 400 in Mux's error
 * shape saying so, never 404 as unknown paths, so a Mux client learns what is missing rather than that it has the
 * wrong base URL. Each entry goes when its work lands (tracks and clips, static renditions after creation, master
 * access, playback restrictions).
 */

import { ValidationError } from '../../core/domain/errors.js';
import type { Method } from '../../core/openapi.js';
import { type Route, route } from './route.js';

const refused = (method: Method, path: string, tag: string, what: string): Route =>
  route({
    method,
    path,
    // The permission the route will need, so a token learns it lacks one before it learns the route is missing.
    permission: path.startsWith('/system/') ? 'system:write' : method === 'GET' ? 'video:read' : 'video:write',
    summary: `Not yet supported in this deployment (${what}): 400`,
    tag,
    status: 400,
    run: async () => {
      throw new ValidationError([`${method} ${path}: ${what} is not yet supported in this deployment`]);
    },
  });

const ASSET = '/video/v1/assets/{ASSET_ID}';

export const notSupportedRoutes: readonly Route[] = [
  refused('DELETE', `${ASSET}/thumbnail-time`, 'Assets', 'a default thumbnail time'),
  refused('POST', `${ASSET}/static-renditions`, 'Assets', 'adding static renditions after creation'),
  refused('DELETE', `${ASSET}/static-renditions/{STATIC_RENDITION_ID}`, 'Assets', 'deleting static renditions'),
  refused('PUT', `${ASSET}/mp4-support`, 'Assets', 'changing mp4_support after creation'),
  refused('PUT', `${ASSET}/master-access`, 'Assets', 'changing master_access after creation'),
];
