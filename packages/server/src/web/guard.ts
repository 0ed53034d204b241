import type { Sessions } from '../services/accounts/sessions.ts';
import { CSRF_FIELD, CSRF_HEADER } from '../services/accounts/sessions.ts';
import type { FormData_, Web, WebContext } from './context.ts';

/**
 * The one check of who may do what on the pages: a signed-in user for their own things,
 * and a CSRF token (form field or header) on everything that changes state.
 */
export function createGuard(deps: { web: Web; sessions: Sessions }) {
  const { web, sessions } = deps;

  const signInFirst = (ctx: WebContext) =>
    web.redirect(ctx, `/signin?next=${encodeURIComponent(ctx.path)}`);

  const forbidden = (ctx: WebContext) => web.errorPage(ctx, 'forbidden', ctx.t('auth.csrf'));

  /** The CSRF rule: the session's token in the form field, or in the header (scripts). */
  const validCsrf = (ctx: WebContext, form: FormData_): boolean =>
    sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0] ?? ctx.request.headers.get(CSRF_HEADER));

  return {
    /**
     * For forms that answer a bad token with their own page (sign-in, sign-up, reset):
     * the same check as `posted`, and the route decides what to show.
     */
    validCsrf,

    /** The context of a signed-in user, or the redirect to sign in. */
    async signedIn(request: Request): Promise<WebContext | Response> {
      const ctx = await web.context(request);
      return ctx.signedIn ? ctx : signInFirst(ctx);
    },

    /** The context of a signed-in admin; others get 404 (nothing to see here). */
    async admin(request: Request): Promise<WebContext | Response> {
      const ctx = await web.context(request);
      if (!ctx.signedIn) return signInFirst(ctx);
      return ctx.signedIn.isAdmin ? ctx : web.notFound(ctx);
    },

    /**
     * A posted form with a valid CSRF token: from a signed-in user (`anyone: false`, the
     * default) or from any visitor (sign-in, sign-up). Otherwise the response that ends it.
     */
    async posted(
      request: Request,
      options: { anyone?: boolean; admin?: boolean } = {},
    ): Promise<{ ctx: WebContext; form: FormData_ } | Response> {
      const ctx = await web.context(request);
      const form = await web.form(request);
      if (!options.anyone && !ctx.signedIn) return signInFirst(ctx);
      if (!validCsrf(ctx, form)) return forbidden(ctx);
      if (options.admin && !ctx.signedIn?.isAdmin) return web.notFound(ctx);
      return { ctx, form };
    },
  };
}

export type Guard = ReturnType<typeof createGuard>;
