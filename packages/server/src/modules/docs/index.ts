import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import { jsonResponse } from '../../http/api-error.ts';
import type { Instance } from '../../instance.ts';
import { apiDocsPage, apiV1Page } from '../../web/api-pages.ts';
import type { Web } from '../../web/context.ts';
import { buildOpenApi } from './openapi.ts';

export function docsRoutes(config: Config, instance: Instance, web: Web) {
  const openapi = buildOpenApi(config.baseUrl);
  return new Elysia({ name: 'docs' })
    .get('/api/openapi.json', () => jsonResponse(openapi))
    .get('/api/docs', ({ request }) => apiDocsPage(web, request, openapi))
    .get('/api-v1', ({ request }) =>
      apiV1Page(web, request, config, config.guestUploads ? instance.guestKey : null),
    );
}
