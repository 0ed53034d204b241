import { Elysia } from 'elysia';
import { jsonResponse } from '../api-error.ts';
import type { buildOpenApi } from '../openapi.ts';

/**
 * GET /api/openapi.json: the contract as OpenAPI 3.1, generated from packages/schema when
 * first asked for (not at start).
 */
export function openApiRoutes(openapi: () => ReturnType<typeof buildOpenApi>) {
  let body: string | null = null;
  return new Elysia({ name: 'openapi' }).get('/api/openapi.json', () => {
    body ??= JSON.stringify(openapi());
    return jsonResponse(JSON.parse(body), 200, { 'Cache-Control': 'public, max-age=300' });
  });
}
