import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { UserRow } from '../../db/schema/index.ts';
import { clientIp } from '../../http/client-ip.ts';
import { safeLocalPath } from '../../http/safe-path.ts';
import type { MessageKey } from '../../i18n/index.ts';
import type { AccountError, Accounts } from '../../services/accounts/accounts.ts';
import { CSRF_FIELD, type Sessions } from '../../services/accounts/sessions.ts';
import { Refusal } from '../../services/errors.ts';
import { field, type Web, type WebContext } from '../context.ts';
import { signInPage, signUpPage } from './pages.ts';

/** A local path to go back to after signing in; anything else goes to the account page. */
const safeNext = (value: string | null | undefined): string => safeLocalPath(value, '/account');

/** What each account error says on the page. */
export const ACCOUNT_MESSAGES: Record<AccountError, MessageKey> = {
  'username-invalid': 'auth.usernameInvalid',
  'email-invalid': 'auth.emailInvalid',
  'password-short': 'auth.passwordShort',
  'username-taken': 'auth.taken',
  wrong: 'auth.wrong',
  'current-password-wrong': 'settings.passwordWrong',
};

export function accountRoutes(deps: {
  config: Config;
  web: Web;
  sessions: Sessions;
  accounts: Accounts;
}) {
  const { web, sessions, accounts } = deps;

  /** Starts the session of a user who just signed in or up, claiming guest uploads. */
  async function signedIn(ctx: WebContext, user: UserRow, next: string): Promise<Response> {
    const { session, claimed } = await sessions.signIn(ctx.session, user);
    const after = web.contextWith(ctx.request, session);
    const target = claimed > 0 ? `/account?claimed=${claimed}` : next;
    return web.redirect(after, target);
  }

  return new Elysia({ name: 'accounts' })
    .get('/signin', async ({ request }) => {
      const ctx = await web.context(request);
      if (ctx.signedIn) return web.redirect(ctx, safeNext(ctx.url.searchParams.get('next')));
      return web.render(
        ctx,
        { title: ctx.t('auth.signInTitle') },
        signInPage(ctx, { login: '', next: safeLocalPath(ctx.url.searchParams.get('next'), '') }),
      );
    })
    .post('/signin', async ({ request }) => {
      const ctx = await web.context(request);
      const form = await web.form(request);
      const login = field(form, 'login');
      const next = safeNext(field(form, 'next'));
      const fail = (error: MessageKey, status: number, headers: Record<string, string> = {}) =>
        web.render(
          ctx,
          { title: ctx.t('auth.signInTitle'), error: ctx.t(error) },
          signInPage(ctx, { login, next }),
          status,
          headers,
        );
      if (!sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0])) return fail('auth.csrf', 403);
      try {
        const result = await accounts.signIn(
          login,
          form.password?.[0] ?? '',
          clientIp(request, deps.config.trustProxy),
        );
        if (!result.ok) return fail(ACCOUNT_MESSAGES[result.error], 401);
        return signedIn(ctx, result.user, next);
      } catch (error) {
        if (!(error instanceof Refusal) || error.reason !== 'rate-limited') throw error;
        return fail('auth.tooMany', 429, {
          'Retry-After': String(error.detail.retryAfterSeconds ?? 900),
        });
      }
    })
    .get('/signup', async ({ request }) => {
      const ctx = await web.context(request);
      if (ctx.signedIn) return web.redirect(ctx, '/account');
      return web.render(
        ctx,
        { title: ctx.t('auth.signUpTitle') },
        signUpPage(ctx, { username: '', email: '' }),
      );
    })
    .post('/signup', async ({ request }) => {
      const ctx = await web.context(request);
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
      if (!result.ok) {
        return fail(ACCOUNT_MESSAGES[result.error], result.error === 'username-taken' ? 409 : 400);
      }
      return signedIn(ctx, result.user, '/account');
    })
    .post('/signout', async ({ request }) => {
      const ctx = await web.context(request);
      const form = await web.form(request);
      if (!sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0])) {
        return web.render(
          ctx,
          { title: ctx.t('nav.signOut'), error: ctx.t('auth.csrf') },
          signInPage(ctx, { login: '', next: '' }),
          403,
        );
      }
      const fresh = await sessions.signOut(ctx.session);
      return web.redirect(web.contextWith(request, fresh), '/', 'auth.signedOut');
    })
    .get('/lang/:locale', ({ request, params }) => web.setLanguage(request, params.locale));
}
