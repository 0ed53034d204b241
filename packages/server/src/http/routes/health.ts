import { Elysia } from 'elysia';
import type { Storage } from '../../storage/storage.ts';
import { jsonResponse } from '../api-error.ts';
import type { Drain } from '../drain.ts';

/**
 * GET /healthz for load balancers: 200 `{"status":"ok"}` when the database and the storage
 * answer, 503 naming what is down, and 503 while draining so traffic moves elsewhere.
 */
export function healthRoutes(deps: {
  pingDatabase: () => Promise<void>;
  storage: Storage;
  drain: Drain;
  timeoutMs?: number;
}) {
  const timeoutMs = deps.timeoutMs ?? 3_000;
  // Load balancers ask every few seconds: a good answer from the bucket is reused for a
  // moment instead of costing a request each time (a failure is always asked again).
  let storageOkUntil = 0;
  const check = async (ping: () => Promise<void>): Promise<'ok' | 'unavailable'> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        }),
      ]);
      return 'ok';
    } catch {
      return 'unavailable';
    } finally {
      clearTimeout(timer);
    }
  };
  return new Elysia({ name: 'health' }).get('/healthz', async () => {
    const headers = { 'Cache-Control': 'no-store' };
    if (deps.drain.draining) {
      return jsonResponse({ status: 'draining' }, 503, headers);
    }
    const [database, storage] = await Promise.all([
      check(deps.pingDatabase),
      Date.now() < storageOkUntil ? ('ok' as const) : check(() => deps.storage.ping()),
    ]);
    storageOkUntil = storage === 'ok' ? Date.now() + 5_000 : 0;
    if (database === 'ok' && storage === 'ok') return jsonResponse({ status: 'ok' }, 200, headers);
    return jsonResponse({ status: 'error', database, storage }, 503, headers);
  });
}
