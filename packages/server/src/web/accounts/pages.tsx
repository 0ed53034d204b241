/** @jsxImportSource @upshot/server */
import type { PageContext } from '../html.ts';
import type { Child } from '../jsx/jsx-runtime.ts';
import { CsrfField, fill, Notice } from '../ui/components.tsx';
import { icon } from '../ui/icons.ts';

/** A narrow card with a title: the sign-in, sign-up and password pages. */
const AuthCard = (props: { title: string; children?: Child }) => (
  <div class="narrow auth">
    <h1>{props.title}</h1>
    {props.children}
  </div>
);

export function SignInPage(props: { ctx: PageContext; login: string; next: string }) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AuthCard title={t('auth.signInTitle')}>
      <form method="post" action="/signin" class="card stack">
        <CsrfField ctx={ctx} />
        <input type="hidden" name="next" value={props.next} />
        <label>
          {t('field.login')}
          <input name="login" autocomplete="username" required value={props.login} />
        </label>
        <label>
          {t('field.password')}
          <input type="password" name="password" autocomplete="current-password" required />
        </label>
        <button type="submit" class="button primary">
          {icon('log-in')}
          <span class="label">{t('auth.signIn')}</span>
        </button>
      </form>
      {ctx.signupsOpen === false ? null : (
        <p>{fill(t('auth.noAccount'), { link: <a href="/signup">{t('auth.signUp')}</a> })}</p>
      )}
      <p class="muted small">{t('auth.firstSignIn')}</p>
    </AuthCard>
  );
}

export function SignUpPage(props: {
  ctx: PageContext;
  username: string;
  email: string;
  /** The invitation's token (kept in the form), or null when sign-up is open. */
  invite: string | null;
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AuthCard title={t('auth.signUpTitle')}>
      {props.invite ? <Notice kind="info">{t('auth.invited')}</Notice> : null}
      <form method="post" action="/signup" class="card stack">
        <CsrfField ctx={ctx} />
        {props.invite ? <input type="hidden" name="invite" value={props.invite} /> : null}
        <label>
          {t('field.username')}
          <input
            name="username"
            autocomplete="username"
            required
            minlength="3"
            maxlength="32"
            pattern="[A-Za-z0-9_\-]{3,32}"
            value={props.username}
            aria-describedby="username-rule"
          />
        </label>
        <span id="username-rule" class="muted small">
          {t('auth.usernameRule')}
        </span>
        <label>
          {t('field.email')}
          <input type="email" name="email" autocomplete="email" value={props.email} />
        </label>
        <label>
          {t('field.password')}
          <input
            type="password"
            name="password"
            autocomplete="new-password"
            required
            minlength="8"
            aria-describedby="password-rule"
          />
        </label>
        <span id="password-rule" class="muted small">
          {t('auth.passwordRule')}
        </span>
        <button type="submit" class="button primary">
          {icon('user-plus')}
          <span class="label">{t('auth.signUp')}</span>
        </button>
      </form>
      <p>{fill(t('auth.haveAccount'), { link: <a href="/signin">{t('auth.signIn')}</a> })}</p>
    </AuthCard>
  );
}

/** Sign-up needs what the visitor has not got: an invitation, or sign-ups are closed. */
export function SignUpUnavailable(props: { ctx: PageContext; message: string }) {
  const { t } = props.ctx;
  return (
    <AuthCard title={t('auth.signUpTitle')}>
      <Notice kind="info">{props.message}</Notice>
      <p>{fill(t('auth.haveAccount'), { link: <a href="/signin">{t('auth.signIn')}</a> })}</p>
    </AuthCard>
  );
}

export function ResetPage(props: { ctx: PageContext; token: string; username: string }) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AuthCard title={t('reset.title')}>
      <p class="muted">{t('reset.lead', { name: props.username })}</p>
      <form method="post" action={`/reset/${props.token}`} class="card stack">
        <CsrfField ctx={ctx} />
        <input type="hidden" name="username" autocomplete="username" value={props.username} />
        <label>
          {t('field.passwordNew')}
          <input
            type="password"
            name="password"
            autocomplete="new-password"
            required
            minlength="8"
          />
        </label>
        <button type="submit" class="button primary">
          {icon('key-round')}
          <span class="label">{t('reset.save')}</span>
        </button>
      </form>
    </AuthCard>
  );
}
