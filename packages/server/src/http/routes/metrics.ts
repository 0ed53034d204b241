// GET /metrics (README: Metrics): Prometheus text, only when UPSHOT_METRICS_TOKEN is set
// and the request carries it as a bearer token. Without the setting the route answers the
// same 404 as any unknown path.
import { ApiErrors } from '@upshot/schema';
import { Elysia } from 'elysia';
import { sha256, timingSafeEqual } from '../../crypto.ts';
import { errorResponse } from '../api-error.ts';
import type { Metrics } from '../metrics.ts';

export function metricsRoutes(deps: { token: string | undefined; metrics: Metrics }) {
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const expected = deps.token === undefined ? null : sha256(deps.token);
  const authorized = (request: Request): boolean => {
    if (!expected) return false;
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return timingSafeEqual(sha256(match?.[1] ?? ''), expected) && match !== null;
  };

  return new Elysia({ name: 'metrics' }).get('/metrics', async ({ request }) => {
    if (!expected || !deps.metrics.enabled) return errorResponse(ApiErrors.notFound);
    if (!authorized(request)) {
      return errorResponse({ status: 401, code: 401, message: 'Unauthorized' }, false, {
        'WWW-Authenticate': 'Bearer realm="metrics"',
      });
    }
    const { contentType, body } = await deps.metrics.render();
    return new Response(body, {
      headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' },
    });
  });
}
