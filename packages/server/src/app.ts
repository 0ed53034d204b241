import { ApiErrors } from '@upshot/schema';
import { Elysia } from 'elysia';
import { type Config, maxRequestBytes } from './config.ts';

export { maxRequestBytes };

import type { Repository } from './db/repository.ts';
import { fetchSource as defaultFetchSource } from './fetch/safe-fetch.ts';
import { ApiError, errorResponse } from './http/api-error.ts';
import { createLogger, type Logger } from './http/logger.ts';
import type { Instance } from './instance.ts';
import { createWorkQueue } from './media/queue.ts';
import { accountRoutes } from './modules/accounts/index.ts';
import { createAccounts } from './modules/accounts/service.ts';
import { createSessions, createSessionUploadAuth } from './modules/accounts/session.ts';
import { albumRoutes } from './modules/albums/index.ts';
import { docsRoutes } from './modules/docs/index.ts';
import { healthRoutes } from './modules/health/index.ts';
import { createImageDeleter } from './modules/images/delete.ts';
import type { PresentContext } from './modules/images/image-object.ts';
import { imageRoutes } from './modules/images/index.ts';
import { settingsRoutes } from './modules/settings/index.ts';
import { internalError, uploadRoutes } from './modules/upload/index.ts';
import { createRateLimiter } from './modules/upload/rate-limit.ts';
import { createUploadService, type UploadServiceDeps } from './modules/upload/service.ts';
import { uploaderRoutes } from './modules/uploader/index.ts';
import type { Storage } from './storage/storage.ts';
import { createWeb } from './web/context.ts';
import { createImagePages } from './web/image-pages.ts';

export interface AppDeps {
  config: Config;
  repo: Repository;
  storage: Storage;
  instance: Instance;
  /** The clock; tests move it to check expiry without waiting. */
  now?: () => Date;
  fetchSource?: UploadServiceDeps['fetchSource'];
  log?: Logger;
}

const UPLOAD_PATHS = /^\/(api\/[^/]+\/[^/]+|1\/upload)\/?$/;

/**
 * Bun's own body limit is set out of reach (src/index.ts) so that every refusal comes in
 * the contract's envelope; this keeps bodies bounded instead. A declared length over the
 * limit is refused before a byte is read. A body without a length (chunked) is taken only
 * as a multipart upload, whose parser stops at the limit as it streams.
 */
export function refuseUnboundedBody(
  request: Request,
  bodyLimit: number,
  config: Config,
): Response | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const declared = request.headers.get('content-length');
  const upload = UPLOAD_PATHS.test(new URL(request.url).pathname);
  if (declared !== null) {
    if (Number(declared) <= bodyLimit) return undefined;
    return errorResponse(
      upload
        ? ApiErrors.fileTooBig(config.maxUploadMbUser)
        : { status: 413, code: 413, message: 'Request body too large' },
    );
  }
  if (!request.headers.has('transfer-encoding')) return undefined;
  const multipart = (request.headers.get('content-type') ?? '').startsWith('multipart/form-data');
  if (upload && multipart) return undefined;
  return errorResponse({ status: 411, code: 411, message: 'Length Required' });
}

/** Wires every module into one Elysia app. It never listens: src/index.ts does. */
export function createApp(deps: AppDeps) {
  const { config, repo, storage, instance } = deps;
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? createLogger(config.logRequests);
  const present: PresentContext = {
    baseUrl: config.baseUrl,
    ids: instance.ids,
    routeImage: config.routeImage,
    routeVideo: config.routeVideo,
  };
  const deleter = createImageDeleter(storage, repo);
  const uploads = createUploadService({
    config,
    repo,
    storage,
    queue: createWorkQueue(config.mediaConcurrency),
    now,
    fetchSource: deps.fetchSource ?? defaultFetchSource,
  });
  const bodyLimit = maxRequestBytes(config);
  // The pages: sessions in a cookie, every string in English and Chinese.
  const sessions = createSessions({ config, repo, secret: instance.sessionSecret, now });
  const accounts = createAccounts({ repo, now });
  const web = createWeb({ config, sessions });
  const pages = createImagePages({ web, repo, present });

  return new Elysia({ name: 'upshot' })
    .onRequest(({ request }) => refuseUnboundedBody(request, bodyLimit, config))
    .onError(({ code, error, request }) => {
      if (error instanceof ApiError) return errorResponse(error.spec);
      switch (code) {
        case 'NOT_FOUND':
          return errorResponse(ApiErrors.notFound);
        case 'PARSE':
          return errorResponse(ApiErrors.invalidParameter('request body'));
        case 'VALIDATION':
          return errorResponse(ApiErrors.invalidParameter('request'));
        default: {
          const requestId = crypto.randomUUID();
          log.error('request failed', {
            requestId,
            method: request.method,
            path: new URL(request.url).pathname,
            error,
          });
          return internalError(requestId);
        }
      }
    })
    .use(healthRoutes(repo))
    .use(docsRoutes(config, instance, web))
    .use(
      uploadRoutes({
        config,
        repo,
        instance,
        uploads,
        rateLimiter: createRateLimiter(),
        present,
        now,
        log,
        sessionAuth: createSessionUploadAuth({ sessions, repo }),
      }),
    )
    .use(imageRoutes({ config, repo, storage, instance, present, deleter, now, pages }))
    .use(uploaderRoutes({ config, repo, instance, web }))
    .use(
      accountRoutes({
        web,
        sessions,
        accounts,
        failures: createRateLimiter(),
        trustProxy: config.trustProxy,
        now,
      }),
    )
    .use(settingsRoutes({ config, repo, instance, web, sessions, accounts, now }))
    .use(albumRoutes({ web, sessions, repo, present, deleter, now }));
}

export type App = ReturnType<typeof createApp>;
export { createImageDeleter };
