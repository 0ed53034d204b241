// Visual review, a documented extension of the API (README: Visual review): baseline sets
// (POST/GET /api/1/baselines), comparisons (POST /api/1/compare) and the diff of two images
// (POST /api/1/diff). Authenticated by the API key like uploads; sets belong to its user.
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ApiErrors, BaselineInput, CompareInput, ReviewLimits } from '@upshot/schema';
import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { Logger } from '../../logger.ts';
import type { Instance } from '../../services/instance.ts';
import { type Principal, resolveKey } from '../../services/principal.ts';
import { ReviewRefusal, type ReviewService } from '../../services/review/service.ts';
import { ApiError, errorResponse, jsonResponse } from '../api-error.ts';
import { readBodyText } from '../body.ts';
import type { Drain } from '../drain.ts';
import { toApiError } from '../errors.ts';
import { type ReceivedFile, type ReceivedForm, receiveForm } from '../form.ts';
import { requestIdOf } from '../request-id.ts';
import { bodyLimitFor, internalError, MEMORY_THRESHOLD } from './upload.ts';

export interface ReviewRoutesDeps {
  config: Config;
  repos: Pick<Repositories, 'keys'>;
  instance: Instance;
  review: ReviewService;
  drain: Drain;
  now: () => Date;
  log: Logger;
  tempDir: string;
  tempPrefix: string;
}

/** A set of 2,000 names and ids is well under this. */
const JSON_LIMIT = 2_000_000;

const ok = (body: Record<string, unknown>) =>
  jsonResponse({ status_code: 200, ...body, status_txt: 'OK' });

export function reviewRoutes(deps: ReviewRoutesDeps) {
  const { config } = deps;

  async function principalOf(request: Request): Promise<Principal> {
    const url = new URL(request.url);
    const lookup = await resolveKey(
      deps.repos,
      deps.instance.guestKey,
      [request.headers.get('x-api-key'), url.searchParams.get('key')],
      deps.now(),
    );
    if ('missing' in lookup) throw new ApiError(ApiErrors.noKey);
    if ('unknown' in lookup) throw new ApiError(ApiErrors.invalidKey);
    return lookup.found;
  }

  /** The JSON body, checked against its schema; the first problem names the field. */
  async function jsonBody<T extends TSchema>(
    request: Request,
    schema: T,
    signal: AbortSignal,
  ): Promise<T['static']> {
    const text = await readBodyText(request, {
      maxBytes: () => JSON_LIMIT,
      timeoutMs: config.bodyTimeoutMs,
      signal,
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(ApiErrors.invalidParameter('request body'));
    }
    const error = Value.Errors(schema, parsed).First();
    if (error) {
      const field = error.path.replace(/^\//, '').replace(/\//g, '.') || 'request body';
      throw new ApiError(ApiErrors.invalidParameter(field));
    }
    return parsed as T['static'];
  }

  /** Every route: key first, errors in the contract's envelope, a 500 with a request id. */
  async function handle(
    request: Request,
    work: (principal: Principal, signal: AbortSignal) => Promise<Response>,
  ): Promise<Response> {
    const tracked = deps.drain.track();
    try {
      if (deps.drain.draining) throw new ApiError(ApiErrors.shuttingDown);
      return await work(await principalOf(request), tracked.signal);
    } catch (error) {
      if (error instanceof ReviewRefusal) {
        return errorResponse({ status: 400, code: 400, message: error.message });
      }
      const mapped = toApiError(error, config);
      if (mapped) return errorResponse(mapped.spec, false, mapped.headers);
      const requestId = requestIdOf(request);
      deps.log.error('review request failed', { requestId, error });
      return internalError(requestId);
    } finally {
      tracked.done();
    }
  }

  async function fileBytes(file: ReceivedFile | undefined, name: string): Promise<Uint8Array> {
    if (!file || file.size === 0) throw new ApiError(ApiErrors.invalidParameter(name));
    if (file.size > config.maxUploadMbUser * 1_000_000) {
      throw new ApiError(ApiErrors.fileTooBig(config.maxUploadMbUser));
    }
    return file.bytes ?? (await Bun.file(file.path!).bytes());
  }

  return new Elysia({ name: 'review' })
    .onParse({ as: 'local' }, () => null)
    .post('/api/1/baselines', ({ request }) =>
      handle(request, async (principal, signal) => {
        const input = await jsonBody(request, BaselineInput, signal);
        return ok({ baseline: await deps.review.recordBaseline(principal, input) });
      }),
    )
    .get('/api/1/baselines', ({ request }) =>
      handle(request, async (principal) => {
        const query = new URL(request.url).searchParams;
        const project = query.get('project') ?? '';
        const branch = query.get('branch') ?? '';
        if (project === '' || project.length > ReviewLimits.projectMaxLength) {
          throw new ApiError(ApiErrors.invalidParameter('project'));
        }
        if (branch === '' || branch.length > ReviewLimits.branchMaxLength) {
          throw new ApiError(ApiErrors.invalidParameter('branch'));
        }
        const baseline = await deps.review.latestBaseline(principal, project, branch);
        if (!baseline) throw new ApiError(ApiErrors.notFound);
        return ok({ baseline });
      }),
    )
    .post('/api/1/compare', ({ request }) =>
      handle(request, async (principal, signal) => {
        const input = await jsonBody(request, CompareInput, signal);
        return ok({ comparison: await deps.review.compare(principal, input) });
      }),
    )
    .post('/api/1/diff', ({ request }) =>
      handle(request, async (principal, signal) => {
        const type = (request.headers.get('content-type') ?? '').toLowerCase();
        if (!type.startsWith('multipart/form-data')) {
          throw new ApiError(ApiErrors.invalidParameter('request body: send a and b as files'));
        }
        let form: ReceivedForm | null = null;
        try {
          form = await receiveForm(request, {
            maxBytes: () => bodyLimitFor(config.maxUploadMbUser),
            timeoutMs: config.bodyTimeoutMs,
            signal,
            fileFields: ['a', 'b'],
            maxFieldBytes: 1_000,
            memoryThreshold: MEMORY_THRESHOLD,
            tempDir: deps.tempDir,
            tempPrefix: deps.tempPrefix,
          });
          const thresholdText = form.fields.threshold ?? String(ReviewLimits.defaultThreshold);
          const threshold = Number(thresholdText);
          if (!/^\d*\.?\d+$/.test(thresholdText.trim()) || !(threshold >= 0 && threshold <= 1)) {
            throw new ApiError(ApiErrors.invalidParameter('threshold'));
          }
          const [a, b] = [await fileBytes(form.files.a, 'a'), await fileBytes(form.files.b, 'b')];
          return ok({ diff: await deps.review.diff(principal, a, b, threshold) });
        } finally {
          await form?.cleanup();
        }
      }),
    );
}
