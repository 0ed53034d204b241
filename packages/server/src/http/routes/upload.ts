// POST /api/1/upload (Chevereto) and POST /1/upload (imgbb): who is asking, their flood
// count, the body within their limits, the parameters, then the upload service. The body
// is read here (not by Elysia) so that its limit and deadline depend on who sends it.
import { ApiErrors, type Image, type UploadFormat } from '@upshot/schema';
import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { ImageRow } from '../../db/schema/index.ts';
import type { Logger } from '../../logger.ts';
import { InvalidCsrfError } from '../../services/accounts/sessions.ts';
import type { Chevereto } from '../../services/chevereto.ts';
import type { PresentContext } from '../../services/images/present.ts';
import { presentImage, presentImgbb } from '../../services/images/present.ts';
import type { Instance } from '../../services/instance.ts';
import type { FloodControl } from '../../services/limits.ts';
import { type Principal, resolveKey } from '../../services/principal.ts';
import type { UploadService } from '../../services/uploads/service.ts';
import { isHttpUrl } from '../../services/uploads/source.ts';
import { ApiError, errorResponse, jsonResponse } from '../api-error.ts';
import { BodyTooLargeError, readBodyText } from '../body.ts';
import type { BufferPool } from '../buffer-pool.ts';
import { clientIp } from '../client-ip.ts';
import type { Drain } from '../drain.ts';
import { toApiError } from '../errors.ts';
import { type MemoryBudget, type ReceivedForm, receiveForm } from '../form.ts';
import type { Metrics } from '../metrics.ts';
import { requestIdOf } from '../request-id.ts';
import { parseUploadParams, readFormat, type WireParams } from './upload-params.ts';

/** The web uploader's way in: the browser session (its user, or a guest) and a CSRF header. */
export type SessionUploadAuth = (
  request: Request,
) => Promise<{ principal: Principal; uploaded(row: ImageRow): Promise<void> }>;

export interface UploadRoutesDeps {
  config: Config;
  repos: Pick<Repositories, 'keys'>;
  instance: Instance;
  uploads: UploadService;
  flood: FloodControl;
  present: PresentContext;
  drain: Drain;
  now: () => Date;
  log: Logger;
  metrics: Metrics;
  sessionAuth?: SessionUploadAuth;
  /** Where bodies that are too big for memory are streamed (services/instance.ts tempDir). */
  tempDir: string;
  /** Memory all uploads being received may hold together. */
  memoryBudget: MemoryBudget;
  /** Buffers reused between uploads received in memory. */
  bufferPool: BufferPool;
  tempPrefix: string;
  /** Keys imported from Chevereto (README: Moving from Chevereto). */
  chevereto?: Pick<Chevereto, 'findKey'>;
}

const API_VERSIONS = new Set(['1', '1.1']);
/** Files up to this size stay in memory; bigger ones stream to a temp file as they arrive. */
export const MEMORY_THRESHOLD = 8 * 1024 * 1024;

/** Largest body worth reading for an upload limit: the file as base64, plus room for fields. */
export const bodyLimitFor = (maxMb: number): number =>
  Math.ceil(maxMb * 1_000_000 * (4 / 3)) + 1_000_000;

type Dialect = 'chevereto' | 'imgbb-api';

export function uploadRoutes(deps: UploadRoutesDeps) {
  const { config, instance, present, log } = deps;
  const maxMbOf = (principal: Principal | null) =>
    principal?.kind === 'user' ? config.maxUploadMbUser : config.maxUploadMbGuest;

  /** The key from the header or the query string, or the page's session. */
  async function principalBeforeBody(
    request: Request,
    query: WireParams,
  ): Promise<{ principal: Principal | null; uploaded?: (row: ImageRow) => Promise<void> }> {
    const headerKey = request.headers.get('x-api-key');
    const queryKey = typeof query.key === 'string' ? query.key : undefined;
    if (!headerKey?.trim() && !queryKey?.trim()) {
      if (deps.sessionAuth && request.headers.has('x-csrf-token')) {
        const session = await deps.sessionAuth(request);
        return { principal: session.principal, uploaded: session.uploaded };
      }
      return { principal: null };
    }
    return { principal: await principalOf([headerKey, queryKey]) };
  }

  async function principalOf(candidates: Array<string | null | undefined>): Promise<Principal> {
    const lookup = await resolveKey(
      deps.repos,
      instance.guestKey,
      candidates,
      deps.now(),
      deps.chevereto,
    );
    if ('missing' in lookup) throw new ApiError(ApiErrors.noKey);
    if ('unknown' in lookup) throw new ApiError(ApiErrors.invalidKey);
    return lookup.found;
  }

  /** The body's fields and files; a `key` field read before the file may raise the limit. */
  async function readBody(
    request: Request,
    who: { principal: Principal | null },
    signal: AbortSignal,
  ): Promise<{ fields: WireParams; form: ReceivedForm | null }> {
    const type = (request.headers.get('content-type') ?? '').toLowerCase();
    const limits = {
      maxBytes: () => bodyLimitFor(maxMbOf(who.principal)),
      timeoutMs: config.bodyTimeoutMs,
      signal,
    };
    if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form')) {
      const form = await receiveForm(request, {
        ...limits,
        fileFields: ['source', 'image'],
        maxFieldBytes: bodyLimitFor(config.maxUploadMbUser),
        memoryThreshold: MEMORY_THRESHOLD,
        memoryBudget: deps.memoryBudget,
        bufferPool: deps.bufferPool,
        tempDir: deps.tempDir,
        tempPrefix: deps.tempPrefix,
        onField: async (name, value) => {
          if (name === 'key' && who.principal === null && value.trim() !== '') {
            who.principal = await principalOf([value]).catch(() => null);
          }
        },
      });
      return { fields: { ...form.fields, ...form.files }, form };
    }
    if (type.startsWith('application/json')) {
      const text = await readBodyText(request, limits);
      let parsed: unknown;
      try {
        parsed = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new ApiError(ApiErrors.invalidParameter('request body'));
      }
      const fields: WireParams = {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed)) {
          if (typeof value === 'string') fields[key] = value;
          else if (typeof value === 'number' || typeof value === 'boolean')
            fields[key] = String(value);
        }
      }
      return { fields, form: null };
    }
    return { fields: {}, form: null };
  }

  function success(image: Image, format: UploadFormat, imgbbMode: boolean): Response {
    if (format === 'txt') {
      return new Response(image.url, {
        headers: {
          'Content-Type': 'text/plain; charset=UTF-8',
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        },
      });
    }
    if (format === 'redirect')
      return new Response(null, {
        status: 302,
        headers: { Location: image.path_viewer, 'Cache-Control': 'no-store' },
      });
    const reply = { message: 'file uploaded', code: 200 } as const;
    if (imgbbMode) {
      return jsonResponse({
        status_code: 200,
        status: 200,
        success: reply,
        data: { ...image, id: image.id_encoded },
        status_txt: 'OK',
      });
    }
    return jsonResponse({ status_code: 200, success: reply, image, status_txt: 'OK' });
  }

  async function handle(dialect: Dialect, request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    const query: WireParams = {};
    for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value;
    let plain = false;
    const tracked = deps.drain.track();
    let form: ReceivedForm | null = null;
    const who: { principal: Principal | null } = { principal: null };
    try {
      if (deps.drain.draining) throw new ApiError(ApiErrors.shuttingDown);
      plain = dialect === 'chevereto' && readFormat(query) !== 'json';
      const now = deps.now();
      const ip = clientIp(request, config.trustProxy);
      // An unknown key is answered after the body is read (within the guest limit), so
      // that a `format` given in the body decides how the 401 is written.
      let keyError: ApiError | null = null;
      const before = await principalBeforeBody(request, query).catch((error: unknown) => {
        if (!(error instanceof ApiError) || error.spec.status !== 401) throw error;
        keyError = error;
        return { principal: null, uploaded: undefined };
      });
      who.principal = before.principal;
      // The flood count is taken before anything costly, refused requests included.
      if (who.principal) {
        if (who.principal.kind === 'guest' && !config.guestUploads) {
          throw new ApiError(ApiErrors.requestDenied);
        }
        await deps.flood.take(who.principal, ip, now);
        const declared = Number(request.headers.get('content-length') ?? 0);
        if (declared > bodyLimitFor(maxMbOf(who.principal))) {
          throw new BodyTooLargeError(bodyLimitFor(maxMbOf(who.principal)));
        }
      }
      const keyedBefore = who.principal !== null;
      const body = await readBody(request, who, tracked.signal);
      form = body.form;
      const params: WireParams = { ...query, ...body.fields };
      if (dialect === 'chevereto') plain = readFormat(params) !== 'json';
      if (keyError) throw keyError;
      if (!keyedBefore) {
        // The key came in the body (or nowhere).
        who.principal ??= await principalOf([typeof params.key === 'string' ? params.key : '']);
        if (who.principal.kind === 'guest' && !config.guestUploads) {
          throw new ApiError(ApiErrors.requestDenied);
        }
        await deps.flood.take(who.principal, ip, now);
      }
      const principal = who.principal!;
      const upload = parseUploadParams(params, instance.ids);
      if (
        request.method === 'GET' &&
        upload.source.kind === 'text' &&
        upload.source.text.trim() !== '' &&
        !isHttpUrl(upload.source.text.trim())
      ) {
        throw new ApiError(ApiErrors.base64OverGet);
      }
      const outcome = await deps.uploads.upload({
        principal,
        clientIp: ip,
        source: upload.source,
        title: upload.title,
        description: upload.description,
        tags: upload.tags,
        albumId: upload.albumId,
        categoryId: upload.categoryId,
        width: upload.width,
        expiration: upload.expiration,
        nsfw: upload.nsfw,
        signal: tracked.signal,
      });
      if (before.uploaded) await before.uploaded(outcome.row);
      // One line per upload; never the key, the delete token or the client's file name.
      log.info('upload', {
        requestId: requestIdOf(request),
        id: outcome.row.id,
        type: outcome.row.type,
        bytes: outcome.row.size,
        by: principal.kind === 'user' ? `user ${principal.user.id}` : 'guest',
        duplicate: outcome.duplicate,
        ms: Math.round(performance.now() - started),
      });
      // Metrics (README: Metrics), beside the log line.
      deps.metrics.uploaded({
        type: outcome.row.type,
        bytes: outcome.row.size,
        duplicate: outcome.duplicate,
        seconds: (performance.now() - started) / 1000,
      });
      const image = presentImage(outcome.row, present, outcome.deleteToken, deps.now(), outcome);
      if (dialect === 'imgbb-api') {
        return jsonResponse(presentImgbb(image, outcome.row, deps.now()));
      }
      return success(image, upload.format, upload.imgbbMode);
    } catch (error) {
      let mapped = toApiError(error, config);
      if (error instanceof InvalidCsrfError) {
        mapped = { spec: { status: 403, code: 403, message: 'Invalid CSRF token' }, headers: {} };
      }
      if (error instanceof BodyTooLargeError) {
        mapped = {
          spec: ApiErrors.fileTooBig(maxMbOf(who.principal)),
          headers: { Connection: 'close' },
        };
      }
      if (mapped) {
        log.info('upload refused', {
          requestId: requestIdOf(request),
          status: mapped.spec.status,
          code: mapped.spec.code,
          message: mapped.spec.message,
        });
        // Metrics (README: Metrics), beside the log line.
        deps.metrics.refused({
          status: mapped.spec.status,
          code: mapped.spec.code,
          seconds: (performance.now() - started) / 1000,
        });
        return errorResponse(mapped.spec, plain, mapped.headers);
      }
      const requestId = requestIdOf(request);
      log.error('upload failed', { requestId, error });
      // Metrics (README: Metrics), beside the log line.
      deps.metrics.refused({
        status: ApiErrors.internal.status,
        code: ApiErrors.internal.code,
        seconds: (performance.now() - started) / 1000,
      });
      return internalError(requestId, plain);
    } finally {
      tracked.done();
      await form?.cleanup();
    }
  }

  return (
    new Elysia({ name: 'upload' })
      // The routes below read their own body: Elysia must not.
      .onParse({ as: 'local' }, () => null)
      .all('/api/:version/:action', ({ request, params }) => {
        if (!API_VERSIONS.has(params.version)) return errorResponse(ApiErrors.invalidVersion);
        if (params.action !== 'upload') return errorResponse(ApiErrors.invalidAction);
        if (request.method !== 'GET' && request.method !== 'POST') {
          return errorResponse({ status: 405, code: 405, message: 'Method not allowed' }, false, {
            Allow: 'GET, POST',
          });
        }
        return handle('chevereto', request);
      })
      .post('/1/upload', ({ request }) => handle('imgbb-api', request))
  );
}

export function internalError(requestId: string, plain = false): Response {
  const spec = ApiErrors.internal;
  if (plain) return errorResponse(spec, true, { 'X-Request-Id': requestId });
  return jsonResponse(
    {
      status_code: 500,
      error: { message: spec.message, code: spec.code, request_id: requestId },
      status_txt: 'Internal Server Error',
    },
    500,
    { 'X-Request-Id': requestId },
  );
}
