import { Elysia } from 'elysia';
import type { ReviewService } from '../../services/review/service.ts';
import type { Web } from '../context.ts';
import { reviewAssetResponse } from './assets.ts';
import { reviewPage } from './page.tsx';

/**
 * The review page of one pull request run, `/compare/<id>`: every changed screenshot side by
 * side, with a slider and a diff toggle. Anyone with the link may see it, like the images.
 */
export function reviewPageRoutes(deps: { web: Web; review: ReviewService }) {
  const { web, review } = deps;
  return new Elysia({ name: 'review-page' })
    .get('/compare/:id', async ({ request, params }) => {
      const ctx = await web.context(request);
      const comparison = await review.findComparison(params.id);
      if (!comparison) return web.notFound(ctx);
      const view = reviewPage(ctx, comparison);
      return web.render(
        ctx,
        { title: ctx.t('review.title'), head: view.head, bodyClass: 'review-page' },
        view.body,
      );
    })
    .get(
      '/compare/assets/:name',
      ({ params }) =>
        reviewAssetResponse(params.name) ?? new Response('Not found', { status: 404 }),
    );
}
