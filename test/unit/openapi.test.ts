import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../lambdas/handlers/api/router.js';
import { apiDocument, ROUTES } from '../../lambdas/handlers/api/routes.js';
import { type ApiEvent, createApiHandler } from '../../lambdas/handlers/api.js';

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(apiDocument() as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes exactly the routes the handler serves, and each one dispatches to its entry with named params', () => {
    const match = createRouter(ROUTES);
    const described = Object.entries(apiDocument().paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(described).toHaveLength(ROUTES.length);
    for (const { method, path } of described) {
      const names = [...path.matchAll(/\{([A-Z_]+)\}/g)].map(([, name]) => name as string);
      const concrete = path.replace(/\{([A-Z_]+)\}/g, (_m, name: string) => `${name.toLowerCase()}-1`);
      const found = match(method, concrete);
      expect(`${found.route.method} ${found.route.path}`).toBe(`${method} ${path}`);
      expect(found.params).toEqual(Object.fromEntries(names.map((name) => [name, `${name.toLowerCase()}-1`])));
    }
  });

  it('refuses a table with two entries for one method and path', () => {
    const [first] = ROUTES;
    if (!first) throw new Error('no routes');
    expect(() => createRouter([first, { ...first }])).toThrow(`Two routes for ${first.method} ${first.path}`);
  });

  it('carries the request schemas the handler validates with: strict bodies, field constraints', () => {
    type Schema = { additionalProperties?: boolean; properties: Record<string, Schema>; enum?: string[] };
    const upload = apiDocument().paths['/video/v1/uploads']?.post as {
      requestBody: { content: { 'application/json': { schema: Schema } } };
    };
    const schema = upload.requestBody.content['application/json'].schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.timeout).toMatchObject({ type: 'integer', minimum: 60, maximum: 604800 });
    expect(schema.properties.new_asset_settings?.properties.max_resolution_tier?.enum).toEqual([
      '1080p',
      '1440p',
      '2160p',
    ]);
  });

  it('is served at GET /openapi.json without credentials', async () => {
    const api = createApiHandler(() => {
      throw new Error('needs no dependencies');
    });
    const res = await api({
      rawPath: '/openapi.json',
      headers: {},
      requestContext: { http: { method: 'GET' } },
    } as unknown as ApiEvent);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).openapi).toBe('3.1.0');
  });
});
