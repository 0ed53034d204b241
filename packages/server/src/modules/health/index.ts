import { Elysia } from 'elysia';
import type { Repository } from '../../db/repository.ts';
import { jsonResponse } from '../../http/api-error.ts';

export function healthRoutes(repo: Repository) {
  return new Elysia({ name: 'health' }).get('/healthz', () => {
    try {
      repo.countUsers();
      return jsonResponse({ status: 'ok' });
    } catch {
      return jsonResponse({ status: 'error', database: 'unavailable' }, 503);
    }
  });
}
