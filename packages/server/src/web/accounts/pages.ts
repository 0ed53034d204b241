import type { PageContext } from '../html.ts';
import { csrfField, fill, html } from '../html.ts';

export function signInPage(ctx: PageContext, values: { login: string; next: string }) {
  const { t } = ctx;
  return html`<div class="narrow"><h1>${t('auth.signInTitle')}</h1>
<form method="post" action="/signin" class="card stack">${csrfField(ctx)}<input type="hidden" name="next" value="${values.next}">
<label>${t('field.login')}<input name="login" autocomplete="username" required value="${values.login}"></label>
<label>${t('field.password')}<input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">${t('auth.signIn')}</button></form>
<p>${fill(t('auth.noAccount'), { link: html`<a href="/signup">${t('auth.signUp')}</a>` })}</p>
<p class="muted small">${t('auth.firstSignIn')}</p></div>`;
}

export function signUpPage(ctx: PageContext, values: { username: string; email: string }) {
  const { t } = ctx;
  return html`<div class="narrow"><h1>${t('auth.signUpTitle')}</h1>
<form method="post" action="/signup" class="card stack">${csrfField(ctx)}
<label>${t('field.username')}<input name="username" autocomplete="username" required minlength="3" maxlength="32" pattern="[A-Za-z0-9_\\-]{3,32}" value="${values.username}" aria-describedby="username-rule"></label><span id="username-rule" class="muted small">${t('auth.usernameRule')}</span>
<label>${t('field.email')}<input type="email" name="email" autocomplete="email" value="${values.email}"></label>
<label>${t('field.password')}<input type="password" name="password" autocomplete="new-password" required minlength="8" aria-describedby="password-rule"></label><span id="password-rule" class="muted small">${t('auth.passwordRule')}</span>
<button type="submit">${t('auth.signUp')}</button></form>
<p>${fill(t('auth.haveAccount'), { link: html`<a href="/signin">${t('auth.signIn')}</a>` })}</p></div>`;
}
