import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, openApiDocument } from '../../lambdas/core/openapi.js';
import { type ApiEvent, createApiHandler, routes } from '../../lambdas/handlers/api.js';

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(openApiDocument() as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes exactly the routes the handler serves', () => {
    const described = OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path.replace(/\{[A-Z_]+\}/g, 'x1')}`);
    for (const line of described) {
      const [method, path] = line.split(' ') as [string, string];
      expect(
        routes.filter((r) => r.method === method && r.path.test(path)),
        line,
      ).toHaveLength(1);
    }
    expect(described).toHaveLength(routes.length);
  });

  it('carries the request schemas the handler validates with: strict bodies, field constraints', () => {
    type Schema = { additionalProperties?: boolean; properties: Record<string, Schema>; enum?: string[] };
    const upload = openApiDocument().paths['/video/v1/uploads']?.post as {
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
