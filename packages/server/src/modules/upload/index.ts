import { ApiErrors, type Image, type UploadFormat } from '@upshot/schema';
import { Elysia } from 'elysia';
import { type Config, maxRequestBytes } from '../../config.ts';
import type { Repository } from '../../db/repository.ts';
import type { ImageRow } from '../../db/schema.ts';
import { API_HEADERS, ApiError, errorResponse, jsonResponse } from '../../http/api-error.ts';
import { clientIp, type PeerAddressSource } from '../../http/client-ip.ts';
import type { Logger } from '../../http/logger.ts';
import { isFilePart, parseMultipart } from '../../http/multipart.ts';
import type { Instance } from '../../instance.ts';
import { type PresentContext, presentImage, presentImgbb } from '../images/image-object.ts';
import { type Principal, resolvePrincipal } from '../keys/principal.ts';
import { parseUploadParams, readFormat, type WireParams } from './params.ts';
import { RateLimitedError, type RateLimiter, type RateWindow } from './rate-limit.ts';
import type { UploadService } from './service.ts';

export interface UploadRoutesDeps {
  config: Config;
  repo: Repository;
  instance: Instance;
  uploads: UploadService;
  rateLimiter: RateLimiter;
  present: PresentContext;
  now: () => Date;
  log: Logger;
  /**
   * The web uploader's way in: with no key at all and an X-CSRF-Token header, the
   * browser session authenticates (its user, or a guest). Throws an ApiError when the
   * token does not match. `uploaded` runs after each successful upload.
   */
  sessionAuth?: (request: Request) => { principal: Principal; uploaded(row: ImageRow): void };
}

const API_VERSIONS = new Set(['1', '1.1']);

/** Query and body merged, body winning; JSON numbers and booleans become text. */
function wireParams(query: Record<string, unknown>, body: unknown): WireParams {
  const out: WireParams = {};
  const add = (source: unknown) => {
    if (!source || typeof source !== 'object' || isFilePart(source)) return;
    for (const [key, raw] of Object.entries(source)) {
      // A repeated field: a file part wins (CONTRACT.md §2), else the first value.
      const value = Array.isArray(raw) ? (raw.find(isFilePart) ?? raw[0]) : raw;
      if (isFilePart(value)) out[key] = value;
      else if (typeof value === 'string') out[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    }
  };
  add(query);
  add(body);
  return out;
}

type Dialect = 'chevereto' | 'imgbb-api';

export function uploadRoutes(deps: UploadRoutesDeps) {
  const { config, repo, instance, uploads, rateLimiter, present, log } = deps;

  /** Who is counted for flood control, and in which windows; null: not limited (admin). */
  function rateWindows(
    principal: Principal,
    ip: string | null,
  ): { who: string; windows: RateWindow[] } | null {
    if (principal.kind === 'guest') {
      return {
        who: `guest:${ip ?? 'unknown'}`,
        windows: [
          { limit: config.rateLimitGuestPerMinute, seconds: 60, unit: 'minute' },
          { limit: config.rateLimitGuestPerHour, seconds: 3600, unit: 'hour' },
        ],
      };
    }
    if (principal.user.isAdmin) return null;
    return {
      who: `user:${principal.user.id}`,
      windows: [
        { limit: config.rateLimitUserPerMinute, seconds: 60, unit: 'minute' },
        { limit: config.rateLimitUserPerHour, seconds: 3600, unit: 'hour' },
      ],
    };
  }

  function success(image: Image, format: UploadFormat, imgbbMode: boolean): Response {
    if (format === 'txt') {
      return new Response(image.url, {
        headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...API_HEADERS },
      });
    }
    if (format === 'redirect')
      return new Response(null, { status: 302, headers: { Location: image.path_viewer } });
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

  async function handle(
    dialect: Dialect,
    request: Request,
    query: Record<string, unknown>,
    body: unknown,
    server: PeerAddressSource | null,
  ): Promise<Response> {
    const params = wireParams(query, body);
    const started = performance.now();
    let plain = false;
    try {
      plain = dialect === 'chevereto' && readFormat(params) !== 'json';
      const now = deps.now();
      const headerKey = request.headers.get('x-api-key');
      const paramKey = typeof params.key === 'string' ? params.key : undefined;
      const viaSession =
        deps.sessionAuth &&
        !headerKey?.trim() &&
        !paramKey?.trim() &&
        request.headers.has('x-csrf-token')
          ? deps.sessionAuth(request)
          : null;
      const principal =
        viaSession?.principal ??
        resolvePrincipal(repo, instance.guestKey, headerKey, paramKey, now);
      if (principal.kind === 'guest' && !config.guestUploads)
        throw new ApiError(ApiErrors.requestDenied);
      const ip = clientIp(request, server, config.trustProxy);
      const limits = rateWindows(principal, ip);
      const uploadRequest = parseUploadParams(params, instance.ids);
      if (limits) rateLimiter.check(limits.who, limits.windows, now);
      const outcome = await uploads.upload(uploadRequest, {
        principal,
        method: request.method,
        clientIp: ip,
      });
      if (limits && !outcome.duplicate) rateLimiter.record(limits.who, limits.windows, now);
      viaSession?.uploaded(outcome.row);
      // One line per upload; never the key, the delete token or the client's file name.
      log.info('upload', {
        id: outcome.row.id,
        type: outcome.row.type,
        bytes: outcome.row.size,
        by: principal.kind === 'user' ? `user ${principal.user.id}` : 'guest',
        duplicate: outcome.duplicate,
        ms: Math.round(performance.now() - started),
      });
      const image = presentImage(outcome.row, present, outcome.deleteToken, deps.now());
      if (dialect === 'imgbb-api')
        return jsonResponse(presentImgbb(image, outcome.row, deps.now()));
      return success(image, uploadRequest.format, uploadRequest.imgbbMode);
    } catch (error) {
      if (error instanceof ApiError) {
        log.info('upload refused', {
          status: error.status,
          code: error.spec.code,
          message: error.spec.message,
        });
      }
      if (error instanceof RateLimitedError) {
        return errorResponse(error.spec, plain, { 'Retry-After': String(error.retryAfterSeconds) });
      }
      if (error instanceof ApiError) return errorResponse(error.spec, plain);
      const requestId = crypto.randomUUID();
      log.error('upload failed', { requestId, error });
      return internalError(requestId, plain);
    }
  }

  const multipartLimits = {
    maxBytes: maxRequestBytes(config),
    maxMb: Math.max(config.maxUploadMbUser, config.maxUploadMbGuest),
  };

  return new Elysia({ name: 'upload' })
    .onParse(({ request }, contentType) =>
      contentType.startsWith('multipart/form-data')
        ? parseMultipart(request, multipartLimits)
        : undefined,
    )
    .all('/api/:version/:action', ({ request, params, query, body, server }) => {
      if (!API_VERSIONS.has(params.version)) return errorResponse(ApiErrors.invalidVersion);
      if (params.action !== 'upload') return errorResponse(ApiErrors.invalidAction);
      if (request.method !== 'GET' && request.method !== 'POST') {
        return errorResponse({ status: 405, code: 405, message: 'Method not allowed' }, false, {
          Allow: 'GET, POST',
        });
      }
      return handle('chevereto', request, query, body, server);
    })
    .post('/1/upload', ({ request, query, body, server }) =>
      handle('imgbb-api', request, query, body, server),
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
