/**
 * Finds the route of a request in the table: the path (trailing slashes ignored) against each route's template,
 * parameters by name. No route has the path: NotFoundError (404). Routes have it but not with this method:
 * MethodNotAllowed (405, with `Allow`).
 */
import { NotFoundError } from '../../core/domain/errors.js';
import { PATH_PARAM } from '../../core/openapi.js';
import type { Route } from './route.js';

/**
 * Parts of Mux's API Gamma does not offer, and why: a request for them is a 404 that says so, not the
 * "doesn't exist" of an unknown path, so a client switching from Mux learns at once what is missing.
 */
const NOT_OFFERED: readonly { prefix: string; reason: string }[] = [
  { prefix: '/video/v1/live-streams', reason: 'Gamma is on-demand video only: it has no live streams' },
  { prefix: '/video/v1/drm-configurations', reason: 'Gamma offers no DRM: use signed playback ids' },
  { prefix: '/video/v1/web-inputs', reason: 'Gamma has no live streams, so no web inputs' },
  { prefix: '/video/v1/spaces', reason: 'Gamma has no live streams, so no spaces' },
  { prefix: '/data/v1', reason: 'Gamma has no Mux Data (viewer analytics)' },
];

/** The reason a path is one of Mux's that Gamma does not offer, if it is. */
export function notOffered(path: string): string | undefined {
  return NOT_OFFERED.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`))?.reason;
}

export class MethodNotAllowed extends Error {
  constructor(readonly allowed: string[]) {
    super('Method not allowed');
  }
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** `/video/v1/assets/{ASSET_ID}` → `^/video/v1/assets/(?<ASSET_ID>[^/]+)$`; other characters match themselves. */
function compile(template: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const parts = template.split(PATH_PARAM); // literal, name, literal, name, …, literal
  const source = parts.map((part, i) => (i % 2 === 1 ? `(?<${part}>[^/]+)` : literal(part))).join('');
  return new RegExp(`^${source}$`);
}

export function createRouter(routes: readonly Route[]) {
  const seen = new Set<string>();
  for (const { method, path } of routes) {
    // Two entries for one method and path would leave one unreachable: refuse the table at load.
    const key = `${method} ${path.replace(PATH_PARAM, '{}')}`;
    if (seen.has(key)) throw new Error(`Two routes for ${key}: merge them into one entry`);
    seen.add(key);
  }
  const compiled = routes.map((route) => ({ route, pattern: compile(route.path) }));

  return function match(method: string, rawPath: string): Match {
    const path = rawPath.replace(/\/+$/, '');
    const matching = compiled.flatMap(({ route, pattern }) => {
      const found = pattern.exec(path);
      return found ? [{ route, params: { ...found.groups } }] : [];
    });
    if (matching.length === 0) throw new NotFoundError('route', path);
    const found = matching.find(({ route }) => route.method === method);
    if (!found) throw new MethodNotAllowed(matching.map(({ route }) => route.method));
    return found;
  };
}
