/**
 * Routes Mux documents for on-demand video that this deployment does not serve yet. They answer 400 in Mux's error
 * shape saying so, never 404 as unknown paths, so a Mux client learns what is missing rather than that it has the
 * wrong base URL. Each entry goes when its work lands (tracks and clips, playback restrictions).
 */

import { ValidationError } from '../../core/domain/errors.js';
import type { Method } from '../../core/openapi.js';
import { type Route, route } from './route.js';

export const refused = (method: Method, path: string, tag: string, what: string): Route =>
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

/** None left: every on-demand route Mux documents is served now. A route not built yet goes here with `refused`. */
export const notSupportedRoutes: readonly Route[] = [];
