import { ApiErrors } from '@upshot/schema';
import { type AnyElysia, Elysia } from 'elysia';
import type { Config } from './config.ts';
import { errorResponse, jsonResponse } from './http/api-error.ts';
import { toApiError } from './http/errors.ts';
import { requestIdOf } from './http/request-id.ts';
import { internalError } from './http/routes/upload.ts';
import type { Logger } from './logger.ts';

/** Every route plugin of the server, built by server.ts from its services. */
export interface AppRoutes {
  api: AnyElysia[];
  web: AnyElysia[];
}

/** Error pages for browsers (web/errors), so a dead link is a page and not JSON. */
export interface ErrorPages {
  /** True for a request that asks for a page (GET or HEAD accepting text/html). */
  wants(request: Request): boolean;
  notFound(request: Request): Promise<Response>;
  /** 500 (or the status given) showing the request id; tried, as it may fail the same way. */
  serverError(request: Request, status?: number): Promise<Response>;
}

/**
 * The routes in one Elysia app, with the one error handler that answers in the contract's
 * envelope. It never listens: server.ts serves it behind its own fetch handler.
 */
export function createApp(deps: {
  config: Config;
  log: Logger;
  routes: AppRoutes;
  pages?: ErrorPages;
}) {
  const { config, log, pages } = deps;
  const app = new Elysia({ name: 'upshot' }).onError(async ({ code, error, request }) => {
    const mapped = toApiError(error, config);
    const forPeople = pages?.wants(request) === true;
    if (mapped) {
      // A page that failed for a known reason (the database away): a page, with its status.
      if (forPeople && mapped.spec.status >= 500) {
        const page = await pages!.serverError(request, mapped.spec.status).catch(() => null);
        if (page) {
          for (const [name, value] of Object.entries(mapped.headers)) page.headers.set(name, value);
          return page;
        }
      }
      return errorResponse(mapped.spec, false, mapped.headers);
    }
    switch (code) {
      case 'NOT_FOUND':
        if (forPeople) return pages!.notFound(request);
        return errorResponse(ApiErrors.notFound);
      case 'PARSE':
        return errorResponse(ApiErrors.invalidParameter('request body'));
      case 'VALIDATION':
        return errorResponse(ApiErrors.invalidParameter('request'));
      default: {
        const requestId = requestIdOf(request);
        log.error('request failed', {
          requestId,
          method: request.method,
          path: new URL(request.url).pathname,
          error,
        });
        if (forPeople) {
          const page = await pages!.serverError(request).catch(() => null);
          if (page) return page;
        }
        return internalError(requestId);
      }
    }
  });
  for (const plugin of [...deps.routes.api, ...deps.routes.web]) app.use(plugin);
  return app;
}

export type App = ReturnType<typeof createApp>;
export { jsonResponse };
