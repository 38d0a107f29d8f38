/**
 * Finds the route of a request in the table: the path (trailing slashes ignored) against each route's template,
 * parameters by name. No route has the path: NotFoundError (404). Routes have it but not with this method:
 * MethodNotAllowed (405, with `Allow`).
 */
import { NotFoundError } from '../../core/domain/errors.js';
import { PATH_PARAM } from '../../core/openapi.js';
import type { Route } from './route.js';

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
