import { Elysia } from 'elysia';
import { jsonResponse } from '../api-error.ts';
import type { buildOpenApi } from '../openapi.ts';

/** GET /api/openapi.json: the contract as OpenAPI 3.1, generated from packages/schema. */
export function openApiRoutes(openapi: ReturnType<typeof buildOpenApi>) {
  const body = JSON.stringify(openapi);
  return new Elysia({ name: 'openapi' }).get('/api/openapi.json', () =>
    jsonResponse(JSON.parse(body), 200, { 'Cache-Control': 'public, max-age=300' }),
  );
}
