import { ApiErrors } from '@upshot/schema';
import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { ImageRow } from '../../db/schema/index.ts';
import { errorResponse, jsonResponse } from '../../http/api-error.ts';
import type { Chevereto } from '../../services/chevereto.ts';
import type { ImageDeleter } from '../../services/images/deleter.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import type { Instance } from '../../services/instance.ts';
import { hashSecret } from '../../services/keys.ts';
import { wantsHtml } from '../context.ts';
import type { ImagePages } from './pages.tsx';

export interface ViewerRoutesDeps {
  config: Config;
  repos: Pick<Repositories, 'images'>;
  instance: Instance;
  present: PresentContext;
  deleter: ImageDeleter;
  now: () => Date;
  /** The HTML pages (viewer, delete confirmation) and who may see an image. */
  pages: ImagePages;
  /** Delete links Chevereto handed out (README: Moving from Chevereto). */
  chevereto?: Pick<Chevereto, 'verifyDeletePassword'>;
}

const notFoundJson = () =>
  errorResponse(ApiErrors.notFound, false, { 'Cache-Control': 'no-store' });

/** Viewer pages (`/image/<slug>.<id>`, short `/image/<id>`) and delete links. */
export function viewerRoutes(deps: ViewerRoutesDeps) {
  const { config, repos, instance, present, deleter, pages } = deps;

  /**
   * A dead link: a browser gets a page in its language (410 when the image was deleted or
   * expired, else 404); API clients keep the contract's envelope.
   */
  const notFound = (request: Request, encoded: string): Promise<Response> | Response => {
    if (!wantsHtml(request)) return notFoundJson();
    return pages.gone(request, encoded.length > 32 ? null : instance.ids.decode(encoded));
  };

  /** The live image an encoded id names, or null (unknown, expired). */
  async function liveImage(encoded: string): Promise<ImageRow | null> {
    const id = encoded.length > 32 ? null : instance.ids.decode(encoded);
    return id === null ? null : repos.images.findLive(id, deps.now());
  }

  /** `/<route>/<seo>.<id>` and the short `/<route>/<id>`: redirect to the canonical path. */
  async function viewer(request: Request, ref: string): Promise<Response> {
    const encoded = ref.includes('.') ? ref.slice(ref.lastIndexOf('.') + 1) : ref;
    const row = await liveImage(encoded);
    // A private image is not found for anyone but its owner, before any redirect says it exists.
    if (!row || !(await pages.canView(request, row))) return notFound(request, row ? '' : encoded);
    const paths = viewerPaths(row, present);
    const requested = new URL(request.url).pathname;
    if (requested !== paths.pathViewer) {
      return new Response(null, { status: 302, headers: { Location: paths.pathViewer } });
    }
    return pages.viewer(request, row);
  }

  async function deleteRoute(request: Request, encoded: string, token: string): Promise<Response> {
    const row = await liveImage(encoded);
    const valid =
      row !== null &&
      ((/^[0-9a-f]{48}$/.test(token) &&
        (await repos.images.hasDeleteToken(row.id, hashSecret(token)))) ||
        (await deps.chevereto?.verifyDeletePassword(row.id, token)) === true);
    if (!row || !valid) return notFound(request, row ? '' : encoded);
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

  const app = new Elysia({ name: 'viewer' });
  for (const route of [config.routeImage, config.routeVideo]) {
    app
      .get(`/${route}/:ref`, ({ request, params }) => viewer(request, params.ref))
      .all(`/${route}/:id/delete/:token`, ({ request, params }) =>
        deleteRoute(request, params.id, params.token),
      );
  }
  return app;
}
