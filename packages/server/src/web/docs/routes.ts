import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { buildOpenApi } from '../../http/openapi.ts';
import type { Instance } from '../../services/instance.ts';
import type { Web } from '../context.ts';
import { apiDocsPage, apiV1Page } from './pages.tsx';

/** The API explained for people: /api-v1, and /api/docs rendered from the OpenAPI document. */
export function docsRoutes(
  config: Config,
  instance: Instance,
  web: Web,
  /** Built when first asked for. */
  openapi: () => ReturnType<typeof buildOpenApi>,
) {
  return new Elysia({ name: 'docs-pages' })
    .get('/api/docs', ({ request }) => apiDocsPage(web, request, openapi()))
    .get('/api-v1', ({ request }) =>
      apiV1Page(web, request, config, config.guestUploads ? instance.guestKey : null),
    );
}
