import { ApiErrors } from '@upshot/schema';
import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repository } from '../../db/repository.ts';
import type { ImageRow } from '../../db/schema.ts';
import { errorResponse, jsonResponse } from '../../http/api-error.ts';
import { serveStoredFile } from '../../http/serve-file.ts';
import type { Instance } from '../../instance.ts';
import type { Storage } from '../../storage/storage.ts';
import type { ImagePages } from '../../web/image-pages.ts';
import { hashSecret } from '../keys/keys.ts';
import type { ImageDeleter } from './delete.ts';
import { candidateNames, variantsOf } from './files.ts';
import { type PresentContext, viewerPaths } from './image-object.ts';

export interface ImageRoutesDeps {
  config: Config;
  repo: Repository;
  storage: Storage;
  instance: Instance;
  present: PresentContext;
  deleter: ImageDeleter;
  now: () => Date;
  /** The HTML pages (viewer, delete confirmation) and who may see an image. */
  pages: ImagePages;
}

const YEAR_SECONDS = 31_536_000;
const notFound = () => errorResponse(ApiErrors.notFound, false, { 'Cache-Control': 'no-store' });

export const isExpired = (row: ImageRow, now: Date): boolean =>
  row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();

export function imageRoutes(deps: ImageRoutesDeps) {
  const { config, repo, storage, instance, present, deleter, pages } = deps;

  /** The live image an encoded id names, or null (unknown, expired). */
  function liveImage(encoded: string): ImageRow | null {
    const id = instance.ids.decode(encoded);
    const row = id === null ? null : repo.findImage(id);
    return row && !isExpired(row, deps.now()) ? row : null;
  }

  async function serveFile(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const match = /^\/images\/(\d{4}\/\d{2}\/\d{2})\/([A-Za-z0-9_.-]+)$/.exec(path);
    if (!match) return notFound();
    const [, folder = '', filename = ''] = match;
    const now = deps.now();
    for (const row of repo.findImagesByName(folder, candidateNames(filename))) {
      const file = variantsOf(row).find((variant) => variant.filename === filename);
      if (!file || isExpired(row, now)) continue;
      const stored = await storage.get(file.key);
      if (!stored) break;
      const secondsLeft = row.expiresAt
        ? (row.expiresAt.getTime() - now.getTime()) / 1000
        : YEAR_SECONDS;
      return serveStoredFile(request, stored, {
        contentType: file.mime,
        maxAge: Math.min(YEAR_SECONDS, secondsLeft),
      });
    }
    return notFound();
  }

  /** `/<route>/<seo>.<id>` and the short `/<route>/<id>`: redirect to the canonical path. */
  function viewer(request: Request, ref: string): Response {
    const encoded = ref.includes('.') ? ref.slice(ref.lastIndexOf('.') + 1) : ref;
    const row = liveImage(encoded);
    // A private image is not found for anyone but its owner, before any redirect says it exists.
    if (!row || !pages.canView(request, row)) return notFound();
    const paths = viewerPaths(row, present);
    const requested = new URL(request.url).pathname;
    if (requested !== paths.pathViewer) return Response.redirect(paths.pathViewer, 302);
    return pages.viewer(request, row);
  }

  async function deleteRoute(request: Request, encoded: string, token: string): Promise<Response> {
    const row = liveImage(encoded);
    if (!row || !/^[0-9a-f]{48}$/.test(token) || !repo.hasDeleteToken(row.id, hashSecret(token)))
      return notFound();
    if (request.method === 'GET' || request.method === 'HEAD')
      return pages.deleteConfirm(request, row);
    if (request.method !== 'POST' && request.method !== 'DELETE') {
      return errorResponse({ status: 405, code: 405, message: 'Method not allowed' }, false, {
        Allow: 'GET, POST, DELETE',
      });
    }
    await deleter.delete(row);
    const fromForm = (request.headers.get('content-type') ?? '').startsWith(
      'application/x-www-form-urlencoded',
    );
    if (fromForm && (request.headers.get('accept') ?? '').includes('text/html')) {
      return new Response(null, { status: 303, headers: { Location: '/?notice=upload.deleted' } });
    }
    return jsonResponse({
      status_code: 200,
      success: { message: 'Image deleted', code: 200 },
      status_txt: 'OK',
    });
  }

  const app = new Elysia({ name: 'images' })
    .get('/images/*', ({ request }) => serveFile(request))
    .head('/images/*', ({ request }) => serveFile(request));
  for (const route of [config.routeImage, config.routeVideo]) {
    app
      .get(`/${route}/:ref`, ({ request, params }) => viewer(request, params.ref))
      .all(`/${route}/:id/delete/:token`, ({ request, params }) =>
        deleteRoute(request, params.id, params.token),
      );
  }
  return app;
}
