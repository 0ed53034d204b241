// The one place that wires Upshot together: config → database → storage → services →
// routes → jobs. src/main.ts, the test harness and the benchmark all start it this way.
import { join } from 'node:path';
import { ApiErrors } from '@upshot/schema';
import type { Server } from 'bun';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { createRepositories, type Repositories } from './db/repositories/index.ts';
import type { fetchSource } from './fetch/safe-fetch.ts';
import { errorResponse } from './http/api-error.ts';
import { createBufferPool } from './http/buffer-pool.ts';
import { notePeer } from './http/client-ip.ts';
import { createDrain } from './http/drain.ts';
import { createFileCache } from './http/file-cache.ts';
import { createMemoryBudget } from './http/form.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { buildOpenApi } from './http/openapi.ts';
import { assignRequestId } from './http/request-id.ts';
import { createFileServer, watchServingChanges } from './http/routes/files.ts';
import { healthRoutes } from './http/routes/health.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { openApiRoutes } from './http/routes/openapi.ts';
import { reviewRoutes } from './http/routes/review.ts';
import { bodyLimitFor, uploadRoutes } from './http/routes/upload.ts';
import { startExpirySweep, sweepExpired } from './jobs/expiry-sweep.ts';
import { removeDueFiles, startFileDeletions } from './jobs/file-deletions.ts';
import { collect, startJanitor } from './jobs/janitor.ts';
import { createLogger, type Logger } from './logger.ts';
import { createWorkQueue } from './media/queue.ts';
import { createAccounts } from './services/accounts/accounts.ts';
import { createSessions, createSessionUploadAuth } from './services/accounts/sessions.ts';
import { createChevereto } from './services/chevereto.ts';
import { createImageDeleter } from './services/images/deleter.ts';
import type { PresentContext } from './services/images/present.ts';
import { type Instance, initInstance } from './services/instance.ts';
import { createFloodControl, createSignInThrottle } from './services/limits.ts';
import { createModeration } from './services/moderation.ts';
import { currentProcess, type ProcessIdentity } from './services/process-identity.ts';
import { createReviewService } from './services/review/service.ts';
import { createUploadService, type UploadServiceDeps } from './services/uploads/service.ts';
import { createLocalStorage } from './storage/local.ts';
import { createS3Storage } from './storage/s3.ts';
import type { Storage } from './storage/storage.ts';
import { accountRoutes } from './web/accounts/routes.ts';
import { adminRoutes } from './web/admin/routes.ts';
import { albumRoutes } from './web/albums/routes.ts';
import { cheveretoRoutes, createLegacyFileRedirect } from './web/chevereto/routes.ts';
import { createWeb, wantsHtml } from './web/context.ts';
import { docsRoutes } from './web/docs/routes.ts';
import { createGuard } from './web/guard.ts';
import { reviewPageRoutes } from './web/review/routes.ts';
import { settingsRoutes } from './web/settings/routes.ts';
import { uploaderRoutes } from './web/uploader/routes.ts';
import { createImagePages } from './web/viewer/pages.tsx';
import { viewerRoutes } from './web/viewer/routes.ts';

export interface ServerOptions {
  /** The clock; tests move it to check expiry without waiting. */
  now?: () => Date;
  fetchSource?: UploadServiceDeps['fetchSource'];
  log?: Logger;
  /** A storage driver to use instead of the configured one (tests inject failures). */
  storage?: Storage;
  /** Background jobs' round intervals (tests shorten them), and the delay of their first rounds. */
  intervals?: { sweepMs?: number; janitorMs?: number; deletionsMs?: number; firstRoundMs?: number };
}

const UPLOAD_PATHS = /^\/(api\/[^/]+\/[^/]+|1\/upload)\/?$/;
/** Bodies of everything but uploads (forms of the pages) are small. */
const PAGE_BODY_LIMIT = 1_000_000;
/**
 * The jobs' first rounds (leftovers of a crash, expiries and removals due while stopped)
 * wait this long after a start, so the first requests are not queued behind them.
 */
const JOBS_FIRST_ROUND_MS = 1_000;
/** Upload bytes held in memory by all requests together; more streams to temp files. */
const UPLOAD_MEMORY_BUDGET = 64 * 1024 * 1024;
/** Free upload buffers kept for the next uploads (http/buffer-pool.ts). */
const UPLOAD_BUFFERS_KEPT = 32 * 1024 * 1024;

/**
 * The path of a request's URL. Bun hands over absolute URLs; a path with a dot segment or
 * an escape goes through the URL parser, which resolves and normalises them.
 */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const query = url.indexOf('?', start);
  const path = query < 0 ? url.slice(start) : url.slice(start, query);
  return path.includes('/.') || path.includes('%') ? new URL(url).pathname : path;
}

function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set('X-Request-Id', requestId);
    return response;
  } catch {
    // Headers of a redirect made by Response.redirect are immutable: copy them.
    const copy = new Response(response.body, response);
    copy.headers.set('X-Request-Id', requestId);
    return copy;
  }
}

/** Loaded with the first upload from a URL, and node:net and node:dns with it. */
const defaultFetchSource: typeof fetchSource = async (url, options) =>
  (await import('./fetch/safe-fetch.ts')).fetchSource(url, options);

export async function createServer(config: Config, options: ServerOptions = {}) {
  const now = options.now ?? (() => new Date());
  const log =
    options.log ?? createLogger({ enabled: config.logRequests, format: config.logFormat });
  const me: ProcessIdentity = currentProcess();
  const tempDir = join(config.dataDir, '.tmp');
  // A no-op unless UPSHOT_METRICS_TOKEN is set (README: Metrics).
  const metrics: Metrics = await createMetrics(config.metricsToken !== undefined);

  const database: Database = metrics.meterDatabase(await openDatabase(config));
  // Serving /images/... remembers lookups and hot files; writes that change them tell it.
  const fileCache = createFileCache({ maxBytes: config.fileCacheBytes });
  const repos: Repositories = watchServingChanges(createRepositories(database), fileCache);
  const storage: Storage = metrics.meterStorage(options.storage ?? createStorage(config, me));
  const instance: Instance = await initInstance(config, repos, now());

  const drain = createDrain();
  const queue = createWorkQueue(config.mediaConcurrency, { onWait: metrics.queueWaited });
  metrics.watch({ queue, drain, server: () => server });
  const intervals = options.intervals ?? {};
  let fileDeletions: ReturnType<typeof startFileDeletions> | null = null;
  const deleter = createImageDeleter({
    images: repos.images,
    now,
    wake: () => fileDeletions?.wake(),
  });
  const present: PresentContext = {
    baseUrl: config.baseUrl,
    filesUrl: config.publicFilesUrl ?? config.baseUrl,
    ids: instance.ids,
    routeImage: config.routeImage,
    routeVideo: config.routeVideo,
  };
  const uploads = createUploadService({
    config,
    repos,
    storage,
    queue,
    deleter,
    now,
    fetchSource: options.fetchSource ?? defaultFetchSource,
    instanceId: me.id,
    tempDir,
  });
  const review = createReviewService({
    config,
    repos,
    storage,
    queue,
    uploads,
    deleter,
    present,
    now,
  });
  const sessions = createSessions({ config, repos, secret: instance.sessionSecret, now });
  const accounts = createAccounts({
    repos,
    throttle: createSignInThrottle({ counters: repos.counters }),
    now,
    signups: config.signups,
  });
  const web = createWeb({ config, sessions });
  const guard = createGuard({ web, sessions });
  const pages = createImagePages({ web, repos, present, now });
  const moderation = createModeration({ repos, deleter, now });
  // Built at the first request for it, not at start.
  let openapiDocument: ReturnType<typeof buildOpenApi> | null = null;
  const openapi = () => {
    openapiDocument ??= buildOpenApi(config.baseUrl);
    return openapiDocument;
  };
  // What a site imported from Chevereto needs (README: Moving from Chevereto).
  const chevereto = createChevereto({ repos, ids: instance.ids });
  const serveFile = createFileServer({
    repos,
    storage,
    now,
    viewerOf: async (request) => (await sessions.read(request)).user?.id ?? null,
    otherPath: createLegacyFileRedirect({ repos, now, filesUrl: present.filesUrl }),
    cache: fileCache,
  });

  const app = createApp({
    config,
    log,
    routes: {
      api: [
        healthRoutes({ pingDatabase: () => database.ping(), storage, drain }),
        openApiRoutes(openapi),
        metricsRoutes({ token: config.metricsToken, metrics }),
        uploadRoutes({
          config,
          repos,
          instance,
          uploads,
          flood: createFloodControl({ counters: repos.counters, config }),
          present,
          drain,
          now,
          log,
          metrics,
          sessionAuth: createSessionUploadAuth({ sessions, repos }),
          tempDir,
          tempPrefix: me.id,
          memoryBudget: createMemoryBudget(UPLOAD_MEMORY_BUDGET),
          bufferPool: createBufferPool({ maxFreeBytes: UPLOAD_BUFFERS_KEPT }),
          chevereto,
        }),
        reviewRoutes({
          config,
          repos,
          instance,
          review,
          drain,
          now,
          log,
          tempDir,
          tempPrefix: me.id,
        }),
      ],
      web: [
        docsRoutes(config, instance, web, openapi),
        viewerRoutes({ config, repos, instance, present, deleter, now, pages, chevereto }),
        uploaderRoutes({ config, repos, instance, web, now }),
        accountRoutes({ config, web, sessions, accounts, moderation, guard }),
        settingsRoutes({ config, repos, instance, web, guard, accounts, now }),
        albumRoutes({ web, guard, repos, present, deleter, now, userQuotaMb: config.userQuotaMb }),
        adminRoutes({ config, web, guard, repos, moderation, present, now }),
        reviewPageRoutes({ web, review }),
        cheveretoRoutes(),
      ],
    },
    // A browser that asks for a page gets error pages in its language; the API its envelope.
    pages: {
      wants: wantsHtml,
      notFound: async (request) => web.errorPage(await web.context(request), 'not-found'),
      // Without the session: the failure may be the database that keeps it.
      serverError: async (request, status) =>
        web.errorPage(web.bareContext(request), 'server', undefined, status),
    },
  });

  /**
   * Bun's own body limit is set out of reach (listen below), so that every refusal comes
   * in the contract's envelope; this keeps bodies bounded instead. A declared length over
   * the limit is refused before a byte is read; a body without a length is read only by
   * the upload routes, which bound it as it streams.
   */
  function refuseBody(request: Request, path: string): Response | undefined {
    if (request.method === 'GET' || request.method === 'HEAD') return undefined;
    const upload = UPLOAD_PATHS.test(path);
    const limit = upload ? bodyLimitFor(config.maxUploadMbUser) : PAGE_BODY_LIMIT;
    const declared = request.headers.get('content-length');
    if (declared !== null) {
      if (Number(declared) <= limit) return undefined;
      if (upload) metrics.refused({ status: 413, code: ApiErrors.fileTooBig(0).code, seconds: 0 });
      return errorResponse(
        upload
          ? ApiErrors.fileTooBig(config.maxUploadMbUser)
          : { status: 413, code: 413, message: 'Request body too large' },
        false,
        { Connection: 'close' },
      );
    }
    if (!request.headers.has('transfer-encoding') || upload) return undefined;
    return errorResponse({ status: 411, code: 411, message: 'Length Required' });
  }

  /** Every request comes through here: an id, the peer address, then the routes. */
  function fetch(request: Request, server: Server<unknown> | null): Response | Promise<Response> {
    const requestId = assignRequestId(request);
    notePeer(request, server);
    const path = pathOf(request.url);
    if (path.startsWith('/images/') && (request.method === 'GET' || request.method === 'HEAD')) {
      const started = performance.now();
      const served = (response: Response) => {
        metrics.fileServed(response.status, (performance.now() - started) / 1000);
        return withRequestId(response, requestId);
      };
      const failed = (error: unknown) => {
        log.error('file read failed', { requestId, error });
        return errorResponse(ApiErrors.storageUnavailable, false, { 'Retry-After': '10' });
      };
      let reply: Response | Promise<Response>;
      try {
        reply = serveFile(request, path);
      } catch (error) {
        reply = failed(error);
      }
      // A file held in memory is answered without a promise (README: Performance).
      return reply instanceof Response ? served(reply) : reply.catch(failed).then(served);
    }
    const refused = refuseBody(request, path);
    if (refused) return withRequestId(refused, requestId);
    return app.handle(request).then((response) => withRequestId(response, requestId));
  }

  let server: Server<unknown> | null = null;
  let jobs: { stop(): Promise<void> } | null = null;

  return {
    config,
    database,
    repos,
    storage,
    instance,
    me,
    drain,
    metrics,
    app,
    fetch,

    /** Starts the background jobs: janitor (collects what a crash left), removals, expiry. */
    async startJobs(): Promise<void> {
      const firstRunAfterMs = intervals.firstRoundMs ?? JOBS_FIRST_ROUND_MS;
      fileDeletions = startFileDeletions({
        firstRunAfterMs,
        repos,
        storage,
        now,
        log,
        intervalMs: intervals.deletionsMs,
      });
      const janitor = await startJanitor({
        repos,
        deleter,
        me,
        activeClaims: uploads.activeClaims,
        tempDir,
        now,
        log,
        intervalMs: intervals.janitorMs,
        firstRunAfterMs,
      });
      const sweep = startExpirySweep({
        repos,
        deleter,
        now,
        log,
        holder: me.id,
        intervalMs: intervals.sweepMs,
        firstRunAfterMs,
      });
      const deletions = fileDeletions;
      jobs = {
        async stop() {
          await Promise.all([sweep.stop(), deletions.stop(), janitor.stop()]);
        },
      };
    },

    /** One janitor round now (tests, and `doctor`). */
    collectLeftovers: () =>
      collect({ repos, deleter, me, activeClaims: uploads.activeClaims, tempDir, now, log }),

    /** Sweeps expired images and removes every file removal that is due, now. */
    async sweepNow(): Promise<number> {
      const removed = await sweepExpired({ repos, deleter, now });
      await removeDueFiles({ repos, storage, now });
      return removed;
    },

    listen(port = config.port, hostname = config.host): Server<unknown> {
      server = Bun.serve({
        port,
        hostname,
        // Out of reach on purpose: refuseBody and the upload routes bound bodies themselves.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        // Bun closes an idle connection, or a stalled body, after this (see config.ts).
        idleTimeout: Math.round(config.idleTimeoutMs / 1000),
        fetch: (request, bunServer) => fetch(request, bunServer),
      });
      return server;
    },

    get server() {
      return server;
    },

    /**
     * Stops taking connections, lets running requests finish until the drain deadline
     * (then aborts them: each answers 503), stops the jobs and closes the database.
     */
    async stop(drainMs = config.shutdownTimeoutMs): Promise<{ aborted: number }> {
      const listening = server;
      server = null;
      void listening?.stop(false);
      const { aborted } = await drain.drain(drainMs);
      // Replies written by aborted requests still have to leave: give them a moment.
      const flushBy = Date.now() + 2_000;
      while (listening && listening.pendingRequests > 0 && Date.now() < flushBy) {
        await Bun.sleep(20);
      }
      await listening?.stop(true);
      await jobs?.stop();
      await database.close();
      return { aborted };
    },
  };
}

function createStorage(config: Config, me: ProcessIdentity): Storage {
  if (config.storage === 's3' && config.s3) return createS3Storage(config.s3);
  return createLocalStorage(config.dataDir, {
    tempPrefix: me.id,
    minFreeBytes: config.minFreeBytes,
  });
}

export type UpshotServer = Awaited<ReturnType<typeof createServer>>;
