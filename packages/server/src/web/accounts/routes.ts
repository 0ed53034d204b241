import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { UserRow } from '../../db/schema/index.ts';
import { clientIp } from '../../http/client-ip.ts';
import { safeLocalPath } from '../../http/safe-path.ts';
import type { MessageKey } from '../../i18n/index.ts';
import type { AccountError, Accounts } from '../../services/accounts/accounts.ts';
import type { Sessions } from '../../services/accounts/sessions.ts';
import { Refusal } from '../../services/errors.ts';
import type { Moderation } from '../../services/moderation.ts';
import { field, type Web, type WebContext } from '../context.ts';
import type { Guard } from '../guard.ts';
import { ResetPage, SignInPage, SignUpPage, SignUpUnavailable } from './pages.tsx';

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
  'signups-closed': 'auth.signupsClosed',
  'invite-invalid': 'auth.inviteInvalid',
};

export function accountRoutes(deps: {
  config: Config;
  web: Web;
  sessions: Sessions;
  accounts: Accounts;
  moderation: Moderation;
  guard: Guard;
}) {
  const { web, sessions, accounts, moderation, guard } = deps;

  /** The sign-up page for this visitor: the form, or why there is none (closed, no invitation). */
  async function signUpView(
    ctx: WebContext,
    values: { username: string; email: string },
    invite: string,
  ) {
    if (accounts.signups === 'closed')
      return SignUpUnavailable({ ctx, message: ctx.t('auth.signupsClosed') });
    if (accounts.signups === 'invite' || invite !== '') {
      if (invite === '') return SignUpUnavailable({ ctx, message: ctx.t('auth.inviteOnly') });
      if (!(await moderation.findInvite(invite)))
        return SignUpUnavailable({ ctx, message: ctx.t('auth.inviteInvalid') });
      return SignUpPage({ ctx, ...values, invite });
    }
    return SignUpPage({ ctx, ...values, invite: null });
  }

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
        SignInPage({ ctx, login: '', next: safeLocalPath(ctx.url.searchParams.get('next'), '') }),
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
          SignInPage({ ctx, login, next }),
          status,
          headers,
        );
      if (!guard.validCsrf(ctx, form)) return fail('auth.csrf', 403);
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
      const invite = ctx.url.searchParams.get('invite')?.trim() ?? '';
      return web.render(
        ctx,
        { title: ctx.t('auth.signUpTitle') },
        await signUpView(ctx, { username: '', email: '' }, invite),
      );
    })
    .post('/signup', async ({ request }) => {
      const ctx = await web.context(request);
      const form = await web.form(request);
      const values = { username: field(form, 'username'), email: field(form, 'email') };
      const invite = field(form, 'invite');
      const fail = async (error: MessageKey, status: number) =>
        web.render(
          ctx,
          { title: ctx.t('auth.signUpTitle'), error: ctx.t(error) },
          await signUpView(ctx, values, invite),
          status,
        );
      if (!guard.validCsrf(ctx, form)) return fail('auth.csrf', 403);
      const result = await accounts.register({
        ...values,
        password: form.password?.[0] ?? '',
        invite,
      });
      if (!result.ok) {
        const status =
          result.error === 'username-taken'
            ? 409
            : result.error === 'signups-closed' || result.error === 'invite-invalid'
              ? 403
              : 400;
        return fail(ACCOUNT_MESSAGES[result.error], status);
      }
      return signedIn(ctx, result.user, '/account');
    })
    .post('/signout', async ({ request }) => {
      const ctx = await web.context(request);
      const form = await web.form(request);
      if (!guard.validCsrf(ctx, form)) {
        return web.render(
          ctx,
          { title: ctx.t('nav.signOut'), error: ctx.t('auth.csrf') },
          SignInPage({ ctx, login: '', next: '' }),
          403,
        );
      }
      const fresh = await sessions.signOut(ctx.session);
      return web.redirect(web.contextWith(request, fresh), '/', 'auth.signedOut');
    })
    .get('/reset/:token', async ({ request, params }) => {
      const ctx = await web.context(request);
      const found = await moderation.findReset(params.token);
      if (!found) return web.errorPage(ctx, 'not-found', ctx.t('reset.used'));
      return web.render(
        ctx,
        { title: ctx.t('reset.title') },
        ResetPage({ ctx, token: params.token, username: found.user.username }),
      );
    })
    .post('/reset/:token', async ({ request, params }) => {
      const ctx = await web.context(request);
      const form = await web.form(request);
      const found = await moderation.findReset(params.token);
      if (!found) return web.errorPage(ctx, 'not-found', ctx.t('reset.used'));
      const again = (error: MessageKey, status: number) =>
        web.render(
          ctx,
          { title: ctx.t('reset.title'), error: ctx.t(error) },
          ResetPage({ ctx, token: params.token, username: found.user.username }),
          status,
        );
      if (!guard.validCsrf(ctx, form)) return again('auth.csrf', 403);
      const outcome = await moderation.completeReset(params.token, form.password?.[0] ?? '');
      if (outcome === 'password-short') return again('auth.passwordShort', 400);
      if (outcome === 'used') return web.errorPage(ctx, 'not-found', ctx.t('reset.used'));
      return web.redirect(ctx, '/signin', 'reset.done');
    })
    .get('/lang/:locale', ({ request, params }) => web.setLanguage(request, params.locale));
}
