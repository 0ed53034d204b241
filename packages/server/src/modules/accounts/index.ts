import { Elysia } from 'elysia';
import { clientIp, type TrustProxy } from '../../http/client-ip.ts';
import { safeLocalPath } from '../../http/safe-path.ts';
import type { MessageKey } from '../../i18n/index.ts';
import { signInPage, signUpPage } from '../../web/auth-pages.ts';
import { field, type Web, type WebContext } from '../../web/context.ts';
import { RateLimitedError, type RateLimiter, type RateWindow } from '../upload/rate-limit.ts';
import type { Accounts } from './service.ts';
import { CSRF_FIELD, type Sessions } from './session.ts';

/** A local path to go back to after signing in; anything else goes to the account page. */
const safeNext = (value: string | null | undefined): string => safeLocalPath(value, '/account');

/** Failed sign-ins allowed per account and per client address before a pause. */
const ACCOUNT_FAILURES: RateWindow[] = [{ limit: 10, seconds: 15 * 60, unit: '15 minutes' }];
const ADDRESS_FAILURES: RateWindow[] = [{ limit: 50, seconds: 15 * 60, unit: '15 minutes' }];

export function accountRoutes(deps: {
  web: Web;
  sessions: Sessions;
  accounts: Accounts;
  /** Counts failed sign-ins, so passwords can't be guessed at speed. */
  failures: RateLimiter;
  trustProxy: TrustProxy;
  now: () => Date;
}) {
  const { web, sessions, accounts, failures } = deps;

  /** Starts the session of a user who just signed in or up, claiming guest uploads. */
  function signedIn(
    ctx: WebContext,
    user: Parameters<Sessions['signIn']>[1],
    next: string,
  ): Response {
    const { session, claimed } = sessions.signIn(ctx.session, user);
    const after = web.context(ctx.request, session);
    const target = claimed > 0 ? `/account?claimed=${claimed}` : next;
    return web.redirect(after, target);
  }

  return new Elysia({ name: 'accounts' })
    .get('/signin', ({ request }) => {
      const ctx = web.context(request);
      if (ctx.signedIn) return web.redirect(ctx, safeNext(ctx.url.searchParams.get('next')));
      return web.render(
        ctx,
        { title: ctx.t('auth.signInTitle') },
        signInPage(ctx, { login: '', next: safeLocalPath(ctx.url.searchParams.get('next'), '') }),
      );
    })
    .post('/signin', async ({ request, server }) => {
      const ctx = web.context(request);
      const form = await web.form(request);
      const login = field(form, 'login');
      const next = safeNext(field(form, 'next'));
      const fail = (error: MessageKey, status: number) =>
        web.render(
          ctx,
          { title: ctx.t('auth.signInTitle'), error: ctx.t(error) },
          signInPage(ctx, { login, next }),
          status,
        );
      if (!sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0])) return fail('auth.csrf', 403);
      const now = deps.now();
      const account = `signin:${login.trim().toLowerCase()}`;
      const address = `signin-ip:${clientIp(request, server, deps.trustProxy) ?? 'unknown'}`;
      try {
        failures.check(account, ACCOUNT_FAILURES, now);
        failures.check(address, ADDRESS_FAILURES, now);
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        const page = fail('auth.tooMany', 429);
        page.headers.set('Retry-After', String(error.retryAfterSeconds));
        return page;
      }
      const result = await accounts.signIn(login, form.password?.[0] ?? '');
      if (!result.ok) {
        failures.record(account, ACCOUNT_FAILURES, now);
        failures.record(address, ADDRESS_FAILURES, now);
        return fail(result.error, 401);
      }
      return signedIn(ctx, result.user, next);
    })
    .get('/signup', ({ request }) => {
      const ctx = web.context(request);
      if (ctx.signedIn) return web.redirect(ctx, '/account');
      return web.render(
        ctx,
        { title: ctx.t('auth.signUpTitle') },
        signUpPage(ctx, { username: '', email: '' }),
      );
    })
    .post('/signup', async ({ request }) => {
      const ctx = web.context(request);
      const form = await web.form(request);
      const values = { username: field(form, 'username'), email: field(form, 'email') };
      const fail = (error: MessageKey, status: number) =>
        web.render(
          ctx,
          { title: ctx.t('auth.signUpTitle'), error: ctx.t(error) },
          signUpPage(ctx, values),
          status,
        );
      if (!sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0])) return fail('auth.csrf', 403);
      const result = await accounts.register({ ...values, password: form.password?.[0] ?? '' });
      if (!result.ok) return fail(result.error, result.error === 'auth.taken' ? 409 : 400);
      return signedIn(ctx, result.user, '/account');
    })
    .post('/signout', async ({ request }) => {
      const ctx = web.context(request);
      const form = await web.form(request);
      if (!sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0])) {
        return web.render(
          ctx,
          { title: ctx.t('nav.signOut'), error: ctx.t('auth.csrf') },
          signInPage(ctx, { login: '', next: '' }),
          403,
        );
      }
      const fresh = sessions.signOut(ctx.session);
      return web.redirect(web.context(request, fresh), '/', 'auth.signedOut');
    })
    .get('/lang/:locale', ({ request, params }) => web.setLanguage(request, params.locale));
}
